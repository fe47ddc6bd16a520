import { CacheXError } from './cachex.error.js';

/**
 * A rate limit refused a call of a method decorated with `@RateLimit` (or a request to a
 * gateway or resolver). Not an HTTP exception: methods also run in workers and scripts. On HTTP
 * routes the guard answers 429 itself; for calls of provider methods inside a request, register
 * `RateLimitExceededFilter` to answer 429 with `Retry-After`.
 */
export class RateLimitExceededError extends CacheXError {
  override readonly name = 'RateLimitExceededError';

  /**
   * @param limitName - the name of the limit that refused (`'default'` unless named)
   * @param key - the counted key, e.g. `'Mailer.sendReset|default|key:ada@example.com'`
   * @param limit - the limit's most requests per window
   * @param windowMs - the limit's window in **milliseconds**
   * @param retryAfterMs - **milliseconds** until a call would be admitted
   */
  constructor(
    message: string,
    readonly limitName: string,
    readonly key: string,
    readonly limit: number,
    readonly windowMs: number,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}
