/**
 * `batching: 'adaptive'`: on a connection that awaits replies, the calls issued from separate
 * macrotasks of one turn of the event loop (each HTTP request's own socket callback) are held
 * until `setImmediate` and leave together, coalesced where they can be, in the order of the
 * calls; on an idle connection a tick's calls leave at its end, as with `'coalesce'`.
 *
 * A connection is made busy by `CLIENT PAUSE`: the call sent before the macrotasks stays
 * unanswered while they run.
 */
import { Redis } from 'ioredis';
import {
  CacheXConnectionError,
  type Batching,
  type CacheConfig,
  type CacheService,
} from '../../lib/index.js';
import { testServers, type HostPort } from '../harness/index.js';
import { privateServer } from '../support/command-stats.js';
import { ioredis5Clients } from '../support/ioredis5-clients.js';
import { openCaches } from '../support/open-cache.js';
import { whileStopped } from './faults/outage-support.js';

const { open } = openCaches();
const { viaStandalone: viaIoredis5, viaCluster: viaIoredis5Cluster } = ioredis5Clients();

/** How long a server is paused while a test's calls are issued, in ms. */
const PAUSE_MS = 150;

/**
 * Runs each of `calls` in its own macrotask and answers their results in call order. They are
 * immediates queued together, so they run in one check phase, microtasks between them, as the
 * socket callbacks of one poll phase do; an immediate that one of them queues (the batch's flush)
 * runs after all of them. NOTE: not timers: with 0 ms timers a full run on a loaded machine once
 * saw these calls in two batches; a turn of the loop runs every immediate queued before it.
 */
function inMacrotasks<T>(calls: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  return Promise.all(
    calls.map(
      (call) =>
        new Promise<T>((resolve, reject) => {
          setImmediate(() => call().then(resolve, reject));
        }),
    ),
  );
}

/** Pauses every client of the servers for {@link PAUSE_MS}; answers once they are paused. */
async function pause(servers: readonly HostPort[]): Promise<void> {
  await Promise.all(
    servers.map(async ({ host, port }) => {
      const admin = new Redis({ host, port, lazyConnect: true });
      try {
        await admin.connect();
        await admin.client('PAUSE', PAUSE_MS, 'ALL');
      } finally {
        admin.disconnect();
      }
    }),
  );
}

const targets: Array<[string, () => CacheConfig, () => HostPort[]]> = [
  ['Redis 7', () => ({ location: testServers().redis.url }), () => [testServers().redis]],
  ['Valkey 8', () => ({ location: testServers().valkey.url }), () => [testServers().valkey]],
  [
    'Redis Cluster',
    () => ({ location: testServers().cluster.urls, cluster: true }),
    () => testServers().cluster.nodes,
  ],
  ['an ioredis 5 client', viaIoredis5, () => [testServers().redis]],
  ['an ioredis 5 Cluster client', viaIoredis5Cluster, () => testServers().cluster.nodes],
];

describe.each(targets)('adaptive batching on %s', (_target, config, servers) => {
  it('keeps the order of calls held across macrotasks on a busy connection, mixed with other commands', async () => {
    const cache = await open({ ...config(), batching: 'adaptive' });
    // Connected (a cluster knows its slot map): the calls below are batched.
    await cache.set('warm', 1);
    await pause(servers());
    const busy = cache.get('warm'); // unanswered while the macrotasks run
    const results = await inMacrotasks<unknown>([
      () => cache.get('k'),
      () => cache.set('k', 'a'),
      () => cache.get('k'),
      () => cache.get('k'),
      () => cache.incr('n'),
      () => cache.hset('{k}h', 'f', 1),
      () => cache.incr('n'),
      () => cache.pipeline().set('k', 'b').get('k').exec(),
      () => cache.get('k'),
      () => cache.delete('k'),
      () => cache.delete('k'),
      () => cache.get('k'),
      () => cache.incr('n', 10),
      () => cache.get('n'),
      () => cache.hget('{k}h', 'f'),
    ]);
    expect(await busy).toBe(1);
    expect(results).toEqual([
      undefined,
      true,
      'a',
      'a',
      1,
      1,
      2,
      [true, 'b'],
      'b',
      true,
      false,
      undefined,
      12,
      12,
      1,
    ]);
  });

  it('answers each of many held calls its own result, beyond one batch', async () => {
    const cache = await open({ ...config(), batching: 'adaptive' });
    await cache.set('warm', 1);
    await pause(servers());
    const busy = cache.get('warm');
    const n = 300;
    const counts = await inMacrotasks(
      Array.from({ length: n }, (_, i) => () => cache.incr(`c:${i % 7}`)),
    );
    expect(await busy).toBe(1);
    // Each key's calls count up in call order, whatever slot or batch they fell in.
    const seen = new Map<number, number>();
    counts.forEach((count, i) => {
      const next = (seen.get(i % 7) ?? 0) + 1;
      seen.set(i % 7, next);
      expect(count).toBe(next);
    });
  });
});

describe('commands sent from separate macrotasks (a private server, INFO commandstats)', () => {
  const { server, admin, during } = privateServer(open);

  /**
   * Commands the server ran for `macrotasks`: issued together while the connection awaits a
   * reply (`busy`), or one at a time on an idle connection.
   */
  function sent(
    batching: Batching,
    busy: boolean,
    macrotasks: (cache: CacheService) => Array<() => Promise<unknown>>,
  ): Promise<Record<string, number>> {
    return during(batching, async (cache) => {
      if (busy) {
        await admin().client('PAUSE', PAUSE_MS, 'ALL');
        const first = cache.get('warm');
        await inMacrotasks(macrotasks(cache));
        await first;
      } else {
        // One call in flight: each macrotask's call is issued once the previous one is answered.
        for (const call of macrotasks(cache)) await inMacrotasks([call]);
      }
    });
  }

  const incrs = (cache: CacheService) => Array.from({ length: 20 }, () => () => cache.incr('n'));

  it('coalesces the calls of separate macrotasks into one command on a busy connection', async () => {
    // The busy connection's own GET, then one script for the 20 increments.
    expect(await sent('adaptive', true, incrs)).toEqual({ get: 1, eval: 1, incrby: 20 });
    // Without the hold, the call of each macrotask leaves alone at the end of its tick.
    expect(await sent('coalesce', true, incrs)).toEqual({ get: 1, incrby: 20 });
  });

  it('holds nothing with one call in flight: each call leaves alone at the end of its tick', async () => {
    expect(await sent('adaptive', false, incrs)).toEqual({ incrby: 20 });
  });

  it('fails each held call on a stopped server within the command timeout', async () => {
    const cache = await open({ location: server().url, batching: 'adaptive', commandTimeout: 300 });
    await cache.set('k', 1);
    const { settled, ms } = await whileStopped(server(), async () => {
      const busy = cache.get('k');
      const held = await inMacrotasks(
        [
          () => cache.get('k'),
          () => cache.incr('n'),
          () => cache.incr('n'),
          () => cache.set('s', 1),
          () => cache.delete('a'),
          () => cache.get('j'),
        ].map((call) => () => Promise.allSettled([call()]).then(([outcome]) => outcome!)),
      );
      return [...held, ...(await Promise.allSettled([busy]))];
    });
    expect(ms).toBeLessThan(3_000);
    for (const outcome of settled) {
      expect(outcome).toMatchObject({
        status: 'rejected',
        reason: expect.any(CacheXConnectionError),
      });
    }
    // The late replies are dropped; the cache answers again.
    expect(await cache.get('k')).toBe(1);
  });
});
