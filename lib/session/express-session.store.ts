import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { CacheService } from '../cache/cache.service.js';
import {
  ownCopy,
  storeTtl,
  storedForm,
  type SessionCallback,
  type StoredSessionData,
} from './session-store.helpers.js';

/** A callback of the express-session store interface that receives no result. */
type Callback = (error?: unknown) => void;

/** express-session's `Store` methods that a store inherits: the session objects are express-session's own. */
interface ExpressStoreBase {
  createSession(req: unknown, session: StoredSessionData): never;
  load(id: string, callback: SessionCallback): void;
  regenerate(req: unknown, callback: Callback): void;
}

let expressStore: ExpressStoreBase | undefined;

/**
 * express-session's `Store.prototype`, loaded on first use: only apps that use express-session
 * need it, and they have it.
 */
function base(): ExpressStoreBase {
  expressStore ??= (
    createRequire(import.meta.url)('express-session') as { Store: { prototype: ExpressStoreBase } }
  ).Store.prototype;
  return expressStore;
}

/** Options of {@link ExpressSessionStore} and {@link FastifySessionStore}. */
export interface SessionStoreOptions {
  /**
   * The TTL of a session whose cookie has no expiry: **milliseconds** or a duration string.
   * @default the cache's `ttl`
   */
  ttl?: number | string;
}

/**
 * A store for `express-session` on a named cache: `new ExpressSessionStore(cache)` in place of
 * connect-redis' `RedisStore`. Sessions are stored whole (express-session saves them whole) at
 * the user key `session:<id>`, expiring with their cookie (else after `ttl`). `touch` never
 * recreates a session that expired or was destroyed. These entries are not the module's own
 * sessions (those are hashes of fields): the two do not read each other's sessions.
 *
 * @example
 * ```ts
 * app.use(session({ store: new ExpressSessionStore(app.get(CacheRegistry).get('sessions')), secret, resave: false, saveUninitialized: false }));
 * ```
 */
export class ExpressSessionStore extends EventEmitter {
  private readonly ttl: number | string | undefined;

  constructor(
    private readonly cache: CacheService,
    options: SessionStoreOptions = {},
  ) {
    super();
    this.ttl = options.ttl;
  }

  /** Reads a session; `null` when missing. */
  get(id: string, callback: SessionCallback): void {
    this.cache.get<never>(key(id)).then(
      (session) => callback(null, session === undefined ? (null as never) : ownCopy(session)),
      (error: unknown) => callback(error),
    );
  }

  /** Writes a session, expiring with its cookie; one that expired already is deleted. */
  set(id: string, session: StoredSessionData, callback: Callback = noop): void {
    const ttl = storeTtl(session, this.ttl);
    const write =
      ttl === 0
        ? this.cache.delete(key(id))
        : this.cache.set(key(id), storedForm(session), { ttl });
    write.then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  /** Renews a session's expiry, if it still exists: never recreates it. */
  touch(id: string, session: StoredSessionData, callback: Callback = noop): void {
    const ttl = storeTtl(session, this.ttl);
    const touch = ttl === 0 ? this.cache.delete(key(id)) : this.cache.touch(key(id), ttl);
    touch.then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  /** Deletes a session. */
  destroy(id: string, callback: Callback = noop): void {
    this.cache.delete(key(id)).then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  /** Every session, each with its `id` (a SCAN of the cache's `session:*` keys). */
  all(callback: SessionCallback): void {
    this.entries().then(
      (entries) => callback(null, entries.map(([id, session]) => ({ ...session, id })) as never),
      (error: unknown) => callback(error),
    );
  }

  /** How many sessions there are. */
  length(callback: (error: unknown, length?: number) => void): void {
    this.ids((error, ids) => callback(error, ids?.length));
  }

  /** The ids of every session. */
  ids(callback: (error: unknown, ids?: string[]) => void): void {
    this.cache.keys('session:*').then(
      (keys) =>
        callback(
          null,
          keys.map((k) => k.slice('session:'.length)),
        ),
      (error: unknown) => callback(error),
    );
  }

  /** Deletes every session of the cache. */
  clear(callback: Callback = noop): void {
    this.cache.deletePattern('session:*').then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  /** express-session's own (its `Store` type requires it; not for applications): builds its session object from a stored one. */
  createSession(req: unknown, session: StoredSessionData): never {
    return base().createSession.call(this, req, session);
  }

  /** express-session's own (its `Store` type requires it; not for applications): reads a session into a session object. */
  load(id: string, callback: SessionCallback): void {
    base().load.call(this, id, callback);
  }

  /** express-session's own (its `Store` type requires it; not for applications): `req.session.regenerate()`. */
  regenerate(req: unknown, callback: Callback): void {
    base().regenerate.call(this, req, callback);
  }

  private async entries(): Promise<Array<[string, StoredSessionData]>> {
    const keys = await this.cache.keys('session:*');
    const found = keys.length === 0 ? new Map() : await this.cache.getMany<StoredSessionData>(keys);
    return [...found].map(([k, session]) => [k.slice('session:'.length), ownCopy(session)]);
  }
}

function key(id: string): string {
  return `session:${id}`;
}

function noop(): void {}
