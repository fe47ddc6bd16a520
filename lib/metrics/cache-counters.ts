import type { CacheableStats } from '../cacheable/cacheable-options.interface.js';
import type {
  CacheLockStats,
  CacheOpStats,
  CacheRateLimitStats,
  CacheStats,
} from './cache-stats.interface.js';

/** How deep a failure's `cause` chain is searched for a command timeout. */
const CAUSE_DEPTH = 4;
/** ioredis rejects a command that exceeded `commandTimeout` with "Command timed out". */
const TIMEOUT_TEXT = /timed out|timeout/i;

/**
 * @internal The counters of one cache, incremented by its features where things happen: plain
 * integer increments, nothing else on the hot path. `cache.stats()` copies them, and
 * OpenTelemetry reads them at collection time only.
 */
export class CacheCounters {
  readonly ops: CacheOpStats = { hits: 0, misses: 0, sets: 0, deletes: 0, errors: 0, timeouts: 0 };
  readonly locks: CacheLockStats = { acquired: 0, timedOut: 0, lost: 0 };
  readonly rateLimits: CacheRateLimitStats = { allowed: 0, denied: 0 };

  /** Counts one key read: a hit unless `value` is `undefined`; answers `value`. */
  read<T>(value: T): T {
    if (value === undefined) this.ops.misses++;
    else this.ops.hits++;
    return value;
  }

  /** Counts `asked` keys read at once, of which `found` were found. */
  readMany(asked: number, found: number): void {
    this.ops.hits += found;
    this.ops.misses += asked - found;
  }

  /** Counts one `set`: a value written when `written`; answers `written`. */
  set(written: boolean): boolean {
    if (written) this.ops.sets++;
    return written;
  }

  /** Counts `count` values written at once. */
  setMany(count: number): void {
    this.ops.sets += count;
  }

  /** Counts `count` keys deleted; answers `count`. */
  deleted(count: number): number {
    this.ops.deletes += count;
    return count;
  }

  /** Counts a failed operation, and a timeout when a command timeout caused it. */
  failed(error: unknown): void {
    this.ops.errors++;
    if (isTimeout(error)) this.ops.timeouts++;
  }

  lockAcquired(): void {
    this.locks.acquired++;
  }

  lockTimedOut(): void {
    this.locks.timedOut++;
  }

  lockLost(): void {
    this.locks.lost++;
  }

  /** Counts one request checked against a limit. */
  rateLimit(allowed: boolean): void {
    if (allowed) this.rateLimits.allowed++;
    else this.rateLimits.denied++;
  }

  /** A copy of every counter, with the method-caching counters the cache keeps elsewhere. */
  snapshot(methods: CacheableStats): CacheStats {
    return {
      ops: { ...this.ops },
      methods: { ...methods },
      locks: { ...this.locks },
      rateLimits: { ...this.rateLimits },
    };
  }
}

/** Whether a failure, or one of its causes, is a command timeout. */
function isTimeout(error: unknown): boolean {
  for (let depth = 0; depth < CAUSE_DEPTH && error instanceof Error; depth++) {
    if (TIMEOUT_TEXT.test(error.message) || error.name === 'TimeoutError') return true;
    error = error.cause;
  }
  return false;
}
