import type { Duration } from '../utils/duration.js';
import type { CacheKeySource } from './cache-key.js';

/**
 * Tags of a cached entry: a list, or a function of the method's arguments (called with the
 * instance as `this`) that returns one. Invalidating a tag (`cache.invalidateTags([tag])` or
 * `@CacheEvict({ tags })`) makes every entry stored with it a miss at once.
 */
export type CacheTagsSource<A extends unknown[] = unknown[]> =
  readonly string[] | ((...args: A) => readonly string[]);

/** Cross-process stampede protection: see {@link CacheWrapOptions.lock}. */
export interface CacheLockOptions {
  /**
   * How long a process waits for another one computing the same key before it computes the
   * value itself: **milliseconds** or a duration string.
   * @default 5000 (5 s)
   */
  wait?: Duration;
  /**
   * How long the computing process holds the key's lock at most (if it crashes, the others take
   * over after this): **milliseconds** or a duration string.
   * @default 30000 (30 s)
   */
  lease?: Duration;
}

/** Probabilistic early recomputation (XFetch): see {@link CacheWrapOptions.earlyRefresh}. */
export interface EarlyRefreshOptions {
  /**
   * XFetch's β: larger values refresh earlier. 1 is the value the paper recommends.
   * @default 1
   */
  beta: number;
}

/**
 * How a value is cached: the options of `cache.wrap()`, shared by `@Cacheable` and `@CachePut`
 * (with the method's arguments as `A` and its awaited result as `R`).
 */
export interface CacheWrapOptions<R = unknown> {
  /**
   * How long a stored value is fresh: **milliseconds** or a duration string; `null` = forever.
   * @default the cache's `ttl`
   */
  ttl?: Duration | null;
  /**
   * Tags of the entry (see {@link CacheTagsSource}). A tagged read fetches the entry and its
   * tags' versions together: one MGET on a standalone server or the memory backend, one per
   * hash slot on a cluster.
   * @default no tags
   */
  tags?: readonly string[];
  /**
   * Results for which this returns `true` are returned but not stored.
   * @default nothing is excluded (but `undefined` is never stored)
   */
  unless?: (result: R) => boolean;
  /**
   * Whether a `null` result is stored (a cached `null` is a hit, unlike a miss). `undefined` is
   * never stored.
   * @default true
   */
  cacheNullish?: boolean;
  /**
   * Stampede protection **across processes**: on a miss, one process computes the value while
   * the others wait for it (woken when its lock is released, no polling), then read it. Waiting
   * is bounded by `wait`; after it a process computes by itself. `true` uses the defaults.
   * Concurrent calls in one process always share one computation, with or without this.
   * @default false
   */
  lock?: boolean | CacheLockOptions;
  /**
   * A grace period after the TTL during which a stale value is returned at once while one
   * background call refreshes it: **milliseconds** or a duration string.
   * @default 0 (no stale values)
   */
  staleWhileRevalidate?: Duration;
  /**
   * A grace period after the TTL during which a stale value is returned when the computation
   * throws (or exceeds `timeout`); the error is logged: **milliseconds** or a duration string.
   * @default 0 (errors reach the caller)
   */
  staleIfError?: Duration;
  /**
   * Refreshes hot entries before they expire, in the background, while the current value is
   * returned: `true` or `{ beta }` for probabilistic early recomputation (XFetch: the longer the
   * computation took and the closer the expiry, the likelier a read refreshes), or a number in
   * (0, 1): the fraction of the TTL after which a read refreshes (`0.8` = in its last 20 %).
   * @default false
   */
  earlyRefresh?: boolean | number | EarlyRefreshOptions;
  /**
   * When a stale value exists (see `staleWhileRevalidate` / `staleIfError`) and the computation
   * takes longer than this, the stale value is returned and the computation goes on in the
   * background to refresh the entry: **milliseconds** or a duration string.
   * @default none
   */
  timeout?: Duration;
}

/** Options of the {@link Cacheable} decorator. */
export interface CacheableOptions<A extends unknown[] = unknown[], R = unknown> extends Omit<
  CacheWrapOptions<R>,
  'tags' | 'unless'
> {
  /**
   * The entry's key: a template (`'user:{0}:{1.id}'`) or a function of the arguments.
   * @default `<Class>.<method>:` + a digest of the arguments (see the README for the argument
   * types a default key accepts)
   */
  key?: CacheKeySource<A>;
  /**
   * Name of the cache that stores the entries.
   * @default 'default'
   */
  cache?: string;
  /** Tags of the entry: a list, or a function of the arguments. @default no tags */
  tags?: CacheTagsSource<A>;
  /**
   * The cache is used only when this returns `true`; otherwise the method just runs.
   * @default always
   */
  condition?: (...args: A) => boolean;
  /** Results for which this returns `true` are returned but not stored. @default none */
  unless?: (result: R, ...args: A) => boolean;
}

/** Options of the {@link CachePut} decorator: the method always runs, and its result is stored. */
export type CachePutOptions<A extends unknown[] = unknown[], R = unknown> = Pick<
  CacheableOptions<A, R>,
  'key' | 'cache' | 'ttl' | 'tags' | 'condition' | 'unless' | 'cacheNullish'
>;

/** Options of the {@link CacheEvict} decorator: what to remove, and when. */
export interface CacheEvictOptions<A extends unknown[] = unknown[]> {
  /** One key: a template or a function of the arguments. */
  key?: CacheKeySource<A>;
  /** Several keys: a list, or a function of the arguments. */
  keys?: readonly string[] | ((...args: A) => readonly string[]);
  /**
   * A glob pattern of keys to delete (SCAN + UNLINK, never KEYS), or a function of the
   * arguments that returns one. Special characters in arguments are not escaped: build patterns
   * from trusted values.
   */
  pattern?: string | ((...args: A) => string);
  /** Tags to invalidate (one atomic INCR each): a list, or a function of the arguments. */
  tags?: CacheTagsSource<A>;
  /** Delete every key of the cache (`cache.clear()`). @default false */
  allEntries?: boolean;
  /**
   * Evict before the method runs, and so also when it throws.
   * @default false: after the method succeeds
   */
  beforeInvocation?: boolean;
  /** Name of the cache. @default 'default' */
  cache?: string;
  /** Evict only when this returns `true`. @default always */
  condition?: (...args: A) => boolean;
}

/** What a cached call answered, for the library's HTTP response cache and for metrics. */
export type CacheLookupStatus = 'hit' | 'miss' | 'stale';

/**
 * Counters of the method and response caching of one cache since start-up, as
 * `cache.stats()` gives them.
 */
export interface CacheableStats {
  /** Fresh values served from the cache. */
  hits: number;
  /** Calls that computed the value (nothing usable was cached). */
  misses: number;
  /** Stale values served (`staleWhileRevalidate`, `staleIfError`, `timeout`). */
  staleServed: number;
  /** Background refreshes started (stale, early refresh, timeout). */
  refreshes: number;
  /** Keys, patterns, tags or whole caches evicted by `@CacheEvict`. */
  evictions: number;
  /** Cache reads or writes that failed and were bypassed (fail open). */
  errors: number;
}
