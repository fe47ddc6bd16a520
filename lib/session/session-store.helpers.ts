/** A session as express-session and @fastify/session hand it to their stores: what a store reads of it. */
export interface StoredSessionData {
  cookie?: { expires?: Date | string | null; originalMaxAge?: number | null };
}

/**
 * A callback that receives a session (or sessions) from a store. Its result is typed by the
 * session library that passes the callback (express-session's or @fastify/session's session
 * type), hence `never` here: any such callback is accepted.
 */
export type SessionCallback = (error: unknown, result?: never) => void;

/**
 * The TTL of a session in a store: until its cookie expires, else `fallback` (undefined: the
 * cache's TTL). `0` when the cookie has expired already.
 * @internal
 */
export function storeTtl(
  session: StoredSessionData,
  fallback: number | string | undefined,
): number | string | undefined {
  const expires = session.cookie?.expires;
  if (expires === undefined || expires === null) return fallback;
  const ms = (expires instanceof Date ? expires.getTime() : Date.parse(expires)) - Date.now();
  if (Number.isNaN(ms)) return fallback;
  return ms > 0 ? Math.ceil(ms) : 0;
}

/**
 * The form a store writes: the session's own fields, with its cookie as plain JSON (its dates as
 * ISO strings, which both libraries read back). A session of plain data then takes the codec's
 * fast path (plain `JSON.stringify`) instead of its extended form for Dates.
 * @internal
 */
export function storedForm(session: StoredSessionData): StoredSessionData {
  const cookie = session.cookie as
    (StoredSessionData['cookie'] & { toJSON?: () => object }) | undefined;
  if (!cookie) return session;
  // express-session's Cookie answers a fresh plain object from toJSON(); anything else is copied.
  const plain = (
    typeof cookie.toJSON === 'function' ? cookie.toJSON() : { ...cookie }
  ) as NonNullable<StoredSessionData['cookie']>;
  // Its dates (`expires`; @fastify/session's `originalExpires` too) as ISO strings.
  const fields = plain as Record<string, unknown>;
  for (const field in fields) {
    const value = fields[field];
    if (value instanceof Date) fields[field] = value.toISOString();
  }
  return { ...session, cookie: plain };
}

/**
 * A session the caller may change. The memory backend answers a cached value deep-frozen and
 * shared by every reader, and the session libraries change the object a store gives them
 * (express-session replaces its `cookie`; handlers change their data), so such a value is
 * copied; values from Redis are fresh objects already.
 * @internal
 */
export function ownCopy<T>(session: T): T {
  return typeof session === 'object' && session !== null && Object.isFrozen(session)
    ? structuredClone(session)
    : session;
}
