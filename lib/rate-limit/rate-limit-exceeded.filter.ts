import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { RateLimitExceededError } from '../errors/rate-limit-exceeded.error.js';
import { setRetryAfter, tooManyRequests } from './rate-limit.headers.js';

/**
 * Answers a `RateLimitExceededError` that reaches an HTTP request (from a `@RateLimit` provider
 * method a route calls) with 429 and `Retry-After`, instead of 500: the same answer as a route's
 * own limit. Routes' own limits need no filter: their guard answers 429 itself. For HTTP only;
 * other transports get the error as is.
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
    setRetryAfter(host.switchToHttp().getResponse(), error.retryAfterMs);
    super.catch(tooManyRequests(error), host);
  }
}
