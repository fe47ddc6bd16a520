import {
  Inject,
  Module,
  Optional,
  Scope,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type Provider,
} from '@nestjs/common';
import { HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import { CACHEX_CACHES_CONFIG, CACHEX_OPTIONS_FACTORY, DEFAULT_CACHE } from './cachex.constants.js';
import { MESSAGES } from './cachex.messages.js';
import type {
  CacheXModuleAsyncOptions,
  CacheXModuleOptions,
  CacheXOptionsFactory,
} from './cachex.module-options.interface.js';
import type { CachesConfig } from './config/cache-config.interface.js';
import { CacheXConfigError } from './errors/config.error.js';
import { httpCacheProviders } from './http-cache/http-cache.providers.js';
import { metricsProviders } from './metrics/metrics.providers.js';
import { rateLimitProviders } from './rate-limit/rate-limit.providers.js';
import { CacheRegistry } from './registry/cache.registry.js';
import { getCacheToken } from './registry/cache-token.js';
import { requestedCaches } from './registry/inject-cache.decorator.js';
import { SESSION_STORAGE } from './session/session.constants.js';
import {
  installSessionHook,
  sessionMiddleware,
  sessionProviders,
} from './session/session.providers.js';
import { SessionStorage } from './session/session-storage.js';

/**
 * Registers named caches. `CacheService` injects the `default` cache, `@InjectCache(name)` the
 * others, `CacheRegistry` all of them. Global unless `isGlobal: false`.
 *
 * @example
 * CacheXModule.forRoot({
 *   default: { location: 'valkey://127.0.0.1:6379/0' },
 *   sessions: { location: 'valkey://127.0.0.1:6379/1', ttl: '14d' },
 * })
 */
@Module({})
export class CacheXModule implements NestModule {
  /** @internal Made by Nest. */
  constructor(
    @Optional() @Inject(SESSION_STORAGE) private readonly sessions?: SessionStorage,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  /** Starts the session state of every request when the `session` option is set. */
  configure(consumer: MiddlewareConsumer): void {
    if (!this.sessions) return;
    if (!installSessionHook(this.sessions, this.adapterHost?.httpAdapter))
      consumer.apply(sessionMiddleware(this.sessions)).forRoutes('*');
  }

  /**
   * Registers the caches of a static configuration.
   * @throws CacheXConfigError at start-up for an invalid configuration, naming cache and option
   */
  static forRoot(caches: CachesConfig, options: CacheXModuleOptions = {}): DynamicModule {
    const config: Provider = { provide: CACHEX_CACHES_CONFIG, useValue: caches };
    const names = typeof caches === 'object' && caches !== null ? Object.keys(caches) : [];
    return build(
      names,
      [config],
      [],
      options.isGlobal ?? true,
      options.rateLimit,
      options.httpCache,
      options.session,
      options.metrics,
    );
  }

  /**
   * Registers caches whose configuration a factory builds, with injected dependencies.
   * @example
   * CacheXModule.forRootAsync({
   *   cacheNames: ['default', 'sessions'],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({
   *     default: { location: config.get('CACHE_URL') },
   *     sessions: { location: config.get('SESSIONS_URL'), ttl: '14d' },
   *   }),
   * })
   */
  static forRootAsync(options: CacheXModuleAsyncOptions): DynamicModule {
    const names = options.cacheNames ?? [DEFAULT_CACHE];
    const providers: Provider[] = [];
    let load: (...args: never[]) => CachesConfig | Promise<CachesConfig>;
    let inject: NonNullable<CacheXModuleAsyncOptions['inject']>;
    if (options.useFactory) {
      load = options.useFactory;
      inject = options.inject ?? [];
    } else if (options.useClass || options.useExisting) {
      const factoryClass = (options.useClass ?? options.useExisting)!;
      providers.push(
        options.useClass
          ? { provide: CACHEX_OPTIONS_FACTORY, useClass: factoryClass }
          : { provide: CACHEX_OPTIONS_FACTORY, useExisting: factoryClass },
      );
      load = ((factory: CacheXOptionsFactory) => factory.createCachesConfig()) as typeof load;
      inject = [CACHEX_OPTIONS_FACTORY];
    } else {
      throw new CacheXConfigError(MESSAGES.asyncNoFactory());
    }
    providers.push({
      provide: CACHEX_CACHES_CONFIG,
      inject,
      useFactory: async (...args: never[]) => {
        const caches = await load(...args);
        const got = typeof caches === 'object' && caches !== null ? Object.keys(caches) : [];
        const same = got.length === names.length && got.every((name) => names.includes(name));
        if (!same) throw new CacheXConfigError(MESSAGES.asyncNamesMismatch(names, got));
        return caches;
      },
    });
    return build(
      names,
      providers,
      options.imports ?? [],
      options.isGlobal ?? true,
      options.rateLimit,
      options.httpCache,
      options.session,
      options.metrics,
    );
  }
}

function build(
  names: readonly string[],
  configProviders: Provider[],
  imports: NonNullable<CacheXModuleAsyncOptions['imports']>,
  isGlobal: boolean,
  rateLimit: CacheXModuleOptions['rateLimit'],
  httpCache: CacheXModuleOptions['httpCache'],
  session: CacheXModuleOptions['session'],
  metrics: CacheXModuleOptions['metrics'],
): DynamicModule {
  const rateLimiting = rateLimitProviders(rateLimit);
  const httpCaching = httpCacheProviders(httpCache);
  const sessions = sessionProviders(session);
  const metricsExport = metricsProviders(metrics);
  const cacheProviders: Provider[] = names.map((name) => ({
    provide: getCacheToken(name),
    inject: [CacheRegistry],
    useFactory: (registry: CacheRegistry) => registry.get(name),
  }));
  // A name some class injects but nobody registered: fail at start-up with the registered names.
  // Transient, so that it runs only for a class that really injects it (the class may belong to
  // a module this application does not import).
  const unknownProviders: Provider[] = [...requestedCaches]
    .filter(([name]) => !names.includes(name))
    .map(([name, requester]) => ({
      provide: getCacheToken(name),
      scope: Scope.TRANSIENT,
      useFactory: () => {
        throw new CacheXConfigError(MESSAGES.unknownCache(name, names, requester), name);
      },
    }));
  return {
    module: CacheXModule,
    global: isGlobal,
    imports,
    providers: [
      ...configProviders,
      {
        provide: CacheRegistry,
        inject: [CACHEX_CACHES_CONFIG, ModulesContainer],
        useFactory: (caches: CachesConfig, modules: ModulesContainer) =>
          CacheRegistry.create(caches, () => applicationInstances(modules)),
      },
      ...cacheProviders,
      ...unknownProviders,
      ...rateLimiting.providers,
      ...httpCaching,
      ...sessions,
      ...metricsExport,
    ],
    exports: [
      CacheRegistry,
      ...rateLimiting.exports,
      ...cacheProviders,
      ...unknownProviders.map((p) => (p as { provide: string }).provide),
    ],
  };
}

/** The instances of an application's providers and controllers made so far (singletons). */
function* applicationInstances(modules: ModulesContainer): Iterable<object> {
  for (const module of modules.values()) {
    for (const wrappers of [module.providers, module.controllers]) {
      for (const wrapper of wrappers.values()) {
        const instance: unknown = wrapper.instance;
        if (typeof instance === 'object' && instance !== null) yield instance;
      }
    }
  }
}
