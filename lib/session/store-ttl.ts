/** A session as express-session and @fastify/session hand it to their stores. */
export interface StoredSessionData {
  cookie?: { expires?: Date | string | null; originalMaxAge?: number | null };
  [key: string]: unknown;
}

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
  const ms = new Date(expires).getTime() - Date.now();
  if (Number.isNaN(ms)) return fallback;
  return ms > 0 ? Math.ceil(ms) : 0;
}
