import type { Provider } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants.js';
import { APP_INTERCEPTOR, ModulesContainer } from '@nestjs/core';
import { MESSAGES } from '../cachex.messages.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { CacheRegistry } from '../registry/cache.registry.js';
import {
  registerHttpCache,
  resolveHttpCacheSettings,
  routeCaching,
  type HttpCacheSettings,
} from './cache-response.config.js';
import { CacheResponseInterceptor } from './cache-response.interceptor.js';
import type { HttpCacheModuleOptions } from './cache-response-options.interface.js';

/** A route handler, as `ExecutionContext.getHandler()` gives it. */
type Route = (...args: never[]) => unknown;

/** DI token of the validated `httpCache` option (its provider attaches it to the registry). */
const HTTP_CACHE_SETTINGS = Symbol('cachex:http-cache-settings');

/**
 * What `CacheXModule` provides for response caching: the `httpCache` defaults attached to the
 * application's registry, and a global `CacheResponseInterceptor` with `global: true`.
 * Validates the option at once, and every cached route's cache when the application starts, so
 * that a mistake stops the application at start-up.
 * @throws CacheXConfigError naming the option or the cache at fault
 * @internal
 */
export function httpCacheProviders(options: HttpCacheModuleOptions | undefined): Provider[] {
  const settings = resolveHttpCacheSettings(options);
  const providers: Provider[] = [
    {
      provide: HTTP_CACHE_SETTINGS,
      inject: [CacheRegistry, ModulesContainer],
      useFactory: (registry: CacheRegistry, modules: ModulesContainer) => {
        checkRoutes(settings, registry, modules);
        registerHttpCache(registry, settings);
        return settings;
      },
    },
  ];
  if (settings.global)
    providers.push({ provide: APP_INTERCEPTOR, useClass: CacheResponseInterceptor });
  return providers;
}

/**
 * Resolves the caching of every route of the application's controllers (kept for their
 * requests), and checks that each cached route's cache is registered.
 * @throws CacheXConfigError for a route whose `cache` is not registered
 */
function checkRoutes(
  settings: HttpCacheSettings,
  registry: CacheRegistry,
  modules: ModulesContainer,
): void {
  const names = registry.names();
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (abstract new (...args: never[]) => unknown) | null;
      if (typeof controller !== 'function') continue;
      for (const handler of routeHandlers(controller)) {
        const route = routeCaching(settings, handler, controller);
        if (route === null || names.includes(route.cache)) continue;
        throw new CacheXConfigError(
          MESSAGES.cachingDecoratorOption(
            `@CacheResponse on ${controller.name}.${handler.name}`,
            'cache',
            `names '${route.cache}', which is not registered (registered: ${names.join(', ')})`,
          ),
          route.cache,
          'cache',
        );
      }
    }
  }
}

/** The route handlers of a controller class, inherited ones included. */
function* routeHandlers(controller: abstract new (...args: never[]) => unknown): Iterable<Route> {
  const seen = new Set<string>();
  for (
    let proto = controller.prototype as object | null;
    proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || seen.has(name)) continue;
      seen.add(name);
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      const handler: unknown = descriptor?.value;
      if (
        typeof handler === 'function' &&
        Reflect.getMetadata(METHOD_METADATA, handler) !== undefined
      )
        yield handler as Route;
    }
  }
}
