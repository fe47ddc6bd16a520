/**
 * Locks on real servers, where the contract suite cannot go: server failures while a lock is
 * held, the pub/sub release notices waiters subscribe to, and the connections they use.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Cluster, Redis } from 'ioredis';
import { CacheXConnectionError, LockLostError, type CacheConfig } from '../../lib/index.js';
import { escapeGlob } from '../../lib/utils/glob.js';
import { uniquePrefix } from '../contract/cache.contract.js';
import { openCaches } from '../support/open-cache.js';
import { spawnRedis, testServers, type SpawnedRedis } from '../harness/index.js';

const { open, opened } = openCaches();

/** Fails fast while the server is down, and reconnects quickly once it is back. */
const FAIL_FAST = { maxRetriesPerRequest: 1, retryStrategy: () => 50 };

describe('server failure while a lock is held', () => {
  let server: SpawnedRedis;
  beforeEach(async () => {
    server = await spawnRedis();
  });
  afterEach(async () => {
    await server.stop();
  });

  it('stopping the server: the watchdog cannot renew, the signal aborts, withLock throws LockLostError', async () => {
    const cache = await open({ location: server.url, redis: FAIL_FAST });
    let abortedDuringWork = false;
    const error = await cache
      .withLock(
        'job',
        async (lock) => {
          await server.stop();
          // The work goes on until the lock is known lost (bounded, in case it never is).
          await abortedOrTimeout(lock.signal, 10_000);
          abortedDuringWork = lock.signal.aborted;
          return 'finished';
        },
        { lease: 600, autoExtend: true },
      )
      .catch((e: unknown) => e);
    expect(abortedDuringWork).toBe(true);
    expect(error).toBeInstanceOf(LockLostError);
    expect((error as LockLostError).reason).toBe('unreachable');
    expect((error as LockLostError).cause).toBeInstanceOf(CacheXConnectionError);
  });

  it('stopping the server: a release that cannot reach it throws LockLostError, not success', async () => {
    const cache = await open({ location: server.url, redis: FAIL_FAST });
    const error = await cache
      .withLock('job', async () => {
        await server.stop();
        return 'finished';
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockLostError);
    expect((error as LockLostError).reason).toBe('unreachable');
  });

  it('a restarted (emptied) server: the watchdog finds the lock gone', async () => {
    const cache = await open({ location: server.url, redis: { retryStrategy: () => 50 } });
    const lock = cache.lock('job', { lease: 1_500, autoExtend: true });
    expect(await lock.acquire()).toBe(true);
    await server.restart();
    await abortedOrTimeout(lock.signal, 10_000);
    expect(lock.signal.reason).toBeInstanceOf(LockLostError);
    expect((lock.signal.reason as LockLostError).reason).toBe('expired');
    await expect(lock.release()).rejects.toBeInstanceOf(LockLostError);
    // The lock can be had again, and fencing restarts with the server's data: see the README.
    expect(await cache.lock('job').acquire()).toBe(true);
  });
});

describe('release notices', () => {
  it('a waiter subscribes to the lock channel while it waits, and the subscriber closes with the cache', async () => {
    const server = await spawnRedis();
    const admin = new Redis({ host: server.host, port: server.port });
    try {
      const keyPrefix = uniquePrefix();
      const holderCache = await open({ location: server.url, keyPrefix });
      const waiterCache = await open({ location: server.url, keyPrefix });
      const holder = holderCache.lock('job', { lease: '1m' });
      await holder.acquire();
      const channel = holderCache.keyBuilder.internal('lock', '{job}');
      const baseline = await clientCount(admin);

      const waiter = waiterCache.lock('job');
      const waiting = waiter.acquire({ wait: '20s' });
      await until(async () => (await numsub(admin, channel)) === 1);
      // One more connection: the waiting cache's subscriber.
      expect(await clientCount(admin)).toBe(baseline + 1);
      await holder.release();
      expect(await waiting).toBe(true);
      await until(async () => (await numsub(admin, channel)) === 0);
      await waiter.release();

      await opened.splice(1)[0]!.onApplicationShutdown();
      // The waiter's registry closed both its connections.
      await until(async () => (await clientCount(admin)) === baseline - 1);
    } finally {
      await admin.quit();
      await server.stop();
    }
  });

  it('an uncontended acquire + release is two scripts of five commands, without PUBLISH; a release with a waiter publishes', async () => {
    const server = await spawnRedis();
    const admin = new Redis({ host: server.host, port: server.port });
    try {
      const keyPrefix = uniquePrefix();
      const cache = await open({ location: server.url, keyPrefix });
      await cache.withLock('warm-up', () => undefined); // scripts loaded
      await admin.config('RESETSTAT');
      for (let i = 0; i < 10; i++) await cache.withLock(`job${i}`, () => undefined);
      // SET NX, TIME, SET … GET (the fence); GET, DEL.
      expect(await commandStats(admin)).toEqual({
        'config|resetstat': 1,
        evalsha: 20,
        set: 20,
        time: 10,
        get: 10,
        del: 10,
      });

      const holder = cache.lock('job', { lease: '1m' });
      await holder.acquire();
      const waiterCache = await open({ location: server.url, keyPrefix });
      const waiting = waiterCache.lock('job').acquire({ wait: '20s' });
      const channel = cache.keyBuilder.internal('lock', '{job}');
      await until(async () => (await numsub(admin, channel)) === 1);
      await holder.release();
      expect(await waiting).toBe(true);
      expect((await commandStats(admin)).publish).toBe(1);
    } finally {
      await admin.quit();
      await server.stop();
    }
  }, 30_000);

  it('on a cluster, a waiter hears the release through the cluster subscriber', async () => {
    const prefix = uniquePrefix();
    const config: CacheConfig = {
      location: testServers().cluster.urls,
      cluster: true,
      keyPrefix: prefix,
    };
    const holderCache = await open(config);
    const waiterCache = await open(config);
    const nodes = testServers().cluster.nodes.map((node) => new Redis(node));
    try {
      const holder = holderCache.lock('job', { lease: '1m' });
      await holder.acquire();
      const channel = holderCache.keyBuilder.internal('lock', '{job}');
      const waiting = waiterCache.lock('job').acquire({ wait: '20s' });
      const subscribers = async () => {
        const counts = await Promise.all(nodes.map((node) => numsub(node, channel)));
        return counts.reduce((sum, n) => sum + n, 0);
      };
      await until(async () => (await subscribers()) === 1);
      await holder.release();
      expect(await waiting).toBe(true);
    } finally {
      for await (const keys of holderCache.backend.scan(`${escapeGlob(prefix)}:cachex:*`, 100)) {
        await holderCache.backend.delete(keys);
      }
      await Promise.all(nodes.map((node) => node.quit()));
    }
  });

  it('works on a client handed in, which it duplicates for the subscriber and leaves open', async () => {
    const client = new Redis(testServers().redis.url);
    const cluster = new Cluster(testServers().cluster.nodes);
    try {
      for (const given of [client, cluster]) {
        const keyPrefix = uniquePrefix();
        const holderCache = await open({ client: given, keyPrefix });
        const waiterCache = await open({ client: given, keyPrefix });
        const holder = holderCache.lock('job', { lease: '1m' });
        await holder.acquire();
        const waiting = waiterCache.lock('job').acquire({ wait: '20s' });
        await sleep(100);
        await holder.release();
        expect(await waiting).toBe(true);
        for (const registry of opened.splice(0)) await registry.onApplicationShutdown();
        expect(given.status).toBe('ready');
      }
    } finally {
      await Promise.all([client.quit(), cluster.quit()]);
    }
  });
});

/** How long a child may take to exit after `app.close()` resolved, in ms. */
const EXIT_AFTER_CLOSE_MS = 5_000;
/** The longest a child may run (the first one transpiles the library), in ms. */
const APP_TIMEOUT_MS = 80_000;

describe('waits keep a standalone process alive (issue 11)', () => {
  it.each(['memory', 'Redis'])(
    'on %s, a withLock wait on a held lock runs to its end, then the app closes and exits by itself',
    async (backend) => {
      const run = await runApp(location(backend), 'lock-wait');
      expect(run.events.map((e) => e.name)).toEqual(['waiting', 'wait-ended', 'closed']);
      const ended = run.events[1]!;
      expect(ended.detail).toBe('error=LockAcquireTimeoutError');
      expect(ended.at - run.events[0]!.at).toBeGreaterThanOrEqual(450);
      expect(run.code).toBe(0);
      expect(run.exitAfterClosedMs).toBeLessThan(EXIT_AFTER_CLOSE_MS);
    },
    APP_TIMEOUT_MS + 10_000,
  );

  it.each(['memory', 'Redis'])(
    "on %s, cache.wrap()'s wait for another process' computation runs to its end",
    async (backend) => {
      const run = await runApp(location(backend), 'wrap-wait');
      expect(run.events.map((e) => e.name)).toEqual(['waiting', 'wait-ended', 'closed']);
      expect(run.events[1]!.detail).toBe('value=computed');
      expect(run.events[1]!.at - run.events[0]!.at).toBeGreaterThanOrEqual(450);
      expect(run.code).toBe(0);
      expect(run.exitAfterClosedMs).toBeLessThan(EXIT_AFTER_CLOSE_MS);
    },
    APP_TIMEOUT_MS + 10_000,
  );

  it.each(['memory', 'Redis'])(
    'on %s, app.close() ends a long wait at once, and the process exits',
    async (backend) => {
      const run = await runApp(location(backend), 'close-wait');
      expect(run.events.map((e) => e.name)).toEqual(['waiting', 'wait-ended', 'closed']);
      // The wait was for a minute; app.close() came 300 ms in.
      expect(run.events[1]!.detail).toBe('error=CacheXError');
      expect(run.events[1]!.at - run.events[0]!.at).toBeLessThan(5_000);
      expect(run.code).toBe(0);
      expect(run.exitAfterClosedMs).toBeLessThan(EXIT_AFTER_CLOSE_MS);
    },
    APP_TIMEOUT_MS + 10_000,
  );

  const location = (backend: string) =>
    backend === 'memory' ? 'memory://' : testServers().redis.url;
});

interface AppRun {
  events: Array<{ name: string; at: number; detail: string }>;
  code: number | null;
  /** From the `closed` line to the process' exit; Infinity when it never printed it. */
  exitAfterClosedMs: number;
}

/** Runs lock-wait.app.mjs in a child `node` on the library's sources, bounded in time. */
function runApp(location: string, scenario: string): Promise<AppRun> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // Jest's VM-modules flag: the child is plain Node
  const child = spawn(
    process.execPath,
    [
      '--import',
      './test/support/ts-import.mjs',
      'test/integration/lock-wait.app.mjs',
      location,
      scenario,
    ],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let closedAt = Infinity;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (closedAt === Infinity && output.includes('EVENT closed')) closedAt = Date.now();
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), APP_TIMEOUT_MS);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(killer);
      const events = [...output.matchAll(/^EVENT (\S+) (\d+) ?(.*)$/gm)].map(
        ([, name, at, detail]) => ({
          name: name!,
          at: Number(at),
          detail: detail!.trim(),
        }),
      );
      if (code !== 0) process.stderr.write(`lock-wait.app ${scenario}: exit ${code}\n${errors}`);
      resolve({ events, code, exitAfterClosedMs: Date.now() - closedAt });
    });
  });
}

function abortedOrTimeout(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** Calls per command since the last CONFIG RESETSTAT (INFO itself is not counted yet). */
async function commandStats(client: Redis): Promise<Record<string, number>> {
  const info = await client.info('commandstats');
  return Object.fromEntries(
    [...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map(([, name, calls]) => [
      name!,
      Number(calls),
    ]),
  );
}

async function numsub(client: Redis, channel: string): Promise<number> {
  const reply = (await client.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}

async function clientCount(client: Redis): Promise<number> {
  const list = (await client.call('CLIENT', 'LIST')) as string;
  return list.trim().split('\n').length;
}

/** Polls a condition until it holds (bounded). */
async function until(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
