export { CacheXModule } from './cachex.module.js';
export type {
  CacheXModuleAsyncOptions,
  CacheXModuleOptions,
  CacheXOptionsFactory,
} from './cachex.module-options.interface.js';
export { DEFAULT_CACHE } from './cachex.constants.js';

export { CacheService } from './cache/cache.service.js';
export type {
  CacheKeyOptions,
  CacheScanOptions,
  CacheSetOptions,
  CacheWriteOptions,
} from './cache/cache-options.interface.js';
export { CacheRegistry } from './registry/cache.registry.js';
export { getCacheToken } from './registry/cache-token.js';
export { InjectCache } from './registry/inject-cache.decorator.js';

export type { CacheConfig, CachesConfig, SentinelConfig } from './config/cache-config.interface.js';
export type { KeyFunction, ReverseKeyFunction } from './keys/key-builder.js';
export type { BackendKind } from './backends/backend.interface.js';
export type { Duration } from './utils/duration.js';

export {
  RateLimit,
  RateLimitExceededFilter,
  RateLimitGuard,
  RateLimiter,
  SkipRateLimit,
  type RateLimitAlgorithm,
  type RateLimitBackendErrorMode,
  type RateLimitDefinition,
  type RateLimitHeaders,
  type RateLimitModuleOptions,
  type RateLimitOptions,
  type RateLimitResetOptions,
  type RateLimitResult,
  type RateLimitRule,
  type RateLimitTracker,
} from './rate-limit/index.js';

export {
  CacheXConfigError,
  CacheXConnectionError,
  CacheXError,
  InvalidArgumentError,
  KeyNotFoundError,
  NotSupportedError,
  RateLimitExceededError,
  SerializationError,
  WrongTypeError,
} from './errors/index.js';
