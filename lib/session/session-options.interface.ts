import type { Duration } from '../utils/duration.js';

/**
 * The data of a session: augment it to type `SessionHandle`'s `get` and `set`.
 *
 * @example
 * ```ts
 * declare module 'nestjs-cachex' {
 *   interface SessionData {
 *     userId: number;
 *   }
 * }
 * ```
 */
export interface SessionData {
  [key: string]: unknown;
}

/** The session cookie. */
export interface SessionCookieOptions {
  /** The cookie's name: letters, digits and `!#$%&'*+-.^_`|~`. @default 'cachex.sid' */
  name?: string;
  /** @default '/' */
  path?: string;
  /** @default none: the cookie goes back to the host that set it only */
  domain?: string;
  /** Hide the cookie from JavaScript in the page. @default true */
  httpOnly?: boolean;
  /** @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none';
  /**
   * Send the cookie over HTTPS only. `'auto'`: when the request is HTTPS, as the framework tells
   * it (`req.protocol`, which honours Express' `trust proxy` and Fastify's `trustProxy`).
   * @default 'auto'
   */
  secure?: boolean | 'auto';
  /**
   * How long the browser keeps the cookie: **milliseconds** or a duration string; `null` for a
   * browser-session cookie (no `Max-Age`, gone when the browser closes). It is re-sent with each
   * save or refresh of the session.
   * @default the session's `ttl`
   */
  maxAge?: Duration | null;
}

/** The `session` option of `CacheXModule.forRoot` / `forRootAsync`: enables sessions. */
export interface SessionModuleOptions {
  /**
   * The secret that signs session cookies (HMAC-SHA256), at least 32 characters; or a list, to
   * rotate secrets: the first signs, any of them verifies. Keep it out of the source code.
   */
  secret: string | readonly string[];
  /** The cache that stores the sessions. @default 'default' */
  cache?: string;
  /**
   * How long an unused session lives: **milliseconds** or a duration string (`'14d'`).
   * @default the session cache's `ttl` (a cache without one is a start-up error)
   */
  ttl?: Duration;
  /**
   * Refresh the expiry (and the cookie) on every request that carries a session cookie, whether or
   * not the route uses the session. Otherwise a session is refreshed when a request uses it and
   * at least `touchAfter` of its `ttl` has passed since it was last saved or refreshed.
   * @default false
   */
  rolling?: boolean;
  /**
   * Without `rolling`: the fraction of the `ttl` (0 to 1) that must pass before a request that
   * reads the session refreshes its expiry. `0` refreshes on every such request.
   * @default 0.1
   */
  touchAfter?: number;
  /**
   * Store (and send a cookie for) new sessions that nothing was written to. Off, a visitor gets a
   * session only once the app stores something in it.
   * @default false
   */
  saveUninitialized?: boolean;
  /** The session cookie. @default `cachex.sid`, HttpOnly, SameSite=Lax, Path=/, Secure on HTTPS */
  cookie?: SessionCookieOptions;
}
