/**
 * Issue 13, items 3, 7 and 8 on real servers: a lost reply (an in-test TCP proxy drops it and
 * resets the connection), a waiter through a restart, and fencing tokens across a restart that
 * loses the counter.
 */
import { Redis } from 'ioredis';
import {
  CacheXConnectionError,
  CommandOutcomeUnknownError,
  type CacheService,
} from '../../../lib/index.js';
import { MemoryBackend } from '../../../lib/backends/memory/memory.backend.js';
import { MemoryStore } from '../../../lib/backends/memory/memory.store.js';
import { runScript } from '../../../lib/backends/redis/evalsha-script.js';
import { ACQUIRE_LOCK, RELEASE_LOCK } from '../../../lib/lock/lock.ops.js';
import { spawnRedis, testServers, type SpawnedRedis } from '../../harness/index.js';
import { openCaches } from '../../support/open-cache.js';
import { lossyProxy, type LossyProxy } from './lossy-proxy.js';

const { open } = openCaches();
/** Reconnects at once, so that a test does not wait for ioredis' back-off. */
const QUICK_RECONNECT = { retryStrategy: () => 20 };

describe('a reply lost with its connection', () => {
  let proxy: LossyProxy;
  let admin: Redis;
  beforeEach(async () => {
    proxy = await lossyProxy(testServers().redis);
    admin = new Redis(testServers().redis.url);
  });
  afterEach(async () => {
    admin.disconnect();
    await proxy.close();
  });

  async function viaProxy(redis: object = {}): Promise<CacheService> {
    const cache = await open({
      location: `redis://${proxy.host}:${proxy.port}`,
      redis: { ...QUICK_RECONNECT, ...redis },
    });
    await cache.get('warm-up'); // connected, so that the next reply is the command's
    return cache;
  }

  it('incr is not run twice: it fails with CommandOutcomeUnknownError, and ran once', async () => {
    const cache = await viaProxy();
    proxy.loseNextReply();
    const error = await cache.incr('n').catch((e: unknown) => e);
    expect(proxy.lost).toBe(1);
    expect(error).toBeInstanceOf(CommandOutcomeUnknownError);
    expect(error).toBeInstanceOf(CacheXConnectionError);
    expect((error as CommandOutcomeUnknownError).command).toBe('incrby');
    expect((error as Error).message).toMatch(/whether the server ran it is unknown/);
    expect(await admin.get(cache.keyBuilder.key('n'))).toBe('1');
    // The cache works again on the new connection.
    expect(await cache.incr('n')).toBe(2);
  });

  it.each([
    ['by default (nothing re-sent: the lock re-sends its own token)', {}],
    [
      'with ioredis re-sending (autoResendUnfulfilledCommands: true)',
      { autoResendUnfulfilledCommands: true },
    ],
  ])('lock.acquire() %s answers true, and the lock is held by the caller', async (_, redis) => {
    const cache = await viaProxy(redis);
    const warm = cache.lock('job');
    expect(await warm.acquire()).toBe(true); // loads the script, so that one EVALSHA is lost
    await warm.release();
    const lock = cache.lock('job', { lease: 60_000 });
    proxy.loseNextReply();
    expect(await lock.acquire()).toBe(true);
    expect(proxy.lost).toBe(1);
    expect(await admin.get(cache.keyBuilder.internal('lock', '{job}'))).toBe(lock.token);
    await lock.release();
    expect(await cache.lock('job').acquire()).toBe(true);
  });
});

describe("the acquire script and its memory twin, for the caller's own token", () => {
  it('both answer success with the same fencing token when the token already holds the lock', async () => {
    const redis = new Redis(testServers().redis.url);
    const memory = new MemoryBackend(
      MemoryStore.acquire(`twins-${Date.now()}`, { sweepInterval: 60_000 }) as MemoryStore,
      { binary: false },
    );
    try {
      const lock = `twins:${Date.now()}:{l}`;
      const keys = [lock, `${lock}:fence`, `${lock}:waiters`];
      for (const run of [
        (args: string[]) =>
          runScript(redis, ACQUIRE_LOCK.script, keys, args).then(ACQUIRE_LOCK.fromRedis),
        (args: string[]) => memory.run(ACQUIRE_LOCK, keys, args),
      ]) {
        const first = await run(['me', '10000', '0']);
        expect(first).toEqual({ acquired: true, fencingToken: expect.any(Number) });
        expect(await run(['me', '10000', '0'])).toEqual(first);
        expect(await run(['other', '10000', '0'])).toEqual({
          acquired: false,
          pttl: expect.any(Number),
        });
      }
      await redis.del(...keys);
    } finally {
      redis.disconnect();
      await memory.close();
    }
  });
});

describe('the waiters mark and the release notice, on the script and its memory twin', () => {
  it('a caller that waits marks the lock for its wait; the release deletes the mark and publishes only then', async () => {
    const redis = new Redis(testServers().redis.url);
    const subscriber = new Redis(testServers().redis.url);
    const memory = new MemoryBackend(
      MemoryStore.acquire(`twins-mark-${Date.now()}`, { sweepInterval: 60_000 }) as MemoryStore,
      { binary: false },
    );
    const lock = `twins-mark:${Date.now()}:{l}`;
    const keys = [lock, `${lock}:fence`, `${lock}:waiters`];
    const releaseKeys = [lock, `${lock}:waiters`];
    try {
      const notices: string[] = [];
      await subscriber.subscribe(lock);
      subscriber.on('message', () => notices.push('redis'));
      const memoryListener = memory.notices.listen(lock, () => notices.push('memory'));
      const twins = [
        {
          name: 'redis',
          acquire: (args: string[]) =>
            runScript(redis, ACQUIRE_LOCK.script, keys, args).then(ACQUIRE_LOCK.fromRedis),
          release: (args: string[]) =>
            runScript(redis, RELEASE_LOCK.script, releaseKeys, args).then(RELEASE_LOCK.fromRedis),
          markTtl: () => redis.pttl(keys[2]!),
        },
        {
          name: 'memory',
          acquire: (args: string[]) => memory.run(ACQUIRE_LOCK, keys, args),
          release: (args: string[]) => memory.run(RELEASE_LOCK, releaseKeys, args),
          markTtl: () => memory.command({ name: 'pttl', keys: [keys[2]!], args: [] }),
        },
      ];
      for (const twin of twins) {
        // Uncontended: no mark, and the release publishes nothing.
        expect(await twin.acquire(['a', '10000', '5000'])).toMatchObject({ acquired: true });
        expect(await twin.markTtl()).toBe(-2);
        expect(await twin.release(['a'])).toBe('released');
        // A caller that does not wait (wait 0) leaves no mark either.
        expect(await twin.acquire(['a', '10000', '0'])).toMatchObject({ acquired: true });
        expect(await twin.acquire(['b', '10000', '0'])).toMatchObject({ acquired: false });
        expect(await twin.markTtl()).toBe(-2);
        // A waiter marks it for as long as it waits; a shorter wait does not shorten the mark.
        expect(await twin.acquire(['b', '10000', '5000'])).toMatchObject({ acquired: false });
        expect(await twin.acquire(['c', '10000', '1000'])).toMatchObject({ acquired: false });
        const ttl = Number(await twin.markTtl());
        expect(ttl).toBeGreaterThan(4_000);
        expect(ttl).toBeLessThanOrEqual(5_000);
        // Another holder's token releases nothing and keeps the mark.
        expect(await twin.release(['b'])).toBe('replaced');
        expect(Number(await twin.markTtl())).toBeGreaterThan(0);
        expect(await twin.release(['a'])).toBe('released');
        expect(await twin.markTtl()).toBe(-2);
        expect(await twin.release(['a'])).toBe('expired');
      }
      // One notice per twin: only the release that found the mark published.
      const deadline = Date.now() + 5_000;
      while (notices.length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(notices.sort()).toEqual(['memory', 'redis']);
      memoryListener.stop();
      await redis.del(...keys);
    } finally {
      redis.disconnect();
      subscriber.disconnect();
      await memory.close();
    }
  });
});

describe('server restarts', () => {
  let server: SpawnedRedis;
  beforeEach(async () => {
    server = await spawnRedis();
  });
  afterEach(async () => {
    await server.stop();
  });

  it('a waiter retries through a restart until its deadline, and gets the lock', async () => {
    const config = {
      location: server.url,
      keyPrefix: 'restart',
      redis: { maxRetriesPerRequest: 1, retryStrategy: () => 50 },
    };
    const holderCache = await open(config);
    const waiterCache = await open(config);
    const holder = holderCache.lock('job', { lease: 60_000 });
    expect(await holder.acquire()).toBe(true);
    const waiting = waiterCache.lock('job').acquire({ wait: 8_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Emptied by the restart: the lock is free once the server is back.
    await server.restart();
    expect(await waiting).toBe(true);
  });

  it('a waiter still unreachable at its deadline throws CacheXConnectionError', async () => {
    const cache = await open({
      location: server.url,
      redis: { maxRetriesPerRequest: 0, retryStrategy: () => 50 },
    });
    await cache.get('warm-up');
    await server.stop();
    const started = Date.now();
    await expect(cache.lock('job').acquire({ wait: 1_000 })).rejects.toBeInstanceOf(
      CacheXConnectionError,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('fencing tokens still increase after a restart that lost the counter', async () => {
    const cache = await open({ location: server.url, redis: QUICK_RECONNECT });
    const stale = cache.lock('job', { lease: 60_000 });
    expect(await stale.acquire()).toBe(true);
    await server.restart();
    const successor = cache.lock('job');
    expect(await successor.acquire()).toBe(true);
    // `fence < token` at the store then refuses the stale holder's writes.
    expect(successor.fencingToken!).toBeGreaterThan(stale.fencingToken!);
    await successor.release();
  });
});
