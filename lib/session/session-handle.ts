import type { RawValue } from '../backends/backend.interface.js';
import { MESSAGES } from '../cachex.messages.js';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { SessionError } from '../errors/session.error.js';
import { describe } from '../utils/duration.js';
import { newSessionId } from './session-cookie.js';
import type { SessionData } from './session-options.interface.js';
import type { SessionStorage, StoredSession } from './session-storage.js';

/** What the response's `Set-Cookie` does after a commit. @internal */
export type CookieAction = 'set' | 'clear' | undefined;

/**
 * The session of one request, loaded before the handler runs: reads are synchronous; changes are
 * kept in the request and saved once, with the changed fields only, just before the response's
 * headers are sent (see the README, "Sessions"). Get it with `@Session()`.
 *
 * Values are encoded when set (a `SerializationError` is thrown by `set`), so a later change to
 * an object you set is not saved unless you `set` it again.
 *
 * @typeParam T - the session's data; augment {@link SessionData} to type every session
 */
export class SessionHandle<T extends object = SessionData> {
  #id: string;
  #isNew: boolean;
  /** Stored in the cache under `#id` (loaded, or saved by `regenerate`). */
  #stored: boolean;
  /** When the stored session was last saved or renewed (ms since the epoch). */
  #savedAt: number;
  readonly #data: Map<string, unknown>;
  readonly #changed = new Map<string, RawValue>();
  readonly #deleted = new Set<string>();
  #touch = false;
  #cookie: CookieAction;
  #committed = false;

  /** @internal created by the session middleware's request state */
  constructor(
    private readonly storage: SessionStorage,
    stored: { id: string; session: StoredSession } | undefined,
    /** Called before each change: holds the response's headers for the save. */
    private readonly beforeChange: (action: string) => void,
  ) {
    this.#id = stored?.id ?? newSessionId();
    this.#isNew = stored === undefined;
    this.#stored = !this.#isNew;
    this.#savedAt = stored?.session.savedAt ?? 0;
    this.#data = stored?.session.data ?? new Map();
  }

  /** The session id (a credential: never log it). It changes with `regenerate()` and `destroy()`. */
  get id(): string {
    return this.#id;
  }

  /** Whether the session was started by this request (no stored session came with it). */
  get isNew(): boolean {
    return this.#isNew;
  }

  /**
   * A value of the session.
   * @returns the value, or `undefined` when the session has none
   * @example const userId = session.get('userId');
   */
  get<K extends keyof T & string>(key: K): T[K] | undefined {
    return this.#data.get(key) as T[K] | undefined;
  }

  /**
   * Whether the session has a value for `key`.
   * @example if (!session.has('cart')) session.set('cart', []);
   */
  has(key: keyof T & string): boolean {
    return this.#data.has(key);
  }

  /**
   * Sets a value; saved when the response starts. `undefined` deletes the key.
   * @throws InvalidArgumentError for an empty or non-string key
   * @throws SerializationError when the cache's codec cannot encode the value
   * @throws SessionError once the response has started
   * @example session.set('userId', user.id);
   */
  set<K extends keyof T & string>(key: K, value: T[K]): void {
    this.assertOpen('set a value');
    this.checkKey(key);
    if (value === undefined) {
      this.delete(key);
      return;
    }
    this.#changed.set(key, this.storage.encode(key, value));
    this.#deleted.delete(key);
    this.#data.set(key, value);
  }

  /**
   * Deletes a value; saved when the response starts.
   * @returns whether the session had it
   * @throws SessionError once the response has started
   * @example session.delete('cart');
   */
  delete(key: keyof T & string): boolean {
    this.assertOpen('delete a value');
    this.checkKey(key);
    this.#changed.delete(key);
    if (this.#stored) this.#deleted.add(key);
    return this.#data.delete(key);
  }

  /**
   * A copy of the session's data.
   * @example const { userId, cart } = session.all();
   */
  all(): Partial<T> {
    return Object.fromEntries(this.#data) as Partial<T>;
  }

  /**
   * Renews the session's expiry (and its cookie) when the response starts, even if nothing
   * changed and less than `touchAfter` of the TTL has passed.
   * @throws SessionError once the response has started
   * @example session.touch();
   */
  touch(): void {
    this.assertOpen('touch the session');
    this.#touch = true;
  }

  /**
   * Moves the session to a new id, keeping its data; the old id stops working at once. Call it
   * when the user's privileges change (log-in), against session fixation.
   * @throws CacheXConnectionError when the server cannot be reached
   * @throws SessionError once the response has started
   * @example
   * await session.regenerate();
   * session.set('userId', user.id);
   */
  async regenerate(): Promise<void> {
    this.assertOpen('regenerate the session');
    const oldId = this.#id;
    const newId = newSessionId();
    if (this.#stored || this.#data.size > 0) {
      const all = new Map<string, RawValue>();
      for (const [key, value] of this.#data)
        all.set(key, this.#changed.get(key) ?? this.storage.encode(key, value));
      // The session moves only once the copy is stored: a failure leaves it where it was.
      await this.storage.save(newId, false, all, new Set());
      if (this.#stored) await this.storage.destroy(oldId);
      this.#stored = true;
      this.#savedAt = Date.now();
      this.#changed.clear();
      this.#deleted.clear();
      this.#cookie = 'set';
    }
    this.#id = newId;
  }

  /**
   * Deletes the session from the cache and clears its cookie. The handle goes on as a new, empty
   * session: what is set afterwards starts another session, with another id.
   * @throws CacheXConnectionError when the server cannot be reached
   * @throws SessionError once the response has started
   * @example await session.destroy();
   */
  async destroy(): Promise<void> {
    this.assertOpen('destroy the session');
    if (this.#stored) await this.storage.destroy(this.#id);
    this.#id = newSessionId();
    this.#isNew = true;
    this.#stored = false;
    this.#savedAt = 0;
    this.#data.clear();
    this.#changed.clear();
    this.#deleted.clear();
    this.#touch = false;
    this.#cookie = 'clear';
  }

  /**
   * What the response needs, decided when it starts: nothing (`undefined`, no round trip), or a
   * save or refresh whose outcome says what the cookie does. After it, the handle is read-only.
   * @param rolling - refresh the expiry whatever `touchAfter` says
   * @internal
   */
  commit(rolling: boolean): Promise<CookieAction> | CookieAction {
    this.#committed = true;
    const { settings, ttlMs } = this.storage;
    const changed = this.#changed.size > 0 || this.#deleted.size > 0;
    if (this.#stored ? changed : changed || settings.saveUninitialized)
      return this.storage
        .save(this.#id, this.#stored, this.#changed, this.#deleted)
        .then((saved) => {
          this.#stored = saved;
          return saved ? 'set' : 'clear';
        });
    const stale = Date.now() - this.#savedAt >= settings.touchAfter * ttlMs;
    if (this.#stored && (this.#touch || rolling || stale))
      return this.storage.touch(this.#id).then((alive) => (alive ? 'set' : 'clear'));
    return this.#cookie;
  }

  /** Whether the session is stored: not new, or saved by `regenerate`. @internal */
  get stored(): boolean {
    return this.#stored;
  }

  /**
   * Whether the response must wait for this session even if nothing changes: a renewal is due,
   * or a new session is to be stored anyway.
   * @internal
   */
  needsCommit(rolling: boolean): boolean {
    const { settings, ttlMs } = this.storage;
    if (!this.#stored) return settings.saveUninitialized;
    return rolling || Date.now() - this.#savedAt >= settings.touchAfter * ttlMs;
  }

  private assertOpen(action: string): void {
    if (this.#committed)
      throw new SessionError(
        MESSAGES.sessionCommitted(this.storage.cache.name, action),
        this.storage.cache.name,
      );
    this.beforeChange(action);
  }

  private checkKey(key: unknown): void {
    if (typeof key !== 'string' || key === '')
      throw new InvalidArgumentError(
        MESSAGES.invalidArgument(
          this.storage.cache.name,
          'key',
          `must be a non-empty string, got ${describe(key)}`,
        ),
        this.storage.cache.name,
        'key',
      );
  }
}
