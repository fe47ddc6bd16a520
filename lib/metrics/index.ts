export type {
  CacheLockStats,
  CacheOpStats,
  CacheRateLimitStats,
  CacheStats,
} from './cache-stats.interface.js';
export type {
  BatchObservableResultLike,
  CacheXMetricsOptions,
  MeterLike,
  MeterProviderLike,
  ObservableLike,
} from './metrics-options.interface.js';
