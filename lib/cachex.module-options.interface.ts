import type {
  InjectionToken,
  ModuleMetadata,
  OptionalFactoryDependency,
  Type,
} from '@nestjs/common';
import type { CachesConfig } from './config/cache-config.interface.js';
import type { HttpCacheModuleOptions } from './http-cache/cache-response-options.interface.js';
import type { CacheXMetricsOptions } from './metrics/metrics-options.interface.js';
import type { RateLimitModuleOptions } from './rate-limit/rate-limit-options.interface.js';
import type { SessionModuleOptions } from './session/session-options.interface.js';

/** Module-wide options of {@link CacheXModule.forRoot}. */
export interface CacheXModuleOptions {
  /**
   * Register the module globally, so that feature modules inject caches without importing it.
   * @default true
   */
  isGlobal?: boolean;
  /**
   * Rate limiting: app-wide default limits for every HTTP route, headers, the user path and the
   * behaviour on backend failure. Validated at start-up.
   * @default no default limits, IETF headers, `'user.id'`, `onBackendError: 'allow'`
   */
  rateLimit?: RateLimitModuleOptions;
  /**
   * Response caching: defaults of every `@CacheResponse`, and with `global: true` caching of
   * every GET route (`@NoCacheResponse()` opts a route out). Validated at start-up.
   * @default no global caching; `@CacheResponse` uses its own options and the cache's TTL
   */
  httpCache?: HttpCacheModuleOptions;
  /**
   * Sessions: the middleware, `@Session()` and `SessionGuard`, on a named cache. Validated at
   * start-up (the secret is required).
   * @default sessions off
   */
  session?: SessionModuleOptions;
  /**
   * OpenTelemetry export of every cache's counters (`cache.stats()`), through
   * `@opentelemetry/api` if it is installed (loaded at start-up; nothing fails without it).
   * `false` turns the export off. Validated at start-up.
   * @default true: the global meter provider, meter `'nestjs-cachex'`
   */
  metrics?: boolean | CacheXMetricsOptions;
}

/** A class that builds the caches configuration, for `forRootAsync({ useClass })`. */
export interface CacheXOptionsFactory {
  createCachesConfig(): CachesConfig | Promise<CachesConfig>;
}

/**
 * Options of {@link CacheXModule.forRootAsync}: the caches configuration comes from a factory
 * that may inject other providers (a `ConfigService`, say).
 */
export interface CacheXModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /**
   * Names of the caches the factory returns. Providers for `@InjectCache(name)` are declared
   * before the factory runs, so they must be known up front; a mismatch fails at start-up.
   * @default ['default']
   */
  cacheNames?: string[];
  /** Builds the same caches map that `forRoot` takes. */
  useFactory?: (...args: never[]) => CachesConfig | Promise<CachesConfig>;
  /** Providers passed to `useFactory`. */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** A class implementing {@link CacheXOptionsFactory}, instantiated by the module. */
  useClass?: Type<CacheXOptionsFactory>;
  /** An existing provider implementing {@link CacheXOptionsFactory}. */
  useExisting?: Type<CacheXOptionsFactory>;
  /** @default true */
  isGlobal?: boolean;
  /** Rate limiting, as {@link CacheXModuleOptions.rateLimit}. */
  rateLimit?: RateLimitModuleOptions;
  /** Response caching, as {@link CacheXModuleOptions.httpCache}. */
  httpCache?: HttpCacheModuleOptions;
  /** Sessions, as {@link CacheXModuleOptions.session}. */
  session?: SessionModuleOptions;
  /** OpenTelemetry metrics, as {@link CacheXModuleOptions.metrics}. */
  metrics?: boolean | CacheXMetricsOptions;
}
