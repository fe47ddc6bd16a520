import type { ExecutionContext } from '@nestjs/common';
import type { Duration } from '../utils/duration.js';
import type { ALGORITHMS } from './rate-limit.algorithms.js';

/**
 * How a limit counts requests:
 * - `'sliding-log'`: exact; remembers each admitted request of the last `window` (memory grows
 *   with `limit`).
 * - `'sliding-window'`: the current fixed window plus the previous one, weighted by overlap; an
 *   approximation in O(1) memory.
 * - `'fixed-window'`: a counter per window starting with the first request; O(1), but up to twice
 *   the limit across a window boundary.
 * - `'token-bucket'`: bursts of up to `limit`, refilled smoothly at `limit` per `window`; O(1).
 */
export type RateLimitAlgorithm = keyof typeof ALGORITHMS;

/**
 * What happens when the cache server cannot be reached:
 * - `'allow'`: admit the request (fail open);
 * - `'deny'`: refuse it (fail closed), with a retry after one window;
 * - `'fallback'`: count it in an in-process limiter instead, so the limit still holds per process;
 * - `'throw'`: propagate the `CacheXConnectionError`.
 *
 * The outage is logged once, and its end once, not per request.
 */
export type RateLimitBackendErrorMode = 'allow' | 'deny' | 'fallback' | 'throw';

/** One limit, as `RateLimiter.consume` and `peek` take it. */
export interface RateLimitOptions {
  /** Most requests (units of cost) admitted per window: a positive integer. */
  limit: number;
  /** The window: **milliseconds** or a duration string (`'1m'`); positive. */
  window: Duration;
  /** @default 'sliding-log' */
  algorithm?: RateLimitAlgorithm;
  /** Units of the limit this request takes: a positive integer, at most `limit`. @default 1 */
  cost?: number;
  /** The cache whose server keeps the counters. @default 'default' */
  cache?: string;
  /**
   * What to do when the cache server cannot be reached.
   * @default 'allow' (or the module's `rateLimit.onBackendError`)
   */
  onBackendError?: RateLimitBackendErrorMode;
}

/** What a limit says about a request. Durations in **milliseconds**. */
export interface RateLimitResult {
  /** Whether the request is admitted (and, for `consume`, recorded). */
  allowed: boolean;
  /** The limit's `limit`. */
  limit: number;
  /** Requests (units of cost) still admitted now, after this one. */
  remaining: number;
  /** Time until the limit is fully available again; 0 when nothing is counted. */
  resetMs: number;
  /** Time until a request of this cost would be admitted; 0 when allowed. */
  retryAfterMs: number;
}

/** Which counters `RateLimiter.reset` deletes. */
export interface RateLimitResetOptions {
  /** @default 'default' */
  cache?: string;
  /** Only this algorithm's counter. @default all four */
  algorithm?: RateLimitAlgorithm;
}

/**
 * Who a limit on a route counts: the client's IP (`req.ip`, which honours the app's trust-proxy
 * setting), the authenticated user (`req.user.id`, or the module's `rateLimit.userPath`), the
 * session (`req.sessionID`, `req.session.id` or `req.session.sessionId`), or a function of the
 * execution context. A request without user or session is counted by IP.
 */
export type RateLimitTracker =
  'ip' | 'user' | 'session' | ((context: ExecutionContext) => string | Promise<string>);

/**
 * A limit declared with `@RateLimit` or as a module default. Its budget belongs to where it is
 * declared: a method's limit counts that method's calls, a class's limit all the handlers of the
 * class together, a module default all routes together, each per tracker (or per `key`).
 *
 * @typeParam Args - the decorated method's parameters, for `key`
 */
export interface RateLimitDefinition<Args extends unknown[] = unknown[]> {
  /** Most requests admitted per window: a positive integer. */
  limit: number;
  /** **Milliseconds** or a duration string (`'10s'`, `'1h'`); positive. */
  window: Duration;
  /**
   * The limit's name, unique among the limits of a method: shown in the `RateLimit` headers and
   * errors; a method's limit overrides a class or module limit of the same name.
   * @default 'default'
   */
  name?: string;
  /** @default 'sliding-log' */
  algorithm?: RateLimitAlgorithm;
  /** On a route, gateway or resolver: who is counted. @default 'ip' */
  by?: RateLimitTracker;
  /**
   * On a provider method: the key counted, from the method's arguments (an email, a user id).
   * @default one budget shared by every call of the method
   */
  key?: (...args: Args) => string;
  /** The cache whose server keeps the counters. @default 'default' */
  cache?: string;
  /** @default the module's `rateLimit.onBackendError`, `'allow'` if unset */
  onBackendError?: RateLimitBackendErrorMode;
}

/**
 * A declared limit as the guard applies it: validated, its window in **milliseconds**. What
 * `RateLimitGuard.getTracker` receives.
 */
export interface RateLimitRule {
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly algorithm: RateLimitAlgorithm;
  /** Who is counted; `undefined` means the default, `'ip'`. */
  readonly by: RateLimitTracker | undefined;
  readonly cache: string;
}

/** Which rate-limit headers routes send. */
export type RateLimitHeaders = 'ietf' | 'legacy' | 'both' | 'none';

/** The `rateLimit` option of `CacheXModule.forRoot` / `forRootAsync`. */
export interface RateLimitModuleOptions {
  /**
   * Limits for every HTTP route of the application (a global guard is registered for them). A
   * route's or controller's own limit of the same name replaces one; `@SkipRateLimit()` drops them.
   * @default none
   */
  default?: RateLimitDefinition | RateLimitDefinition[];
  /**
   * Headers on HTTP responses: `'ietf'` (`RateLimit-Policy` and `RateLimit`, IETF draft),
   * `'legacy'` (`X-RateLimit-Limit`, `-Remaining`, `-Reset`), `'both'` or `'none'`. A refusal
   * always carries `Retry-After`.
   * @default 'ietf'
   */
  headers?: RateLimitHeaders;
  /** Dotted path of the user id in the request, for `by: 'user'`. @default 'user.id' */
  userPath?: string;
  /** What limits do when the cache server fails, unless they say otherwise. @default 'allow' */
  onBackendError?: RateLimitBackendErrorMode;
}
