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

export type {
  CacheConfig,
  CachesConfig,
  CompressorName,
  CustomSerializer,
  SentinelConfig,
  SerializerName,
} from './config/cache-config.interface.js';
export type { KeyFunction, ReverseKeyFunction } from './keys/key-builder.js';
export type { BackendKind } from './backends/backend.interface.js';
export type { Duration } from './utils/duration.js';

export {
  CacheXConfigError,
  CacheXConnectionError,
  CacheXError,
  InvalidArgumentError,
  KeyNotFoundError,
  NotSupportedError,
  SerializationError,
  WrongTypeError,
} from './errors/index.js';
