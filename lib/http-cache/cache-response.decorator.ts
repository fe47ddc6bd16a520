import { UseInterceptors } from '@nestjs/common';
import { resolveResponseOptions } from './cache-response.config.js';
import { CacheResponseInterceptor } from './cache-response.interceptor.js';
import type { CacheResponseOptions } from './cache-response-options.interface.js';
import { CACHE_RESPONSE_METADATA, NO_CACHE_RESPONSE_METADATA } from './http-cache.constants.js';

/**
 * Caches the responses of a GET route, or of every GET route of a controller, in a named cache
 * (the replacement for `@nestjs/cache-manager`'s `CacheInterceptor`, `@CacheKey` and
 * `@CacheTTL`). It applies {@link CacheResponseInterceptor} by itself. Options on a route
 * override those of its controller, which override the module's `httpCache` defaults; route
 * metadata (guards, `@HttpCode`, `@Header`, other interceptors) is untouched, and guards run
 * before the cache is read.
 *
 * @param options - `ttl` (**ms** or a duration string; default: the cache's), `cache` (default
 *   `'default'`), `vary` (request headers; default none), `key`, `tags`, `staleWhileRevalidate`,
 *   `staleIfError`, `earlyRefresh`, `lock`, `timeout`, `allowAuthorization` (default false),
 *   `maxAge` (default false)
 * @throws CacheXConfigError when the class is defined, for an invalid option; when the
 *   application starts, for a `cache` that is not registered
 * @example
 * ```ts
 * @CacheResponse({ ttl: '1m', vary: ['accept-language'], tags: ['products'] })
 * @Get()
 * list(@Query('page') page = '1') { return this.catalog.page(Number(page)); }
 * ```
 */
export function CacheResponse(
  options: CacheResponseOptions = {},
): ClassDecorator & MethodDecorator {
  return ((target: object, propertyKey?: string | symbol, descriptor?: PropertyDescriptor) => {
    const where =
      descriptor === undefined
        ? `@CacheResponse on ${(target as { name: string }).name}`
        : `@CacheResponse on ${target.constructor.name}.${String(propertyKey)}`;
    resolveResponseOptions(options, where);
    const holder = descriptor === undefined ? target : (descriptor.value as object);
    Reflect.defineMetadata(CACHE_RESPONSE_METADATA, { ...options }, holder);
    if (descriptor === undefined) UseInterceptors(CacheResponseInterceptor)(target as never);
    else UseInterceptors(CacheResponseInterceptor)(target, propertyKey!, descriptor);
  }) as ClassDecorator & MethodDecorator;
}

/**
 * Keeps a route out of response caching: out of its controller's `@CacheResponse` and of the
 * app-wide `httpCache: { global: true }`. On a controller, its routes are out of the global
 * caching (a route's own `@CacheResponse` still applies).
 * @example
 * ```ts
 * @NoCacheResponse()
 * @Get('me')
 * me(@Req() req: Request) { return req.user; }
 * ```
 */
export function NoCacheResponse(): ClassDecorator & MethodDecorator {
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    Reflect.defineMetadata(
      NO_CACHE_RESPONSE_METADATA,
      true,
      descriptor === undefined ? target : (descriptor.value as object),
    );
  }) as ClassDecorator & MethodDecorator;
}
