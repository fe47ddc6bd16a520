export { CacheXModule } from './cachex.module.js';
export type {
  CacheXModuleAsyncOptions,
  CacheXModuleOptions,
  CacheXOptionsFactory,
} from './cachex.module-options.interface.js';
export { DEFAULT_CACHE } from './cachex.constants.js';

export { CacheService } from './cache/cache.service.js';
export {
  CachePipeline,
  type PipelineOptions,
  type PipelineResults,
  type PipelineValues,
} from './cache/cache.pipeline.js';
export type { CacheScript } from './cache/cache-script.js';
export type {
  KeyType,
  ListEnd,
  ScoreBound,
  ScoredMember,
  ScriptOptions,
  ZAddOptions,
  ZRangeByScoreOptions,
  ZRangeOptions,
} from './cache/data-options.interface.js';
export type { HashFields } from './cache/ops/hash.ops.js';
export type { ZAddMembers } from './cache/ops/zset.ops.js';
export type {
  CacheKeyOptions,
  CacheScanOptions,
  CacheSetOptions,
  CacheWriteOptions,
} from './cache/cache-options.interface.js';
export { CacheRegistry } from './registry/cache.registry.js';
export { getCacheToken } from './registry/cache-token.js';
export { InjectCache } from './registry/inject-cache.decorator.js';

export { Cacheable, CachePut } from './cacheable/cacheable.decorator.js';
export { CacheEvict } from './cacheable/cache-evict.decorator.js';
export type { CacheKeySource } from './cacheable/cache-key.js';
export type {
  CacheableOptions,
  CacheableStats,
  CacheEvictOptions,
  CacheLockOptions,
  CacheLookupStatus,
  CachePutOptions,
  CacheTagsSource,
  CacheWrapOptions,
  EarlyRefreshOptions,
} from './cacheable/cacheable-options.interface.js';

export {
  CacheResponse,
  CacheResponseInterceptor,
  NoCacheResponse,
  type CacheResponseKeySource,
  type CacheResponseOptions,
  type CacheResponseTagsSource,
  type HttpCacheModuleOptions,
} from './http-cache/index.js';

export type {
  BatchObservableResultLike,
  CacheLockStats,
  CacheOpStats,
  CacheRateLimitStats,
  CacheStats,
  CacheXMetricsOptions,
  MeterLike,
  MeterProviderLike,
  ObservableLike,
} from './metrics/index.js';

export type { Lock } from './lock/lock.js';
export type {
  LockAcquireOptions,
  LockOptions,
  WithLockDecoratorOptions,
  WithLockOptions,
} from './lock/lock-options.interface.js';
export { WithLock } from './lock/with-lock.decorator.js';
export { currentLock } from './lock/with-lock.js';

export type {
  Batching,
  CacheConfig,
  CachesConfig,
  CompressorName,
  CustomSerializer,
  OnError,
  SentinelConfig,
  SerializerName,
} from './config/cache-config.interface.js';
export type { KeyFunction, ReverseKeyFunction } from './keys/key-builder.js';
export type { BackendKind } from './backends/backend.interface.js';
export type { Duration } from './utils/duration.js';
export { escapeGlob } from './utils/glob.js';

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
  ExpressSessionStore,
  FastifySessionStore,
  RequireSession,
  Session,
  SessionGuard,
  SessionHandle,
  SkipSession,
  type SessionCookieOptions,
  type SessionData,
  type SessionModuleOptions,
  type SessionPredicate,
  type SessionStoreOptions,
} from './session/index.js';

export {
  CacheXConfigError,
  CacheXConnectionError,
  CacheXError,
  CommandOutcomeUnknownError,
  CrossSlotError,
  InvalidArgumentError,
  KeyNotFoundError,
  LockAcquireTimeoutError,
  LockLostError,
  NotSupportedError,
  PipelineError,
  RateLimitExceededError,
  SerializationError,
  SessionError,
  WrongTypeError,
  type PipelineResult,
  type LockLostReason,
} from './errors/index.js';
