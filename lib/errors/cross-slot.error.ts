import { CacheXError } from './cachex.error.js';

/**
 * On a Redis Cluster, an operation that must run on one node (a multi-key set operation,
 * `lmove`, a Lua script, a transaction) got keys in different hash slots. Nothing was sent.
 * Give the keys a common hash tag (`{user:42}:a`, `{user:42}:b`) to put them in one slot.
 */
export class CrossSlotError extends CacheXError {
  override readonly name = 'CrossSlotError';

  /**
   * @param operation - the operation refused (`sinter`, `lmove`, `eval`, `transaction`)
   * @param keys - the user keys involved
   */
  constructor(
    message: string,
    readonly cache: string,
    readonly operation: string,
    readonly keys: readonly string[],
  ) {
    super(message);
  }
}
