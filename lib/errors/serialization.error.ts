import { CacheXError } from './cachex.error.js';

/**
 * A value could not be encoded (nothing was written) or a stored value could not be decoded.
 */
export class SerializationError extends CacheXError {
  override readonly name = 'SerializationError';

  constructor(
    message: string,
    readonly cache: string,
    readonly key: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
