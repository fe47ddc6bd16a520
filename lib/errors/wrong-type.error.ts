import { CacheXError } from './cachex.error.js';

/**
 * An operation met a key holding the wrong kind of value: a string command on a hash, or `incr`
 * on a value that is not an integer. The key is left unchanged.
 */
export class WrongTypeError extends CacheXError {
  override readonly name = 'WrongTypeError';

  constructor(
    message: string,
    readonly cache: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
