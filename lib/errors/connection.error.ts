import { CacheXError } from './cachex.error.js';

/** The cache server could not be reached, or the connection dropped while a command was pending. */
export class CacheXConnectionError extends CacheXError {
  override readonly name: string = 'CacheXConnectionError';

  constructor(
    message: string,
    readonly cache: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
