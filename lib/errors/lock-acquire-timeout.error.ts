import { CacheXError } from './cachex.error.js';

/**
 * `withLock()` or `@WithLock` could not acquire a lock within its `wait` (with `wait: 0`, on the
 * single try): another holder has it. The work did not run.
 */
export class LockAcquireTimeoutError extends CacheXError {
  override readonly name = 'LockAcquireTimeoutError';

  constructor(
    message: string,
    readonly cache: string,
    readonly lock: string,
    /** How long it waited, in **milliseconds**. */
    readonly wait: number,
  ) {
    super(message);
  }
}
