import type { Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CacheRegistry } from '../registry/cache.registry.js';
import { registerHttpCache, resolveHttpCacheSettings } from './cache-response.config.js';
import { CacheResponseInterceptor } from './cache-response.interceptor.js';
import type { HttpCacheModuleOptions } from './cache-response-options.interface.js';

/** DI token of the validated `httpCache` option (its provider attaches it to the registry). */
const HTTP_CACHE_SETTINGS = Symbol('cachex:http-cache-settings');

/**
 * What `CacheXModule` provides for response caching: the `httpCache` defaults attached to the
 * application's registry, and a global `CacheResponseInterceptor` with `global: true`.
 * Validates the option at once, so that a mistake stops the application at start-up.
 * @throws CacheXConfigError naming the option at fault
 * @internal
 */
export function httpCacheProviders(options: HttpCacheModuleOptions | undefined): Provider[] {
  const settings = resolveHttpCacheSettings(options);
  const providers: Provider[] = [
    {
      provide: HTTP_CACHE_SETTINGS,
      inject: [CacheRegistry],
      useFactory: (registry: CacheRegistry) => {
        registerHttpCache(registry, settings);
        return settings;
      },
    },
  ];
  if (settings.global)
    providers.push({ provide: APP_INTERCEPTOR, useClass: CacheResponseInterceptor });
  return providers;
}
