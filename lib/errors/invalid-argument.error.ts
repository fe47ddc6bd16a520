import { CacheXError } from './cachex.error.js';

/**
 * A method was called with an argument it cannot accept (a malformed duration, a non-integer
 * delta, an empty key). Nothing was read or written.
 */
export class InvalidArgumentError extends CacheXError {
  override readonly name = 'InvalidArgumentError';

  constructor(
    message: string,
    readonly cache: string,
    readonly argument: string,
  ) {
    super(message);
  }
}
