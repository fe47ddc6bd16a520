/**
 * What a cache sends, measured two ways: the commands a private server ran (INFO commandstats),
 * and the writes its sockets handed to the operating system.
 */
import type { Socket } from 'node:net';
import { Redis, type Cluster } from 'ioredis';
import type { Batching, CacheConfig, CacheService } from '../../lib/index.js';
import { spawnRedis, type SpawnedRedis } from '../harness/index.js';
import type { ServerBinary } from '../harness/server-process.js';

/** Calls per command name, as the server counted them. */
export type CommandCalls = Record<string, number>;

/**
 * Calls per command since the last `CONFIG RESETSTAT`, as INFO commandstats counts them: the
 * commands a script runs count too (a coalesced tick of 300 increments is 3 EVAL and 300 INCRBY),
 * which is how a test tells one script from many commands.
 *
 * Left out: INFO and CONFIG, the test's own; and the per-subcommand lines of Redis 7
 * (`cmdstat_config|resetstat`, `cmdstat_client|pause`), so an admin's CONFIG RESETSTAT or CLIENT
 * PAUSE does not show.
 */
export async function commandCalls(admin: Redis): Promise<CommandCalls> {
  const info = await admin.info('commandstats');
  const counts: CommandCalls = {};
  for (const match of info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) {
    counts[match[1]!] = Number(match[2]);
  }
  delete counts.info;
  delete counts.config;
  return counts;
}

/**
 * The commands the server ran while `run` ran: resets the server's counts (`CONFIG RESETSTAT`),
 * runs, and answers {@link commandCalls}. Meant for a private server: a shared one counts the
 * commands of other test files too.
 */
export async function commandCallsDuring(
  admin: Redis,
  run: () => Promise<unknown>,
): Promise<CommandCalls> {
  await admin.config('RESETSTAT');
  await run();
  return commandCalls(admin);
}

/** A server of a describe block's own, from {@link privateServer}. */
export interface PrivateServer {
  /** The spawned server (its `url` for a cache's `location`). Read it inside a test or hook. */
  server: () => SpawnedRedis;
  /**
   * A plain ioredis connection to the server, for what a test does beside the cache (RESETSTAT,
   * CLIENT PAUSE, SCRIPT FLUSH) and for {@link commandCalls}. Opened on first use: a block that
   * stops and restarts its server without one is spared a connection that would retry meanwhile.
   */
  admin: () => Redis;
  /**
   * The commands the server ran for `tick`, on a cache of its own: opens a cache on the server
   * with `batching`, warms it with a SET (connected: the tick is batched as it would be in
   * use), then answers {@link commandCallsDuring} the tick.
   */
  during: (
    batching: Batching,
    tick: (cache: CacheService) => Promise<unknown>,
  ) => Promise<CommandCalls>;
}

/**
 * Spawns a server for the tests of the calling describe block (beforeAll) and stops it after them
 * (afterAll), with its admin connection. Private, so that its command counts are the block's
 * alone and a test may stop, pause or restart it.
 *
 * @param open - opens the caches of `during` (`openCaches().open`, which closes them after each test)
 * @param opts.binary - the server to run (default: redis-server)
 */
export function privateServer(
  open: (config: CacheConfig) => Promise<CacheService>,
  opts: { binary?: ServerBinary } = {},
): PrivateServer {
  let spawned: SpawnedRedis | undefined;
  let connection: Redis | undefined;
  beforeAll(async () => {
    spawned = await spawnRedis(opts);
  });
  afterAll(async () => {
    connection?.disconnect();
    await spawned?.stop();
  });
  const server = () => {
    if (!spawned) throw new Error('privateServer(): read the server inside a test or hook');
    return spawned;
  };
  const admin = () => (connection ??= new Redis({ host: server().host, port: server().port }));
  return {
    server,
    admin,
    during: async (batching, tick) => {
      const cache = await open({ location: server().url, batching });
      await cache.set('warm', 1);
      return commandCallsDuring(admin(), () => tick(cache));
    },
  };
}

/**
 * The sockets under a cache: its client's, or every cluster node's that is connected (a cluster
 * connects to a node on its first command for it). For counting writes ({@link countWrites}),
 * dropping connections, or checking that none is left corked.
 */
export function socketsOf(cache: CacheService): Socket[] {
  const client = (cache.backend as unknown as { client: Redis | Cluster }).client;
  const nodes = client.isCluster ? (client as Cluster).nodes('all') : [client as Redis];
  return nodes.flatMap((node) => (node.stream ? [node.stream as Socket] : []));
}

/**
 * Counts the writes each socket hands to the operating system (`_write` for one chunk,
 * `_writev` for several corked ones) while `during` runs; answers the counts of the sockets
 * that wrote. Tells one write per tick from a write per command, which INFO cannot.
 */
export async function countWrites(
  sockets: Socket[],
  during: () => Promise<unknown>,
): Promise<number[]> {
  const counts = sockets.map(() => 0);
  const restore = sockets.map((socket, i) => {
    const { _write: write, _writev: writev } = socket;
    socket._write = function (...args: Parameters<Socket['_write']>) {
      counts[i]!++;
      return write.apply(this, args);
    };
    socket._writev = function (...args: Parameters<NonNullable<Socket['_writev']>>) {
      counts[i]!++;
      return writev!.apply(this, args);
    };
    return () => {
      socket._write = write;
      socket._writev = writev;
    };
  });
  try {
    await during();
  } finally {
    for (const undo of restore) undo();
  }
  return counts.filter((n) => n > 0);
}
