import type { CacheableStats } from '../cacheable/cacheable-options.interface.js';

/**
 * Counters of a cache's plain key-value operations (`get`, `getMany`, `getOrSet`, `set`,
 * `add`, `setMany`, `delete`, `deleteMany`) since start-up. Keys are counted one by one: a
 * `getMany` of 3 keys with 2 found counts 2 hits and 1 miss.
 */
export interface CacheOpStats {
  /** Keys read and found. */
  hits: number;
  /** Keys read and not found (absent or expired). */
  misses: number;
  /** Values written (a `set` that `nx` or `xx` prevented is not counted). */
  sets: number;
  /** Keys deleted (that existed). */
  deletes: number;
  /**
   * Operations of this cache (every method, data structures and scripts included) that failed
   * on the server or its connection; `timeouts` are among them.
   */
  errors: number;
  /** Failed operations whose cause was a command timeout. */
  timeouts: number;
}

/** Counters of the distributed locks of a cache since start-up. */
export interface CacheLockStats {
  /** Locks acquired (by `acquire()`, `withLock()`, `@WithLock` or `@Cacheable`'s lock). */
  acquired: number;
  /**
   * Acquisitions that ended without the lock: the wait ran out while another holder kept it
   * (with `wait: 0`: the lock was taken). `withLock()` then throws `LockAcquireTimeoutError`.
   */
  timedOut: number;
  /** Locks lost while held: the lease ran out, another holder took over, or a release or extension found the lock gone. */
  lost: number;
}

/** Counters of the rate limits kept on a cache since start-up, per limit checked. */
export interface CacheRateLimitStats {
  /** Requests a limit admitted. */
  allowed: number;
  /** Requests a limit refused. */
  denied: number;
}

/**
 * Everything `cache.stats()` counts for one cache since start-up: a snapshot, by feature. Every
 * counter only grows; OpenTelemetry reads the same numbers (see `CacheXMetricsOptions`).
 */
export interface CacheStats {
  /** Plain key-value operations. */
  ops: CacheOpStats;
  /** Method and response caching (`@Cacheable`, `@CachePut`, `@CacheEvict`, `wrap()`, `@CacheResponse`). */
  methods: CacheableStats;
  /** Distributed locks. */
  locks: CacheLockStats;
  /** Rate limits kept on this cache. */
  rateLimits: CacheRateLimitStats;
}
