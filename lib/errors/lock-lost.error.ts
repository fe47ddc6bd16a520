import { CacheXError } from './cachex.error.js';

/**
 * Why a lock was lost:
 * - `'expired'`: its lease ran out (or its key was deleted) before it was released or renewed;
 * - `'replaced'`: another holder acquired it after the lease ran out;
 * - `'unreachable'`: the server could not be reached to renew or release it, so whether it was
 *   held to the end cannot be known.
 */
export type LockLostReason = 'expired' | 'replaced' | 'unreachable';

/**
 * A lock was not held until the end: its lease ran out, another holder took it over, or the
 * server could not confirm it. Another process may have run the critical section meanwhile, so
 * the work done under the lock must not be taken as exclusive. Thrown by `release()`,
 * `extend()`, `withLock()` and `@WithLock` after the work finished, and is the `reason` of the
 * lock's `signal` when it aborts.
 */
export class LockLostError extends CacheXError {
  override readonly name = 'LockLostError';

  constructor(
    message: string,
    readonly cache: string,
    readonly lock: string,
    readonly reason: LockLostReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
