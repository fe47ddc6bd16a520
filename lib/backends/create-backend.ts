import { MESSAGES } from '../cachex.messages.js';
import type { BackendSpec } from '../config/resolve-config.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { CommandOutcomeUnknownError } from '../errors/outcome-unknown.error.js';
import { redactSecrets } from '../errors/redact-secrets.js';
import type { CacheBackend } from './backend.interface.js';
import { MemoryBackend } from './memory/memory.backend.js';
import { MemoryStore } from './memory/memory.store.js';
import { ClusterBackend } from './redis/cluster.backend.js';
import type { Cluster, Redis } from 'ioredis';
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
  batching: boolean,
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
  if (spec.kind === 'cluster') {
    const client = new ioredis.Cluster(spec.nodes, {
      ...spec.clusterOptions,
      redisOptions: spec.options,
    });
    watchConnection(cache, client, outage);
    const timeout = spec.options.commandTimeout;
    if (timeout !== undefined) {
      keepTimerList(client, timeout);
      boundOfflineQueue(client, timeout);
      // Each node's connection queues too while the cluster is up but that node is not.
      client.on('+node', (node: Redis) => boundOfflineQueue(node, timeout));
    }
    return new ClusterBackend(client, { binary, ownsClient: true, batching });
  }
  const client = new ioredis.Redis(spec.options);
  watchConnection(cache, client, outage);
  if (spec.options.failoverDetector === true) retireFailoverDetector(client);
  if (spec.options.autoResendUnfulfilledCommands === false) rejectUnanswered(cache, client);
  if (spec.options.commandTimeout !== undefined) {
    keepTimerList(client, spec.options.commandTimeout);
    boundOfflineQueue(client, spec.options.commandTimeout);
  }
  return new RedisBackend(client, { binary, ownsClient: true, batching });
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
 * Keeps Node's list of `timeout`-ms timers alive while the client lives, with an idle unref'd
 * interval of that period. ioredis arms a `commandTimeout` timer per command and clears it on the
 * reply; with one command in flight that timer is alone in its list, so each command created the
 * list, put it in the timers' priority queue and re-armed the event loop's timer, then undid it
 * all: about 10 µs of CPU per command. With the list alive a command's timer is linked into it
 * and unlinked, as cheap as with many commands in flight (`bench/lock.bench.mjs`, "+
 * commandTimeout, list kept"). The cost: one empty wake-up per `timeout`.
 */
function keepTimerList(client: Redis | Cluster, timeout: number): void {
  const keeper = setInterval(() => undefined, timeout);
  keeper.unref();
  client.on('end', () => clearInterval(keeper));
}

/** The part of an ioredis client's offline queue (private in its typings) that is used here. */
interface OfflineQueue {
  readonly length: number;
  shift(): { command: { isSettled: boolean; reject(error: Error): void } } | undefined;
  push(item: NonNullable<ReturnType<OfflineQueue['shift']>>): unknown;
}

/**
 * Bounds the wait of commands that a client queues while it has no connection, to `timeout` ms.
 * A standalone client arms ioredis' `commandTimeout` when a command is issued, so a queued
 * command does fail in time, but ioredis keeps it queued and sends it once reconnected: a `set`
 * or `incr` the caller saw fail would then still be applied. A cluster's own queue (while the
 * cluster as a whole is unreachable) has no timeout at all. So while the client is not ready,
 * a sweep every quarter of `timeout` drops settled commands and fails those queued for
 * `timeout`; one last sweep runs when the connection is made, before ioredis sends the queue.
 *
 * And once the connection has been lost for `timeout`, the client stops queueing until it is
 * ready again: new commands fail at once instead of each waiting `timeout` (a request that
 * makes five calls would wait five times). A short drop (a restart, a failover) is still ridden
 * out in the queue. NOTE: `offlineQueue` is private in ioredis' typings (ioredis 5 and 6 both
 * have it), and `enableOfflineQueue` is read from `options` on every command.
 */
function boundOfflineQueue(client: Redis | Cluster, timeout: number): void {
  const options = client.options as { enableOfflineQueue?: boolean };
  const queueing = options.enableOfflineQueue;
  const queuedAt = new WeakMap<object, number>();
  let lostAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const sweep = (): void => {
    const now = Date.now();
    if (lostAt !== undefined && now - lostAt >= timeout) options.enableOfflineQueue = false;
    const queue = (client as unknown as { offlineQueue: OfflineQueue }).offlineQueue;
    for (let n = queue.length; n > 0; n--) {
      const item = queue.shift()!;
      const { command } = item;
      if (command.isSettled) continue;
      const since = queuedAt.get(command);
      if (since === undefined) queuedAt.set(command, now);
      if (since !== undefined && now - since >= timeout) {
        command.reject(new Error(MESSAGES.queuedTooLong(timeout)));
        continue;
      }
      queue.push(item);
    }
  };
  const start = (): void => {
    timer ??= setInterval(sweep, Math.max(Math.floor(timeout / 4), 10));
    timer.unref();
  };
  const stop = (): void => {
    clearInterval(timer);
    timer = undefined;
  };
  client.on('close', () => {
    lostAt ??= Date.now();
    start();
  });
  client.on('ready', () => {
    lostAt = undefined;
    options.enableOfflineQueue = queueing;
    stop();
  });
  client.on('connect', sweep);
  client.on('end', stop);
  start();
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
