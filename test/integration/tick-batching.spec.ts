import { Redis as Redis5 } from 'ioredis5';
import { CommandOutcomeUnknownError, type CacheConfig } from '../../lib/index.js';
import { testServers } from '../harness/index.js';
import { countWrites, privateServer, socketsOf } from '../support/command-stats.js';
import { redisTargets } from '../support/ioredis5-clients.js';
import { openCaches } from '../support/open-cache.js';
import { WRITE_EVERY } from '../../lib/backends/redis/tick-batcher.js';

const { open } = openCaches();

const targets = redisTargets();

describe.each(targets)('same-tick batching on %s', (_target, config) => {
  it('keeps the order of the commands of one tick, pipelines included', async () => {
    const cache = await open(config());
    await cache.set('warm', 1); // connected: the tick below is batched
    const results = await Promise.all([
      cache.set('k', 'a'),
      cache.get('k'),
      cache.pipeline().set('k', 'b').get('k').exec(),
      cache.get('k'),
      cache.incr('n'),
      cache.incr('n'),
      cache.pipeline().incr('n').incr('n').exec(),
      cache.incr('n', 10),
      cache.getMany(['k', 'warm', 'absent']),
      cache.delete('k'),
      cache.get('k'),
    ]);
    expect(results).toEqual([
      true,
      'a',
      [true, 'b'],
      'b',
      1,
      2,
      [3, 4],
      14,
      new Map<string, unknown>([
        ['k', 'b'],
        ['warm', 1],
      ]),
      true,
      undefined,
    ]);
  });

  it('sends the commands of one tick in one write per node', async () => {
    const cache = await open(config());
    await cache.set('warm', 1);
    const keys = Array.from({ length: 30 }, (_, i) => `key:${i}`);
    const counts = await countWrites(socketsOf(cache), () =>
      Promise.all(keys.map((key, i) => cache.set(key, i))),
    );
    expect(counts.length).toBeGreaterThan(0);
    // One write per node; on an idle standalone connection the tick's first command leaves at
    // once, alone, and the rest in one more write.
    const expected = cache.backend.kind === 'cluster' ? 1 : 2;
    expect(counts).toEqual(counts.map(() => expected));
    // Replies and values are those of the 30 commands, and no socket is left corked.
    expect([...(await cache.getMany(keys)).values()]).toEqual(keys.map((_, i) => i));
    for (const socket of socketsOf(cache)) expect(socket.writableCorked).toBe(0);
  });

  it(`writes a long tick every ${WRITE_EVERY} calls, so the server starts on them`, async () => {
    const cache = await open(config());
    await cache.set('warm', 1);
    const keys = Array.from({ length: 100 }, (_, i) => `long:${i}`);
    const counts = await countWrites(socketsOf(cache), () =>
      Promise.all(keys.map((key, i) => cache.set(key, i))),
    );
    if (cache.backend.kind !== 'cluster') {
      // The first command alone (an idle connection), then a write per WRITE_EVERY calls, and
      // the rest at the end of the tick.
      expect(counts).toEqual([1 + Math.floor(99 / WRITE_EVERY) + 1]);
    } else {
      // Each node's socket is written per WRITE_EVERY calls of the tick, if it holds any.
      for (const count of counts) expect(count).toBeLessThanOrEqual(Math.ceil(100 / WRITE_EVERY));
    }
    expect([...(await cache.getMany(keys)).values()]).toEqual(keys.map((_, i) => i));
    for (const socket of socketsOf(cache)) expect(socket.writableCorked).toBe(0);
  });

  it('loses no command of a tick whose connection drops before the write', async () => {
    const cache = await open(config());
    await cache.set('k', 'before');
    const batch = Promise.allSettled([cache.get('k'), cache.incr('n'), cache.set('k', 'during')]);
    // The tick's commands sit corked: drop the connections before they are written.
    for (const socket of socketsOf(cache)) socket.destroy();
    const settled = await withinSeconds(10, batch);
    for (const outcome of settled) {
      // Re-sent on the new connection (ioredis' default on a cluster and on a client you pass
      // in), or failed as unknown (a standalone connection the cache opened): never stuck.
      if (outcome.status === 'rejected') {
        expect(outcome.reason).toBeInstanceOf(CommandOutcomeUnknownError);
      }
    }
    await withinSeconds(
      10,
      waitFor(() => cache.set('k', 'after')),
    );
    expect(await cache.get('k')).toBe('after');
    for (const s of socketsOf(cache)) expect(s.writableCorked).toBe(0);
  });
});

describe("batching: 'off'", () => {
  it('writes the commands of one tick one by one, as plain ioredis does', async () => {
    const cache = await open({ location: testServers().redis.url, batching: 'off' });
    await cache.set('warm', 1);
    const [count] = await countWrites(socketsOf(cache), () =>
      Promise.all(Array.from({ length: 30 }, (_, i) => cache.set(`key:${i}`, i))),
    );
    expect(count).toBeGreaterThan(1);
  });
});

describe.each([
  ['Redis 7', 'redis-server', false],
  ['Valkey 8', 'valkey-server', false],
  ['an ioredis 5 client', 'redis-server', true],
] as const)('same-tick batching across a restart of %s', (_target, binary, ioredis5) => {
  let client: Redis5 | undefined;
  // Before the server stops (the next afterAll): a client left connected would retry meanwhile.
  afterAll(() => client?.disconnect());
  const { server } = privateServer(open, { binary });

  it('queues the commands of a tick while disconnected and sends them once reconnected', async () => {
    // Retries without limit: the offline queue waits for the restarted server.
    const options = { retryStrategy: () => 50, maxRetriesPerRequest: null };
    let config: CacheConfig;
    if (ioredis5) {
      client = new Redis5({ host: server().host, port: server().port, ...options });
      config = { client: client as never };
    } else {
      config = { location: server().url, redis: options };
    }
    const cache = await open(config);
    await cache.set('k', 'before');
    await server().stop();
    await waitFor(async () => {
      if (socketsOf(cache)[0]?.writable) throw new Error('still connected');
    });
    const batch = Promise.all([
      cache.set('k', 'queued'),
      cache.incr('n'),
      cache.get('k'),
      cache.pipeline().incr('n').get('k').exec(),
    ]);
    await server().restart();
    // The restarted server is empty: the queued commands ran on it, in order.
    expect(await withinSeconds(10, batch)).toEqual([true, 1, 'queued', [2, 'queued']]);
    for (const socket of socketsOf(cache)) expect(socket.writableCorked).toBe(0);
    const counts = await countWrites(socketsOf(cache), () =>
      Promise.all([cache.get('k'), cache.incr('n'), cache.delete('k')]),
    );
    // The first command leaves at once (the connection is idle), the others in one write.
    expect(counts).toEqual([2]);
  });
});

/** Rejects if `promise` is not settled within `seconds`. */
function withinSeconds<T>(seconds: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Retries `attempt` every 50 ms until it resolves, for at most 10 s. */
async function waitFor<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
