/**
 * Issue 11, fault test 4: a failover while traffic runs. Private servers (the shared ones are
 * never failed over): a Sentinel-managed master with a replica, and a 3-master Cluster whose
 * master of the traffic's slot has a replica. Traffic is set/get/incr loops and two lock loops on
 * one lock; the failover is `SENTINEL FAILOVER` / `CLUSTER FAILOVER`, or a killed master. Every
 * call settles, traffic resumes on the promoted replica without restarting anything, two holders
 * never overlap, and the gap (the longest time without a successful call) is reported.
 */
import { Cluster, Redis } from 'ioredis';
import { CacheRegistry, type CacheConfig, type CacheService } from '../../../lib/index.js';
import { keyHashSlot } from '../../../lib/keys/key-slot.js';
import {
  sentinelReady,
  spawnCluster,
  spawnRedis,
  spawnSentinel,
  type SpawnedCluster,
  type SpawnedRedis,
  type SpawnedSentinel,
} from '../../harness/index.js';

/** Concurrent set/get/incr loops. */
const WORKERS = 20;
/** The longest a failover may stop traffic, in ms (measured: see the figures logged). */
const MAX_GAP_MS = 10_000;
/** How long traffic must keep succeeding after the failover before the test stops it, in ms. */
const SETTLED_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 50 ms until it answers true; throws after `ms`. */
async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

interface Figures {
  calls: number;
  failed: number;
  /** Failures by error class. */
  errors: Record<string, number>;
  /** The longest time without a successful data call after the failover began, in ms. */
  gapMs: number;
  /** The same for lock acquisitions. */
  lockGapMs: number;
  locks: number;
  lockFailures: number;
  /** Times two holders of the lock overlapped (must be 0). */
  overlaps: number;
  unhandledRejections: number;
}

/** Traffic still running when a test failed, stopped after it (bounded loops). */
const registered = new Set<{ stop(): Promise<Figures> }>();
afterEach(async () => {
  for (const load of registered) await load.stop();
});

/** Runs the traffic until `stop()`; `markFailover()` starts the measured window. */
function traffic(cache: CacheService) {
  let running = true;
  let failoverAt = Infinity;
  let lastOk = 0;
  let lastLockOk = 0;
  let okSinceFailover = 0;
  let holders = 0;
  const figures: Figures = {
    calls: 0,
    failed: 0,
    errors: {},
    gapMs: 0,
    lockGapMs: 0,
    locks: 0,
    lockFailures: 0,
    overlaps: 0,
    unhandledRejections: 0,
  };
  const onUnhandled = () => figures.unhandledRejections++;
  process.on('unhandledRejection', onUnhandled);

  const failed = (error: unknown) => {
    figures.failed++;
    const name = error instanceof Error ? error.name : typeof error;
    figures.errors[name] = (figures.errors[name] ?? 0) + 1;
  };
  const call = async (op: () => Promise<unknown>) => {
    figures.calls++;
    try {
      await op();
      const now = Date.now();
      if (now >= failoverAt) {
        figures.gapMs = Math.max(figures.gapMs, now - Math.max(lastOk, failoverAt));
        okSinceFailover++;
      }
      lastOk = now;
    } catch (error) {
      failed(error);
      await sleep(10);
    }
  };
  const worker = async (i: number) => {
    for (let n = 0; running; n++) {
      await call(() => cache.set(`k${i}`, n));
      await call(() => cache.get(`k${i}`));
      await call(() => cache.incr('hits'));
    }
  };
  const locker = async () => {
    while (running) {
      try {
        await cache.withLock(
          'job',
          async () => {
            if (++holders > 1) figures.overlaps++;
            await sleep(2);
            holders--;
          },
          { wait: 2_000, lease: '5s' },
        );
        figures.locks++;
        const now = Date.now();
        if (now >= failoverAt) {
          figures.lockGapMs = Math.max(figures.lockGapMs, now - Math.max(lastLockOk, failoverAt));
        }
        lastLockOk = now;
      } catch (error) {
        figures.lockFailures++;
        failed(error);
        await sleep(10);
      }
    }
  };
  const loops = [...Array.from({ length: WORKERS }, (_, i) => worker(i)), locker(), locker()];
  const load = {
    markFailover() {
      failoverAt = Date.now();
    },
    /** Resolves once data calls and locks succeed again after the failover. */
    async resumed(ms: number) {
      await until('traffic to resume', ms, async () => {
        const [calls, locks] = [okSinceFailover, figures.locks];
        await sleep(SETTLED_MS);
        return okSinceFailover > calls && figures.locks > locks && Date.now() - lastOk < 100;
      });
    },
    async stop(): Promise<Figures> {
      running = false;
      await Promise.all(loops);
      process.off('unhandledRejection', onUnhandled);
      registered.delete(load);
      return figures;
    },
  };
  registered.add(load);
  return load;
}

async function openCache(config: CacheConfig): Promise<[CacheService, () => Promise<void>]> {
  const registry = await CacheRegistry.create({ default: config });
  return [registry.get('default'), () => registry.onApplicationShutdown()];
}

function report(label: string, figures: Figures & { switchMs?: number }): void {
  // The figures of the README's "Failover, load and bad input" section come from here.
  process.stderr.write(`[failover] ${label}: ${JSON.stringify(figures)}\n`);
}

function expectHealthy(figures: Figures): void {
  expect(figures.gapMs).toBeLessThan(MAX_GAP_MS);
  expect(figures.lockGapMs).toBeLessThan(MAX_GAP_MS);
  expect(figures.overlaps).toBe(0);
  expect(figures.unhandledRejections).toBe(0);
  expect(figures.calls - figures.failed).toBeGreaterThan(0);
}

describe('Sentinel failover while traffic runs', () => {
  let master: SpawnedRedis;
  let replica: SpawnedRedis;
  let sentinel: SpawnedSentinel;
  let admin: Redis;

  beforeEach(async () => {
    master = await spawnRedis();
    replica = await spawnRedis({ extraArgs: ['--replicaof', master.host, String(master.port)] });
    // In sync before the sentinel starts, so that its first INFO of the master lists the replica
    // (it asks again only every 10 s).
    await until('the replica to sync', 15_000, async () => {
      const probe = new Redis({ host: master.host, port: master.port, lazyConnect: true });
      try {
        return (await probe.info('replication')).includes('state=online');
      } finally {
        probe.disconnect();
      }
    });
    sentinel = await spawnSentinel(master, 'failover');
    admin = new Redis({ host: sentinel.host, port: sentinel.port, lazyConnect: true });
    // The sentinel can fail over once it knows the replica, in sync.
    await sentinelReady(sentinel, replica);
  }, 40_000);

  afterEach(async () => {
    admin.disconnect();
    await Promise.all([sentinel?.stop(), replica?.stop(), master?.stop()]);
  }, 10_000);

  const config = (): CacheConfig => ({
    sentinel: { sentinels: [{ host: sentinel.host, port: sentinel.port }], name: 'failover' },
    keyPrefix: 'failover',
  });

  /** The master's address as the sentinel reports it. */
  const masterPort = async () =>
    Number(((await admin.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'failover')) as string[])[1]);

  it('closing the cache closes its failover subscriptions on the sentinels', async () => {
    const connected = async () =>
      Number(/connected_clients:(\d+)/.exec(await admin.info('clients'))![1]);
    const before = await connected();
    const [cache, close] = await openCache(config());
    await cache.set('k', 1);
    // The failover detector's subscriber (ioredis closed it only in disconnect(), not on QUIT).
    await until('the subscription', 5_000, async () => (await connected()) > before);
    await close();
    await until('the connections to close', 5_000, async () => (await connected()) === before);
  });

  it('SENTINEL FAILOVER: calls resume on the promoted replica within seconds', async () => {
    const [cache, close] = await openCache(config());
    const promoted = new Redis({ host: replica.host, port: replica.port });
    try {
      const load = traffic(cache);
      await sleep(300);
      load.markFailover();
      await admin.call('SENTINEL', 'FAILOVER', 'failover');
      await until(
        'the replica to be master',
        15_000,
        async () => (await masterPort()) === replica.port,
      );
      // The old master still accepts writes until the sentinel demotes it: writes must not land
      // there (they are lost when it resyncs), but on the promoted replica, soon.
      const switched = Date.now();
      let probe = 0;
      await until('writes to reach the promoted replica', MAX_GAP_MS, async () => {
        await cache.set('probe', ++probe);
        return (await promoted.get(cache.keyBuilder.key('probe'))) === String(probe);
      });
      const switchMs = Date.now() - switched;
      await load.resumed(15_000);
      const figures = await load.stop();
      report('sentinel, SENTINEL FAILOVER', { ...figures, switchMs });
      expectHealthy(figures);
    } finally {
      promoted.disconnect();
      await close();
    }
  }, 40_000);

  it('a killed master: calls resume once the sentinel has promoted the replica', async () => {
    const [cache, close] = await openCache(config());
    try {
      const load = traffic(cache);
      await sleep(300);
      load.markFailover();
      await master.stop();
      await until(
        'the replica to be master',
        20_000,
        async () => (await masterPort()) === replica.port,
      );
      await load.resumed(15_000);
      const figures = await load.stop();
      report('sentinel, master killed', figures);
      expectHealthy(figures);
    } finally {
      await close();
    }
  }, 50_000);
});

describe('Cluster failover while traffic runs', () => {
  let cluster: SpawnedCluster;
  /** The key prefix's hash tag puts every key of the cache in one slot, of master 0. */
  let prefix: string;

  beforeAll(async () => {
    cluster = await spawnCluster({ masters: 3, replicaOf: [0] });
    // A tag whose slot master 0 owns (the first third of the slots with 3 masters).
    let tag = 0;
    while (keyHashSlot(`t${tag}`) >= 5461) tag++;
    prefix = `{t${tag}}`;
  }, 40_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 10_000);

  const roleOf = async (node: { host: string; port: number }) => {
    const client = new Redis({ host: node.host, port: node.port, lazyConnect: true });
    try {
      return ((await client.call('ROLE')) as string[])[0];
    } finally {
      client.disconnect();
    }
  };

  it('CLUSTER FAILOVER on the replica: calls resume on it within seconds', async () => {
    const [cache, close] = await openCache({
      location: cluster.urls,
      cluster: true,
      keyPrefix: prefix,
    });
    try {
      const load = traffic(cache);
      await sleep(300);
      load.markFailover();
      const replica = new Redis({
        host: cluster.replicas[0]!.host,
        port: cluster.replicas[0]!.port,
      });
      try {
        await replica.cluster('FAILOVER');
      } finally {
        replica.disconnect();
      }
      await until(
        'the replica to be master',
        15_000,
        async () => (await roleOf(cluster.replicas[0]!)) === 'master',
      );
      await load.resumed(15_000);
      const figures = await load.stop();
      report('cluster, CLUSTER FAILOVER', figures);
      expectHealthy(figures);
      await cache.set('after', 1);
      const direct = new Cluster([cluster.replicas[0]!]);
      try {
        expect(await direct.get(cache.keyBuilder.key('after'))).toBe('1');
      } finally {
        direct.disconnect();
      }
    } finally {
      await close();
    }
  }, 40_000);

  it('a killed master: calls resume once its replica is promoted', async () => {
    // Whichever of master 0 and its replica is the slot's master now (a failover may have run).
    const pair = [cluster.masters[0]!, cluster.replicas[0]!];
    const victim = (await roleOf(pair[0]!)) === 'master' ? 0 : 1;
    const [cache, close] = await openCache({
      location: cluster.urls,
      cluster: true,
      keyPrefix: prefix,
    });
    try {
      const load = traffic(cache);
      await sleep(300);
      load.markFailover();
      pair[victim]!.kill();
      await until(
        'the replica to be promoted',
        20_000,
        async () => (await roleOf(pair[1 - victim]!)) === 'master',
      );
      await load.resumed(15_000);
      const figures = await load.stop();
      report('cluster, master killed', figures);
      expectHealthy(figures);
    } finally {
      await close();
    }
  }, 50_000);
});
