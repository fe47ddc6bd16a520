import type { Duration } from '../utils/duration.js';

/** Options that pick which version of a key an operation works on. */
export interface CacheKeyOptions {
  /**
   * Version of the key (see `incrVersion`).
   * @default the cache's `version`
   */
  version?: number;
}

/** Options of {@link CacheService.set}. */
export interface CacheSetOptions extends CacheKeyOptions {
  /**
   * Time to live in **milliseconds** or a duration string (`'30s'`); `null` = never expires.
   * @default the cache's `ttl`
   */
  ttl?: Duration | null;
  /** Write only if the key does not exist. @default false */
  nx?: boolean;
  /** Write only if the key already exists. @default false */
  xx?: boolean;
}

/** Options of {@link CacheService.getOrSet} and {@link CacheService.setMany}. */
export interface CacheWriteOptions extends CacheKeyOptions {
  /**
   * Time to live in **milliseconds** or a duration string; `null` = never expires.
   * @default the cache's `ttl`
   */
  ttl?: Duration | null;
}

/** Options of {@link CacheService.scan}, {@link CacheService.keys} and {@link CacheService.deletePattern}. */
export interface CacheScanOptions extends CacheKeyOptions {
  /**
   * SCAN's COUNT hint: roughly how many keys the server looks at per round trip.
   * @default 250 (1000 for deletePattern)
   */
  count?: number;
}
