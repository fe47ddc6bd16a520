/** Metadata of `@CacheResponse` on a controller or route: its options as written. */
export const CACHE_RESPONSE_METADATA = 'cachex:cache-response';

/** Metadata of `@NoCacheResponse` on a controller or route. */
export const NO_CACHE_RESPONSE_METADATA = 'cachex:no-cache-response';
