import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createBackend } from '../backends/create-backend.js';
import { OutageLog } from '../backends/outage-log.js';
import { CacheService } from '../cache/cache.service.js';
import { MESSAGES } from '../cachex.messages.js';
import { createCodec } from '../codecs/create-codec.js';
import type { CacheConfig, CachesConfig } from '../config/cache-config.interface.js';
import { redact } from '../config/location.js';
import { CacheXConnectionError } from '../errors/connection.error.js';
import { redactSecrets } from '../errors/redact-secrets.js';
import { resolveCaches, secondsLikeTtls } from '../config/resolve-config.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { registryHost } from './registry.host.js';

/** A cache whose server `app.init()` waits for (`waitForReady`). */
interface Readiness {
  cache: string;
  /** How long to wait, in ms. */
  waitMs: number;
  /** Where the server is, for the message: its location with the password masked. */
  server: string;
}

/** Pause between two PINGs to a server that is not ready yet, in ms. */
const READY_RETRY_MS = 100;

/**
 * The application's caches by name. Injectable as `CacheRegistry`; it also closes every
 * connection it opened on application shutdown.
 * @example registry.get('sessions').set(id, session);
 */
export class CacheRegistry implements OnModuleInit, OnApplicationShutdown {
  private constructor(
    private readonly caches: ReadonlyMap<string, CacheService>,
    private readonly instances: () => Iterable<object>,
    private readonly readiness: readonly Readiness[],
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
        const outage = new OutageLog(cache.name);
        const backend = await createBackend(
          cache.name,
          cache.backend,
          codec.binary,
          cache.batching,
          outage,
        );
        caches.set(cache.name, new CacheService({ ...cache, codec, backend, outage }));
      }
    } catch (error) {
      await Promise.allSettled([...caches.values()].map((cache) => cache.close()));
      throw error;
    }
    const readiness = resolved.flatMap(({ name, waitForReady }) =>
      waitForReady === null
        ? []
        : [{ cache: name, waitMs: waitForReady, server: server(config[name]!) }],
    );
    return new CacheRegistry(caches, instances, readiness);
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
  onModuleInit(): Promise<void> | void {
    registryHost.attach(this, this.instances());
    if (this.readiness.length > 0) return this.waitForServers();
  }

  /**
   * Waits for the server of each cache with `waitForReady`, all at once. When one does not
   * answer in time, every connection is closed (nothing keeps the process alive) and
   * `app.init()` fails with that cache's `CacheXConnectionError`.
   */
  private async waitForServers(): Promise<void> {
    try {
      await Promise.all(
        this.readiness.map(({ cache, waitMs, server }) =>
          waitForServer(this.get(cache), waitMs, server),
        ),
      );
    } catch (error) {
      // Connections are dropped at once; their sockets end in the background (closing an
      // unreachable client waits up to a second for an 'end' that does not come).
      void this.onApplicationShutdown();
      throw error;
    }
  }

  /** Closes every cache: quits the connections it opened (not clients handed in) and stops timers. */
  async onApplicationShutdown(): Promise<void> {
    registryHost.detach(this);
    await Promise.allSettled([...this.caches.values()].map((cache) => cache.close()));
  }
}

/**
 * Resolves once the cache's server answers a PING; fails with `CacheXConnectionError` after
 * `waitMs` without an answer. Each PING is bounded by the cache's `commandTimeout` and by what
 * is left of the wait; the timers are not unref'd, so that a standalone application waits.
 */
async function waitForServer(cache: CacheService, waitMs: number, where: string): Promise<void> {
  if (cache.kind === 'memory') return;
  const deadline = Date.now() + waitMs;
  let last: unknown;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        cache.backend.command(PING),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer to PING')), left);
        }),
      ]);
      return;
    } catch (error) {
      last = error;
    } finally {
      clearTimeout(timer);
    }
    const pause = Math.min(READY_RETRY_MS, deadline - Date.now());
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
  }
  const detail = redactSecrets(last instanceof Error ? last : new Error(String(last))).message;
  throw new CacheXConnectionError(
    MESSAGES.notReady(cache.name, where, waitMs, detail),
    cache.name,
    { cause: last },
  );
}

const PING = { name: 'ping', keys: [], args: [] } as const;

/** Where a cache's server is, for messages: no password, whatever the configuration. */
function server(config: CacheConfig): string {
  if (config.client !== undefined) return 'the client passed in';
  if (config.sentinel !== undefined) {
    const sentinels = config.sentinel.sentinels.map(({ host, port }) => `${host}:${port}`);
    return `master '${config.sentinel.name}' of sentinels ${sentinels.join(', ')}`;
  }
  const locations = Array.isArray(config.location) ? config.location : [config.location ?? ''];
  return locations.map((location) => `'${redact(location)}'`).join(', ');
}
