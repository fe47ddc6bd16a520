import { CacheService } from '../cache/cache.service.js';
import { DEFAULT_CACHE } from '../cachex.constants.js';

/**
 * The DI token of a named cache: `CacheService` itself for `default`, a namespaced string for the
 * others. Use it in `inject` arrays of factory providers; in constructors use `@InjectCache`.
 * @example { provide: SessionStore, useFactory: (c: CacheService) => new SessionStore(c), inject: [getCacheToken('sessions')] }
 */
export function getCacheToken(name: string = DEFAULT_CACHE): string | typeof CacheService {
  return name === DEFAULT_CACHE ? CacheService : `cachex:cache:${name}`;
}
