import type { CacheService } from '../cache/cache.service.js';
import type { SessionStoreOptions } from './express-session.store.js';
import {
  ownCopy,
  storeTtl,
  storedForm,
  type SessionCallback,
  type StoredSessionData,
} from './session-store.helpers.js';

type Callback = (error?: unknown) => void;

/**
 * A store for `@fastify/session` on a named cache. Sessions are stored whole at the user key
 * `session:<id>`, expiring with their cookie (else after `ttl`). These entries are not the
 * module's own sessions (those are hashes of fields): the two do not read each other's sessions.
 *
 * @example
 * ```ts
 * await app.register(fastifySession, { secret, store: new FastifySessionStore(app.get(CacheRegistry).get('sessions')) });
 * ```
 */
export class FastifySessionStore {
  private readonly ttl: number | string | undefined;

  constructor(
    private readonly cache: CacheService,
    options: SessionStoreOptions = {},
  ) {
    this.ttl = options.ttl;
  }

  /** Writes a session, expiring with its cookie; one that expired already is deleted. */
  set(id: string, session: StoredSessionData, callback: Callback): void {
    const ttl = storeTtl(session, this.ttl);
    const write =
      ttl === 0
        ? this.cache.delete(`session:${id}`)
        : this.cache.set(`session:${id}`, storedForm(session), { ttl });
    write.then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  /** Reads a session; `null` when missing. */
  get(id: string, callback: SessionCallback): void {
    this.cache.get<never>(`session:${id}`).then(
      (session) => callback(null, session === undefined ? (null as never) : ownCopy(session)),
      (error: unknown) => callback(error),
    );
  }

  /** Deletes a session. */
  destroy(id: string, callback: Callback): void {
    this.cache.delete(`session:${id}`).then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }
}
