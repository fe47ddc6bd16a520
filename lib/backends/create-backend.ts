import { Logger } from '@nestjs/common';
import { MESSAGES } from '../cachex.messages.js';
import type { BackendSpec } from '../config/resolve-config.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { redactSecrets } from '../errors/redact-secrets.js';
import type { CacheBackend } from './backend.interface.js';
import { MemoryBackend } from './memory/memory.backend.js';
import { MemoryStore } from './memory/memory.store.js';
import { ClusterBackend } from './redis/cluster.backend.js';
import { RedisBackend, type RedisLikeClient } from './redis/redis.backend.js';

/**
 * Builds a cache's backend. ioredis is loaded only when a cache needs it, so that an app on the
 * memory backend does not need it installed.
 */
export async function createBackend(
  cache: string,
  spec: BackendSpec,
  binary: boolean,
): Promise<CacheBackend> {
  if (spec.kind === 'memory') {
    const store = MemoryStore.acquire(spec.store, {
      maxEntries: spec.maxEntries,
      sweepInterval: spec.sweepInterval,
    });
    if (typeof store === 'string') {
      throw new CacheXConfigError(
        MESSAGES.invalidOption(cache, 'location', store),
        cache,
        'location',
      );
    }
    return new MemoryBackend(store, { binary });
  }
  if (spec.kind === 'client') {
    // Both ioredis 5 and 6 mark their Cluster class with `isCluster`.
    const Backend = spec.client.isCluster ? ClusterBackend : RedisBackend;
    return new Backend(spec.client, { binary, ownsClient: false });
  }
  let ioredis: Pick<typeof import('ioredis'), 'Redis' | 'Cluster'>;
  try {
    ioredis = await import('ioredis');
  } catch (error) {
    throw new CacheXConfigError(MESSAGES.ioredisMissing(cache), cache, 'location', {
      cause: error,
    });
  }
  if (spec.kind === 'cluster') {
    const client = new ioredis.Cluster(spec.nodes, {
      ...spec.clusterOptions,
      redisOptions: spec.options,
    });
    watchConnection(cache, client);
    return new ClusterBackend(client, { binary, ownsClient: true });
  }
  const client = new ioredis.Redis(spec.options);
  watchConnection(cache, client);
  return new RedisBackend(client, { binary, ownsClient: true });
}

/**
 * Logs a lost connection once per outage and its return once, instead of ioredis' default of an
 * "Unhandled error event" line per reconnection attempt. Commands meanwhile fail with
 * `CacheXConnectionError`.
 */
function watchConnection(cache: string, client: RedisLikeClient): void {
  const logger = new Logger(`CacheX:${cache}`);
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.error(MESSAGES.backendDown(cache, redactSecrets(error).message));
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.log(MESSAGES.backendUp(cache));
  });
}
