import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createBackend } from '../backends/create-backend.js';
import { CacheService } from '../cache/cache.service.js';
import { MESSAGES } from '../cachex.messages.js';
import { createCodec } from '../codecs/create-codec.js';
import type { CachesConfig } from '../config/cache-config.interface.js';
import { resolveCaches, secondsLikeTtls } from '../config/resolve-config.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { registryHost } from './registry.host.js';

/**
 * The application's caches by name. Injectable as `CacheRegistry`; it also closes every
 * connection it opened on application shutdown.
 * @example registry.get('sessions').set(id, session);
 */
export class CacheRegistry implements OnModuleInit, OnApplicationShutdown {
  private constructor(
    private readonly caches: ReadonlyMap<string, CacheService>,
    private readonly instances: () => Iterable<object>,
  ) {}

  /**
   * Validates every cache's configuration and loads the packages its codec needs, then builds
   * the caches. Throws `CacheXConfigError` (naming the cache and option) before any connection
   * is opened. Logs a warning for each cache whose `ttl` is a plain number under 1 s.
   * `instances` gives, at initialisation, the application's provider and controller instances,
   * whose decorated methods then use this registry.
   */
  static async create(
    config: CachesConfig,
    instances: () => Iterable<object> = () => [],
  ): Promise<CacheRegistry> {
    const resolved = resolveCaches(config);
    for (const { cache, ttl } of secondsLikeTtls(config)) {
      new Logger(`CacheX:${cache}`).warn(MESSAGES.ttlLooksLikeSeconds(cache, ttl));
    }
    const codecs = await Promise.all(resolved.map((cache) => createCodec(cache.name, cache.codec)));
    const caches = new Map<string, CacheService>();
    try {
      for (const [i, cache] of resolved.entries()) {
        const codec = codecs[i]!;
        // A binary codec's values are bytes: the backend must read Buffers, not UTF-8 text.
        const backend = await createBackend(
          cache.name,
          cache.backend,
          codec.binary,
          cache.batching,
        );
        caches.set(cache.name, new CacheService({ ...cache, codec, backend }));
      }
    } catch (error) {
      await Promise.allSettled([...caches.values()].map((cache) => cache.close()));
      throw error;
    }
    return new CacheRegistry(caches, instances);
  }

  /**
   * The cache of that name.
   * @throws CacheXConfigError when no such cache is registered; the message lists those that are
   */
  get(name: string): CacheService {
    const cache = this.caches.get(name);
    if (!cache) throw new CacheXConfigError(MESSAGES.unknownCache(name, this.names()), name);
    return cache;
  }

  /** The names of the registered caches, in configuration order. */
  names(): string[] {
    return [...this.caches.keys()];
  }

  /**
   * Makes the caches reachable to method decorators, which look them up at call time: those of
   * this application's providers and controllers find this registry, whatever other
   * applications run in the process.
   */
  onModuleInit(): void {
    registryHost.attach(this, this.instances());
  }

  /** Closes every cache: quits the connections it opened (not clients handed in) and stops timers. */
  async onApplicationShutdown(): Promise<void> {
    registryHost.detach(this);
    await Promise.allSettled([...this.caches.values()].map((cache) => cache.close()));
  }
}
