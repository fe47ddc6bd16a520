/**
 * Base class of every error nestjs-cachex throws. Catch it to handle any library failure;
 * the subclasses narrow it down. `cause` holds the underlying error (an ioredis reply error,
 * a `JSON.parse` failure, …) when there is one.
 */
export class CacheXError extends Error {
  override readonly name: string = 'CacheXError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
