import { Catch, HttpException, HttpStatus, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { RateLimitExceededError } from '../errors/rate-limit-exceeded.error.js';
import { setHeaders, toSeconds } from './rate-limit.headers.js';

/**
 * Answers a `RateLimitExceededError` that reaches an HTTP request (from a `@RateLimit` provider
 * method a route calls) with 429 and `Retry-After`, instead of 500. Routes' own limits need no
 * filter: their guard answers 429 itself. For HTTP only; other transports get the error as is.
 *
 * @example
 * ```ts
 * providers: [{ provide: APP_FILTER, useClass: RateLimitExceededFilter }]
 * ```
 */
@Catch(RateLimitExceededError)
export class RateLimitExceededFilter extends BaseExceptionFilter {
  override catch(error: RateLimitExceededError, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const seconds = Math.max(1, toSeconds(error.retryAfterMs));
    setHeaders(host.switchToHttp().getResponse(), [['Retry-After', String(seconds)]]);
    super.catch(
      new HttpException(
        {
          statusCode: HttpStatus.TOO_MANY_REQUESTS,
          error: 'Too Many Requests',
          message: `Rate limit '${error.limitName}' exceeded; retry in ${seconds} s.`,
        },
        HttpStatus.TOO_MANY_REQUESTS,
        { cause: error },
      ),
      host,
    );
  }
}
