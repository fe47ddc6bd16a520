export { RateLimit, SkipRateLimit } from './rate-limit.decorator.js';
export { RateLimitExceededFilter } from './rate-limit-exceeded.filter.js';
export { RateLimitGuard } from './rate-limit.guard.js';
export type {
  RateLimitAlgorithm,
  RateLimitBackendErrorMode,
  RateLimitDefinition,
  RateLimitHeaders,
  RateLimitModuleOptions,
  RateLimitOptions,
  RateLimitResetOptions,
  RateLimitResult,
  RateLimitRule,
  RateLimitTracker,
} from './rate-limit-options.interface.js';
export { RateLimiter } from './rate-limiter.service.js';
