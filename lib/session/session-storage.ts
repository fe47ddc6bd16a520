import type { OpArg } from '../backends/atomic-op.js';
import type { BackendCommand, RawValue, Reply } from '../backends/backend.interface.js';
import type { CacheService } from '../cache/cache.service.js';
import { mapBackendError } from '../cache/map-error.js';
import { MESSAGES } from '../cachex.messages.js';
import { CacheXConfigError } from '../errors/config.error.js';
import type { CacheRegistry } from '../registry/cache.registry.js';
import type { SessionSettings } from './session.config.js';
import { verifySessionCookie } from './session-cookie.js';
import { SAVE_SESSION } from './session.ops.js';

/**
 * The hash field that marks a stored session: the time of its last save or renewal, in ms since
 * the epoch, which decides when a read renews it. Session keys are non-empty, so it never
 * collides with one; it keeps a session that the app emptied alive until it expires or is
 * destroyed.
 */
export const SAVED_AT_FIELD = '';

/** How many verified cookie values {@link SessionStorage.verify} remembers. */
const VERIFIED_MEMO_SIZE = 4096;

const NO_FIELDS: ReadonlyMap<string, RawValue> = new Map();
const NO_ARGS: readonly string[] = [];

/** A session read waiting for the batch it is sent in. */
interface PendingRead {
  command: BackendCommand;
  resolve(reply: Reply): void;
  reject(error: unknown): void;
}
const NO_DELETES: ReadonlySet<string> = new Set();

/** A session as read from the cache. @internal */
export interface StoredSession {
  data: Map<string, unknown>;
  /** When it was last saved or renewed, in ms since the epoch. */
  savedAt: number;
}

/**
 * Where the module's sessions live: one hash per session at the user key `session:<id>` of the
 * session cache (so `<prefix>:<version>:session:<id>`), one field per session key, values encoded
 * with the cache's codec. Each method is one round trip.
 * @internal
 */
export class SessionStorage {
  /** The session TTL in ms. */
  readonly ttlMs: number;
  /** The cookie's Max-Age in ms; `null` for a browser-session cookie. */
  readonly cookieMaxAgeMs: number | null;
  /** The session cache. */
  readonly cache: CacheService;
  private readonly codec: CacheService['values'];

  /**
   * @throws CacheXConfigError at start-up when the cache is not registered, or sessions would
   * never expire
   */
  constructor(
    readonly settings: SessionSettings,
    registry: CacheRegistry,
  ) {
    this.cache = registry.get(settings.cache);
    const ttl = settings.ttlMs ?? this.cache.defaultTtl;
    if (ttl === null)
      throw new CacheXConfigError(
        MESSAGES.sessionNoTtl(settings.cache),
        settings.cache,
        'session.ttl',
      );
    this.ttlMs = ttl;
    this.cookieMaxAgeMs = settings.cookie.maxAgeMs === undefined ? ttl : settings.cookie.maxAgeMs;
    this.codec = this.cache.values;
  }

  /**
   * Cookie values whose signature was verified, with their session id: a returning browser
   * sends the same value on every request, and an HMAC costs more than the rest of a cookie's
   * handling. Only verified values are kept (nothing an attacker sends without a valid
   * signature), and at most {@link VERIFIED_MEMO_SIZE}: the memo starts over when full.
   */
  private readonly verified = new Map<string, string>();

  /** The session id a signed cookie value carries; `undefined` for anything not signed by us. */
  verify(value: string): string | undefined {
    const known = this.verified.get(value);
    if (known !== undefined) return known;
    const id = verifySessionCookie(value, this.settings.keys);
    if (id !== undefined) {
      if (this.verified.size >= VERIFIED_MEMO_SIZE) this.verified.clear();
      this.verified.set(value, id);
    }
    return id;
  }

  /** The full key of a session's hash. */
  key(id: string): string {
    return this.cache.keyBuilder.key(`session:${id}`);
  }

  /** A value as the cache stores it; `SerializationError` when it cannot be encoded. */
  encode(field: string, value: unknown): RawValue {
    return this.codec.encode(value, `session[${field}]`);
  }

  /**
   * Reads a session: one HGETALL. `undefined` when it does not exist (or expired). On Redis, the
   * reads asked for during one turn of the event loop are sent together (see {@link read}).
   */
  load(id: string): Promise<StoredSession | undefined> {
    const command: BackendCommand = { name: 'hgetall', keys: [this.key(id)], args: NO_ARGS };
    return this.read(command).then(this.decodeSession, this.mapError);
  }

  /** A session from the flat field/value list of HGETALL; `undefined` for an empty one. */
  private readonly decodeSession = (reply: Reply): StoredSession | undefined => {
    const flat = reply as RawValue[];
    if (flat.length === 0) return undefined;
    const data = new Map<string, unknown>();
    let savedAt = 0;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const field = flat[i]!.toString();
      if (field === SAVED_AT_FIELD) savedAt = Number(flat[i + 1]!.toString());
      else data.set(field, this.codec.decode(flat[i + 1]!, `session[${field}]`));
    }
    return { data, savedAt };
  };

  /** Reads waiting for {@link flushReads}. */
  private pending: PendingRead[] = [];

  /**
   * Runs a read command. On Redis it waits for the end of the event loop's current phase
   * (`setImmediate`), so that the reads of every request that arrived meanwhile are sent in the
   * same tick, hence in one socket write (the backend's `batching`), as node-redis batches its
   * commands: under load the server then handles many commands per socket read instead of one.
   * On `memory://` there is no socket to save, so it runs at once.
   */
  private read(command: BackendCommand): Promise<Reply> {
    const backend = this.cache.backend;
    if (backend.kind === 'memory') return backend.command(command);
    return new Promise((resolve, reject) => {
      if (this.pending.push({ command, resolve, reject }) === 1) setImmediate(this.flushReads);
    });
  }

  /** Sends the waiting reads, all in this tick. */
  private readonly flushReads = (): void => {
    const reads = this.pending;
    this.pending = [];
    const backend = this.cache.backend;
    for (const read of reads) backend.command(read.command).then(read.resolve, read.reject);
  };

  /**
   * Writes the changed fields and renews the expiry, in one atomic step.
   * @param existing - the session was loaded: write only if it still exists
   * @returns false when an existing session is gone (destroyed or expired); nothing was written
   */
  async save(
    id: string,
    existing: boolean,
    changed: ReadonlyMap<string, RawValue>,
    deleted: ReadonlySet<string>,
  ): Promise<boolean> {
    const args: OpArg[] = [existing ? '1' : '0', this.ttlMs, Date.now(), deleted.size, ...deleted];
    for (const [field, raw] of changed) args.push(field, raw);
    return this.run(() => this.cache.backend.run(SAVE_SESSION, [this.key(id)], args));
  }

  /** Renews a session's expiry if it still exists (never recreates it); answers whether it does. */
  async touch(id: string): Promise<boolean> {
    return this.save(id, true, NO_FIELDS, NO_DELETES);
  }

  /** Deletes a session. */
  async destroy(id: string): Promise<void> {
    await this.run(() => this.cache.backend.delete([this.key(id)]));
  }

  private async run<R>(step: () => Promise<R>): Promise<R> {
    try {
      return await step();
    } catch (error) {
      return this.mapError(error);
    }
  }

  /** Throws a backend error as the cache's typed error. */
  private readonly mapError = (error: unknown): never => {
    // The session id is a credential: errors name the cache, never the key.
    throw mapBackendError(error, this.cache.name, 'session:…');
  };
}
