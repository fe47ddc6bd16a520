import { MESSAGES } from '../cachex.messages.js';
import type { Batching } from '../config/cache-config.interface.js';
import type { BackendSpec } from '../config/resolve-config.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { CommandOutcomeUnknownError } from '../errors/outcome-unknown.error.js';
import { redactSecrets } from '../errors/redact-secrets.js';
import type { CacheBackend } from './backend.interface.js';
import { MemoryBackend } from './memory/memory.backend.js';
import { MemoryStore } from './memory/memory.store.js';
import { ClusterBackend } from './redis/cluster.backend.js';
import type { Redis } from 'ioredis';
import { boundCommands } from './redis/command-deadlines.js';
import { RedisBackend, type RedisLikeClient } from './redis/redis.backend.js';
import { OutageLog } from './outage-log.js';

/**
 * Builds a cache's backend. ioredis is loaded only when a cache needs it, so that an app on the
 * memory backend does not need it installed. `outage` (the cache's) hears of the connection's
 * losses and returns, and gets a PING to probe with.
 */
export async function createBackend(
  cache: string,
  spec: BackendSpec,
  binary: boolean,
  batching: Batching,
  outage?: OutageLog,
): Promise<CacheBackend> {
  if (spec.kind === 'memory') return createMemoryBackend(cache, spec, binary);
  if (spec.kind === 'client') {
    // Both ioredis 5 and 6 mark their Cluster class with `isCluster`.
    const Backend = spec.client.isCluster ? ClusterBackend : RedisBackend;
    const client = spec.client as RedisLikeClient;
    outage?.probeWith(() => client.ping());
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
  // The command timeout is kept by `boundCommands`, not by ioredis (a timer per command).
  const { commandTimeout, ...options } = spec.options;
  if (spec.kind === 'cluster') {
    const client = new ioredis.Cluster(spec.nodes, {
      ...spec.clusterOptions,
      redisOptions: options,
    });
    watchConnection(cache, client, outage);
    if (commandTimeout !== undefined) boundCommands(client, commandTimeout);
    return new ClusterBackend(client, { binary, ownsClient: true, batching, commandTimeout });
  }
  const client = new ioredis.Redis(options);
  watchConnection(cache, client, outage);
  if (options.failoverDetector === true) retireFailoverDetector(client);
  if (options.autoResendUnfulfilledCommands === false) rejectUnanswered(cache, client);
  if (commandTimeout !== undefined) boundCommands(client, commandTimeout);
  return new RedisBackend(client, { binary, ownsClient: true, batching, commandTimeout });
}

/**
 * Builds a memory backend on the store its spec names (shared by name, like a Redis database),
 * synchronously: also what an in-process fallback (the rate limits') starts on.
 * @throws CacheXConfigError when the store exists with other options
 */
export function createMemoryBackend(
  cache: string,
  spec: Extract<BackendSpec, { kind: 'memory' }>,
  binary: boolean,
): MemoryBackend {
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

/**
 * Logs a lost connection once per outage and its return once (in the cache's {@link OutageLog},
 * shared with the other signs of an outage), instead of ioredis' default of an "Unhandled error
 * event" line per reconnection attempt. Commands meanwhile fail with `CacheXConnectionError`.
 */
function watchConnection(
  cache: string,
  client: RedisLikeClient,
  outage: OutageLog = new OutageLog(cache),
): void {
  outage.probeWith(() => client.ping());
  client.on('error', (error: Error) =>
    outage.failed(MESSAGES.backendDown(cache, redactSecrets(error).message)),
  );
  client.on('ready', () => outage.recovered());
}

/**
 * Retires a Sentinel client's failover detector when its connection drops. NOTE: ioredis (5 and
 * 6.0) keeps the detector of a lost connection subscribed while the client reconnects; if the
 * sentinels announce the new master (+switch-master) while a reconnection is asking them for
 * it, that detector disconnects the connector in the middle of connecting, and the client ends
 * for good: every later command fails with "Connection is closed.". The reconnection asks the
 * sentinels for the master anyway, and its connection subscribes a detector of its own.
 */
function retireFailoverDetector(client: Redis): void {
  const connector = (client as unknown as { connector: SentinelConnectorInternals }).connector;
  client.on('close', () => {
    connector.failoverDetector?.cleanup();
    connector.failoverDetector = null;
  });
}

/** The part of ioredis' Sentinel connector (private in its typings) that is used here. */
interface SentinelConnectorInternals {
  failoverDetector?: { cleanup(): void } | null;
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
