import { CacheXError } from './cachex.error.js';

/**
 * Invalid configuration. Thrown while the application starts (never at the first request),
 * with a message that names the cache and the option at fault.
 */
export class CacheXConfigError extends CacheXError {
  override readonly name = 'CacheXConfigError';

  /**
   * @param cache - the cache whose configuration is wrong (`undefined` for module-wide options)
   * @param option - the option at fault, as a dotted path (`ttl`, `location`, `redis.tls`)
   */
  constructor(
    message: string,
    readonly cache?: string,
    readonly option?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
