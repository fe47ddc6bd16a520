import { CacheXError } from './cachex.error.js';

/** The cache's backend cannot perform this operation (for example Lua on the memory backend). */
export class NotSupportedError extends CacheXError {
  override readonly name = 'NotSupportedError';

  constructor(
    message: string,
    readonly cache: string,
    readonly operation: string,
  ) {
    super(message);
  }
}
