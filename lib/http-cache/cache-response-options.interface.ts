import type { ExecutionContext } from '@nestjs/common';
import type {
  CacheLockOptions,
  EarlyRefreshOptions,
} from '../cacheable/cacheable-options.interface.js';
import type { Duration } from '../utils/duration.js';

/**
 * The key of a cached response: a fixed string, or a function of the execution context.
 * `http:` is put in front of it, and the `vary` headers' values after it.
 */
export type CacheResponseKeySource = string | ((context: ExecutionContext) => string);

/** Tags of a cached response: a list, or a function of the execution context. */
export type CacheResponseTagsSource =
  readonly string[] | ((context: ExecutionContext) => readonly string[]);

/**
 * Options of {@link CacheResponse}. Durations are **milliseconds** or strings such as `'30s'`.
 * Options given on a route override those of its controller, which override the module's
 * `httpCache` defaults, one by one.
 */
export interface CacheResponseOptions {
  /**
   * How long a stored response is fresh: **milliseconds** or a duration string; `null` =
   * forever.
   * @default the cache's `ttl`
   */
  ttl?: Duration | null;
  /**
   * Name of the cache that stores the responses.
   * @default 'default'
   */
  cache?: string;
  /**
   * Request headers whose values split the entries (`['accept-language']`): each combination
   * of values is its own entry, and responses carry a `Vary` header naming them.
   * @default []
   */
  vary?: readonly string[];
  /**
   * The entry's key instead of the default `GET:<path>?<query sorted by name>`: a fixed string,
   * or a function of the execution context. The `vary` values are still appended.
   * @default the method, the request path and its sorted query string
   */
  key?: CacheResponseKeySource;
  /**
   * Tags of the entry: `cache.invalidateTags([tag])` or `@CacheEvict({ tags })` makes every
   * response stored with one of them a miss at once.
   * @default no tags
   */
  tags?: CacheResponseTagsSource;
  /**
   * A grace period after the TTL during which the stale response is served at once
   * (`X-Cache: STALE`) while one background run of the handler refreshes it: **milliseconds** or
   * a duration string.
   * @default 0 (no stale responses)
   */
  staleWhileRevalidate?: Duration;
  /**
   * A grace period after the TTL during which the stale response is served when the handler
   * throws (or exceeds `timeout`): **milliseconds** or a duration string.
   * @default 0 (the error is answered)
   */
  staleIfError?: Duration;
  /**
   * Refreshes hot entries before they expire (see `@Cacheable`'s `earlyRefresh`).
   * @default false
   */
  earlyRefresh?: boolean | number | EarlyRefreshOptions;
  /**
   * Stampede protection across processes (see `@Cacheable`'s `lock`); in one process,
   * concurrent requests for one entry always share one run of the handler.
   * @default false
   */
  lock?: boolean | CacheLockOptions;
  /**
   * With a stale response at hand, a handler slower than this is answered with it (and goes on
   * in the background): **milliseconds** or a duration string.
   * @default none
   */
  timeout?: Duration;
  /**
   * Whether requests with an `Authorization` header are cached. Only for responses that are the
   * same for every caller (or add `'authorization'` to `vary`).
   * @default false (such requests go straight to the handler)
   */
  allowAuthorization?: boolean;
  /**
   * Whether cached responses carry `Cache-Control: max-age=<seconds the entry stays fresh>`,
   * so that browsers and proxies may reuse them too.
   * @default false
   */
  maxAge?: boolean;
}

/**
 * The `httpCache` option of `CacheXModule.forRoot`: defaults of every `@CacheResponse`, and
 * with `global: true` response caching of every GET route of the application.
 */
export interface HttpCacheModuleOptions extends Omit<CacheResponseOptions, 'key' | 'tags'> {
  /**
   * Registers `CacheResponseInterceptor` app-wide (`APP_INTERCEPTOR`): every GET route is
   * cached with these options, except those marked `@NoCacheResponse()`.
   * @default false (only routes and controllers with `@CacheResponse`)
   */
  global?: boolean;
}
