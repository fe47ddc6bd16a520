import type { Duration } from '../utils/duration.js';

/** Options of {@link CacheService.lock}: how long a lock lives and how it is kept. */
export interface LockOptions {
  /**
   * How long the lock lives if its holder does not release it (it crashed, hangs, or lost its
   * connection): **milliseconds** or a duration string. Keep it longer than the work, or use
   * `autoExtend`.
   * @default 30000 (30 s)
   */
  lease?: Duration;
  /**
   * How long `acquire()` waits for a lock another holder has, when `acquire()` is not given a
   * `wait` of its own: **milliseconds** or a duration string; `0` tries once.
   * @default 0
   */
  wait?: Duration;
  /**
   * Renews the lease while the lock is held (a watchdog that runs every third of the lease), so
   * that work longer than the lease keeps the lock. If a renewal finds the lock lost, the lock's
   * `signal` aborts and `release()` throws `LockLostError`.
   * @default false
   */
  autoExtend?: boolean;
}

/** Options of {@link Lock.acquire}. */
export interface LockAcquireOptions {
  /**
   * How long to wait for the lock if another holder has it: **milliseconds** or a duration
   * string; `0` tries once.
   * @default the lock's `wait` (0 unless given to `cache.lock()`)
   */
  wait?: Duration;
  /** Stops waiting: `acquire()` then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Options of {@link CacheService.withLock}. */
export interface WithLockOptions extends LockOptions {
  /** Stops waiting for the lock: `withLock()` then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Options of the {@link WithLock} decorator. */
export interface WithLockDecoratorOptions extends LockOptions {
  /**
   * Name of the cache that holds the lock.
   * @default 'default'
   */
  cache?: string;
  /**
   * What a call does when the lock cannot be acquired within `wait`: `'throw'` rejects with
   * `LockAcquireTimeoutError`; `'skip'` resolves to `undefined` without running the method
   * (for scheduled jobs that must not overlap).
   * @default 'throw'
   */
  onLocked?: 'throw' | 'skip';
}
