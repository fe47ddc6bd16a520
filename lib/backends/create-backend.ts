import { Logger } from '@nestjs/common';
import { MESSAGES } from '../cachex.messages.js';
import type { BackendSpec } from '../config/resolve-config.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { CommandOutcomeUnknownError } from '../errors/outcome-unknown.error.js';
import { redactSecrets } from '../errors/redact-secrets.js';
import type { CacheBackend } from './backend.interface.js';
import { MemoryBackend } from './memory/memory.backend.js';
import { MemoryStore } from './memory/memory.store.js';
import { ClusterBackend } from './redis/cluster.backend.js';
import type { Redis } from 'ioredis';
import { RedisBackend, type RedisLikeClient } from './redis/redis.backend.js';

/**
 * Builds a cache's backend. ioredis is loaded only when a cache needs it, so that an app on the
 * memory backend does not need it installed.
 */
export async function createBackend(
  cache: string,
  spec: BackendSpec,
  binary: boolean,
  batching: boolean,
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
    return new Backend(spec.client, { binary, ownsClient: false, batching });
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
    return new ClusterBackend(client, { binary, ownsClient: true, batching });
  }
  const client = new ioredis.Redis(spec.options);
  watchConnection(cache, client);
  if (spec.options.autoResendUnfulfilledCommands === false) rejectUnanswered(cache, client);
  return new RedisBackend(client, { binary, ownsClient: true, batching });
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

/**
 * Rejects, when a connection drops, the commands it had sent without a reply, with
 * `CommandOutcomeUnknownError`. NOTE: with `autoResendUnfulfilledCommands: false` ioredis drops
 * them on reconnection without ever settling their promises, so their callers would wait forever.
 */
function rejectUnanswered(cache: string, client: Redis): void {
  client.on('close', () => {
    // 'close' is emitted on the next tick: the queue is still the dropped connection's.
    const queue = client.commandQueue;
    while (queue.length > 0) {
      const { command } = queue.shift()!;
      command.reject(
        new CommandOutcomeUnknownError(
          MESSAGES.outcomeUnknown(cache, command.name),
          cache,
          command.name,
        ),
      );
    }
  });
}
