/** Name of the cache that `CacheService` injects. */
export const DEFAULT_CACHE = 'default';

/** DI token of the caches configuration given to `forRoot` or returned by `forRootAsync`'s factory. */
export const CACHEX_CACHES_CONFIG = Symbol('cachex:caches-config');

/** DI token of the factory class given to `forRootAsync` as `useClass` / `useExisting`. */
export const CACHEX_OPTIONS_FACTORY = Symbol('cachex:options-factory');
