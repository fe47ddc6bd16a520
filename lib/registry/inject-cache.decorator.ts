import { Inject } from '@nestjs/common';
import { DEFAULT_CACHE } from '../cachex.constants.js';
import { getCacheToken } from './cache-token.js';

/**
 * Names requested through `@InjectCache`, with the class that asked, so that `CacheXModule` can
 * turn a name nobody registered into a start-up error that lists the registered caches (instead
 * of Nest's generic "can't resolve dependencies").
 */
export const requestedCaches = new Map<string, string>();

/**
 * Injects a named cache (a `CacheService`).
 * @param name - the cache's name in `CacheXModule.forRoot`; default `'default'`
 * @example constructor(@InjectCache('sessions') private readonly sessions: CacheService) {}
 */
export function InjectCache(name: string = DEFAULT_CACHE): ParameterDecorator & PropertyDecorator {
  return (target: object, propertyKey: string | symbol | undefined, index?: number) => {
    const owner = typeof target === 'function' ? target.name : target.constructor.name;
    if (!requestedCaches.has(name)) requestedCaches.set(name, owner);
    // Nest's Inject() is typed for one decorator kind at a time; it handles both at run time.
    return (Inject(getCacheToken(name)) as (t: object, k?: string | symbol, i?: number) => void)(
      target,
      propertyKey,
      index,
    );
  };
}
