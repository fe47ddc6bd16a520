/**
 * `batching: 'coalesce'`: the gets, increments, single-key deletes and expires of one tick share
 * one command (MGET; a script), and each call still gets its own value, miss or error, in the
 * order of the calls, on every kind of server and client.
 */
import {
  CacheXConnectionError,
  WrongTypeError,
  type Batching,
  type CacheConfig,
  type CacheService,
} from '../../lib/index.js';
import { testServers } from '../harness/index.js';
import { commandCallsDuring, privateServer } from '../support/command-stats.js';
import { redisTargets } from '../support/ioredis5-clients.js';
import { openCaches } from '../support/open-cache.js';
import { whileStopped } from './faults/outage-support.js';
import { defineOp } from '../../lib/backends/atomic-op.js';
import type { CacheBackend } from '../../lib/backends/backend.interface.js';
import type { RedisBackend } from '../../lib/backends/redis/redis.backend.js';
import { MAX_COALESCED } from '../../lib/backends/redis/tick-batcher.js';
import { SCRIPT_BATCH } from '../../lib/backends/redis/script-batch.js';

/** A library op (as locks and rate limits define them) whose calls may answer nil or fail. */
const ADD_OR_FAIL = defineOp<number | null>({
  name: 'test:add-or-fail',
  lua: `if ARGV[1] == 'nil' then return nil end
if ARGV[1] == 'reply-error' then return redis.error_reply('ERR refused ' .. KEYS[1]) end
if ARGV[1] == 'raise' then error('raised') end
return redis.call('INCRBY', KEYS[1], ARGV[1])`,
  memory: () => {
    throw new Error('not on memory');
  },
  fromRedis: (reply) => (reply === null ? null : Number(reply)),
});

const { open } = openCaches();

const targets = redisTargets();

describe.each(targets)('coalesced calls on %s', (_target, config) => {
  it('answers each get of a tick its own value, miss or WrongTypeError, duplicates included', async () => {
    const cache = await open(config());
    // Keys of one hash slot (one MGET on a cluster too) and of others.
    await cache.setMany([
      ['{t}a', 'A'],
      ['{t}b', { n: 1 }],
      ['c', 3],
    ]);
    await cache.hset('{t}h', 'f', 'v');
    await cache.hset('h2', 'f', 'v');
    const calls = ['{t}a', '{t}missing', '{t}h', '{t}b', '{t}a', 'c', 'h2', 'absent', '{t}h'];
    const settled = await Promise.allSettled(calls.map((key) => cache.get(key)));
    const outcome = settled.map((s) =>
      s.status === 'fulfilled' ? s.value : (s.reason as WrongTypeError),
    );
    expect(outcome.slice(0, 2)).toEqual(['A', undefined]);
    expect(outcome[2]).toBeInstanceOf(WrongTypeError);
    expect((outcome[2] as WrongTypeError).key).toBe('{t}h');
    expect(outcome.slice(3, 6)).toEqual([{ n: 1 }, 'A', 3]);
    expect(outcome[6]).toBeInstanceOf(WrongTypeError);
    expect((outcome[6] as WrongTypeError).key).toBe('h2');
    expect(outcome[7]).toBeUndefined();
    expect(outcome[8]).toBeInstanceOf(WrongTypeError);
  });

  it('keeps each increment and delete its own, and fails only the call on a non-integer', async () => {
    const cache = await open(config());
    await cache.set('{t}text', 'abc');
    await cache.set('{t}d1', 1);
    await cache.set('d2', 2);
    const settled = await Promise.allSettled([
      cache.incr('{t}n'),
      cache.incr('{t}n', 10),
      cache.incr('{t}text'),
      cache.incr('m', 5),
      cache.decr('{t}n'),
      cache.delete('{t}d1'),
      cache.delete('{t}d1'),
      cache.delete('d2'),
      cache.delete('{t}never'),
    ]);
    const values = settled.map((s) => (s.status === 'fulfilled' ? s.value : s.reason));
    expect(values[2]).toBeInstanceOf(WrongTypeError);
    expect((values[2] as WrongTypeError).key).toBe('{t}text');
    values[2] = 'error';
    expect(values).toEqual([1, 11, 'error', 5, 10, true, false, true, false]);
  });

  it('gives each expire and touch of a tick its own answer and TTL, in call order', async () => {
    const cache = await open(config());
    await cache.setMany([
      ['{t}a', 1],
      ['b', 2],
      ['{t}gone', 3],
    ]);
    await cache.hset('{t}h', 'f', 'v');
    const answers = await Promise.all([
      cache.touch('{t}a', 60_000),
      cache.expire('b', '2m'),
      cache.touch('{t}missing', 60_000),
      cache.expire('{t}h', 30_000),
      cache.expire('{t}gone', 0),
      cache.touch('b', 90_000),
    ]);
    expect(answers).toEqual([true, true, false, true, true, true]);
    const [a, b, h, gone] = await Promise.all(
      ['{t}a', 'b', '{t}h', '{t}gone'].map((key) => cache.ttl(key)),
    );
    expect(a).toBeGreaterThan(55_000);
    expect(a).toBeLessThanOrEqual(60_000);
    // The later call of the tick wins, as it would one command at a time.
    expect(b).toBeGreaterThan(85_000);
    expect(b).toBeLessThanOrEqual(90_000);
    expect(h).toBeLessThanOrEqual(30_000);
    expect(gone).toBeUndefined();
  });

  it('keeps the order of the calls of one tick across kinds, pipelines and hash commands', async () => {
    const cache = await open(config());
    // Connected: a cluster's pipeline sent before its slot map is known waits for it (ioredis).
    await cache.set('warm', 1);
    const results = await Promise.all([
      cache.get('k'),
      cache.set('k', 'a'),
      cache.get('k'),
      cache.get('k'),
      cache.hset('{k}h', 'f', 1),
      cache.pipeline().set('k', 'b').get('k').exec(),
      cache.get('k'),
      cache.incr('n'),
      cache.incr('n'),
      cache.delete('k'),
      cache.get('k'),
      cache.set('k', 'c'),
      cache.delete('k'),
      cache.delete('k'),
      cache.incr('n'),
      cache.get('n'),
      cache.hget('{k}h', 'f'),
    ]);
    expect(results).toEqual([
      undefined,
      true,
      'a',
      'a',
      1,
      [true, 'b'],
      'b',
      1,
      2,
      true,
      undefined,
      true,
      true,
      false,
      3,
      3,
      1,
    ]);
  });

  it('answers each run of a library op in a tick its own result or error', async () => {
    const cache = await open(config());
    await cache.set('warm', 1);
    const backend = cache.backend as CacheBackend;
    // The cache's full key (prefix and version) of a user key.
    const full = (key: string) =>
      (cache as unknown as { fullKey(key: string): string }).fullKey(key);
    await cache.set('{o}s', 'text');
    const calls: Array<[string, string | number]> = [
      ['{o}a', 1],
      ['{o}a', 'nil'],
      ['{o}a', 2],
      ['{o}b', 'reply-error'],
      ['{o}a', 'raise'],
      ['{o}s', 1],
      ['c', 5],
    ];
    const settled = await Promise.allSettled(
      calls.map(([key, arg]) => backend.run(ADD_OR_FAIL, [full(key)], [arg])),
    );
    const outcome = settled.map((s) => (s.status === 'fulfilled' ? s.value : String(s.reason)));
    expect(outcome.slice(0, 3)).toEqual([1, null, 3]);
    expect(outcome[3]).toMatch(/ERR refused/);
    expect(outcome[4]).toMatch(/raised/);
    expect(outcome[5]).toMatch(/not an integer/);
    expect(outcome[6]).toBe(5);
  });

  it(`answers every call of a tick larger than one batch (${MAX_COALESCED})`, async () => {
    const cache = await open(config());
    const keys = Array.from({ length: 300 }, (_, i) => `key:${i}`);
    await cache.setMany(
      keys.filter((_, i) => i % 3 !== 0).map((key, i): [string, number] => [key, i]),
    );
    const expected = await cache.getMany(keys);
    const values = await Promise.all(keys.map((key) => cache.get(key)));
    expect(values).toEqual(keys.map((key) => expected.get(key)));
    expect(values.filter((v) => v === undefined)).toHaveLength(100);
    const counts = await Promise.all(keys.map(() => cache.incr('{c}n')));
    expect(counts).toEqual(keys.map((_, i) => i + 1));
  });
});

describe('coalesced calls on a binary cache', () => {
  it.each<[string, () => CacheConfig]>([
    ['Redis 7', () => ({ location: testServers().redis.url })],
    ['Redis Cluster', () => ({ location: testServers().cluster.urls, cluster: true })],
  ])('reads each value as bytes on %s', async (_target, config) => {
    const cache = await open({ ...config(), serializer: 'v8', compressor: 'gzip' });
    const values = [{ a: new Date(0) }, new Map([[1, 'x']]), 'text', 42];
    await cache.setMany(values.map((value, i): [string, unknown] => [`{b}${i}`, value]));
    await cache.hset('{b}h', 'f', 'v');
    const settled = await Promise.allSettled([
      ...values.map((_, i) => cache.get(`{b}${i}`)),
      cache.get('{b}missing'),
      cache.get('{b}h'),
    ]);
    expect(settled.slice(0, 5).map((s) => s.status === 'fulfilled' && s.value)).toEqual([
      ...values,
      undefined,
    ]);
    expect(settled[5]).toMatchObject({ status: 'rejected', reason: expect.any(WrongTypeError) });
  });
});

describe.each<Batching>(['tick', 'off'])("batching: '%s'", (batching) => {
  it('answers a tick of mixed calls as coalescing does', async () => {
    const cache = await open({ location: testServers().redis.url, batching });
    await cache.hset('h', 'f', 'v');
    const settled = await Promise.allSettled([
      cache.set('k', 1),
      cache.get('k'),
      cache.get('h'),
      cache.incr('k'),
      cache.delete('k'),
      cache.get('k'),
    ]);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : 'error'))).toEqual([
      true,
      1,
      'error',
      2,
      true,
      undefined,
    ]);
  });
});

describe('commands sent per tick (a private server, INFO commandstats)', () => {
  const { server, admin, during } = privateServer(open);

  it('sends a tick of N gets as one script (MGET, EXISTS of the nils), and one get as a GET', async () => {
    const keys = Array.from({ length: MAX_COALESCED }, (_, i) => `g:${i}`);
    // INFO counts the commands a script runs too. The tick's first call finds the connection
    // idle and leaves at once, alone (a GET); the others are coalesced behind it.
    expect(await during('coalesce', (c) => Promise.all(keys.map((k) => c.get(k))))).toEqual({
      get: 1,
      eval: 1,
      mget: 1,
      exists: 1,
    });
    expect(
      await during('coalesce', async (c) => {
        await c.setMany(keys.map((k): [string, number] => [k, 1]));
        await admin().config('RESETSTAT');
        return Promise.all(keys.map((k) => c.get(k)));
      }),
    ).toEqual({ get: 1, eval: 1, mget: 1 });
    expect(await during('coalesce', (c) => c.get('one'))).toEqual({ get: 1 });
    expect(await during('tick', (c) => Promise.all(keys.map((k) => c.get(k))))).toEqual({
      get: MAX_COALESCED,
    });
  });

  it(`sends a tick of increments, deletes or expires as one script, more calls in ${MAX_COALESCED}s`, async () => {
    const calls300 = Array.from({ length: 300 }, (_, i) => i);
    // The tick's first call leaves alone (the connection is idle); the other 299 go in scripts
    // of MAX_COALESCED calls. INFO counts the commands a script runs too: 300 INCRBY.
    const scripts = Math.ceil(299 / MAX_COALESCED);
    expect(await during('coalesce', (c) => Promise.all(calls300.map(() => c.incr('n'))))).toEqual({
      eval: scripts,
      incrby: 300,
    });
    expect(
      await during('coalesce', (c) => Promise.all(calls300.map((i) => c.delete(`d:${i}`)))),
    ).toEqual({ eval: scripts, unlink: 300 });
    expect(
      await during('coalesce', (c) => Promise.all(calls300.map((i) => c.get(`g:${i}`)))),
    ).toEqual({ get: 1, eval: scripts, mget: scripts, exists: scripts });
    expect(
      await during('coalesce', (c) => Promise.all(calls300.map((i) => c.touch(`t:${i}`, 1000)))),
    ).toEqual({ eval: scripts, pexpire: 300 });
  });

  it('sends a tick of runs of one op as one script; a lone run by EVAL until its connection ran it', async () => {
    const runs = (n: number) => (c: CacheService) =>
      Promise.all(
        Array.from({ length: n }, (_, i) =>
          (c.backend as CacheBackend).run(ADD_OR_FAIL, [`op:${i}`], [1]),
        ),
      );
    const cache = await open({ location: server().url });
    await cache.set('warm', 1);
    const count = (tick: (c: CacheService) => Promise<unknown>) =>
      commandCallsDuring(admin(), () => tick(cache));
    // A connection that never ran the script sends it whole (EVAL loads it), then by SHA.
    expect(await count(runs(1))).toEqual({ eval: 1, incrby: 1 });
    expect(await count(runs(1))).toEqual({ evalsha: 1, incrby: 1 });
    // After ticks of one call, a tick's first run goes ahead alone; the others share one script.
    expect(await count(runs(30))).toEqual({ evalsha: 1, eval: 1, incrby: 30 });
    expect(await count(runs(30))).toEqual({ eval: 1, incrby: 30 });
    // At most SCRIPT_BATCH runs per script: more are several scripts.
    expect(await count(runs(100))).toEqual({ eval: Math.ceil(100 / SCRIPT_BATCH), incrby: 100 });
    // A new connection may reach a server that forgot its scripts: EVAL again.
    const client = (cache.backend as RedisBackend).client;
    const ready = new Promise((resolve) => client.once('ready', resolve));
    client.disconnect(true);
    await ready;
    expect(await count(runs(1))).toEqual({ eval: 1, incrby: 1 });
    expect(
      await during('tick', async (c) => {
        await runs(1)(c);
        await admin().config('RESETSTAT');
        return runs(30)(c);
      }),
    ).toEqual({ evalsha: 30, incrby: 30 });
  });

  it('keeps a lone script run ahead of its tick after a reconnection to a server that forgot it', async () => {
    const cache = await open({ location: server().url });
    const backend = cache.backend as RedisBackend;
    await backend.run(ADD_OR_FAIL, ['o'], [1]); // known to this connection now
    // As a restart would: the server forgets its scripts, the connection is new.
    await admin().script('FLUSH');
    const ready = new Promise((resolve) => backend.client.once('ready', resolve));
    backend.client.disconnect(true);
    await ready;
    // An EVALSHA answered NOSCRIPT would be retried after the GET, which would then read 1.
    expect(await Promise.all([backend.run(ADD_OR_FAIL, ['o'], [5]), backend.get('o')])).toEqual([
      6,
      '6',
    ]);
  });

  it('keeps the order of a tick on a server that knows no script yet (no NOSCRIPT retry)', async () => {
    const cache = await open({ location: server().url });
    await cache.set('warm', 1);
    await admin().script('FLUSH');
    const results = await Promise.all([
      cache.incr('n'),
      cache.incr('n'),
      cache.get('n'),
      cache.get('warm'),
      cache.delete('n'),
      cache.delete('warm'),
      cache.incr('n'),
      cache.get('n'),
    ]);
    expect(results).toEqual([1, 2, 2, 1, true, true, 1, 1]);
  });

  it('fails each call of a batch sent to a stopped server within the command timeout', async () => {
    const cache = await open({ location: server().url, commandTimeout: 300 });
    await cache.set('k', 1);
    const { settled, ms } = await whileStopped(server(), () =>
      Promise.allSettled([
        cache.get('k'),
        cache.get('j'),
        cache.incr('n'),
        cache.incr('n'),
        cache.delete('a'),
        cache.delete('b'),
      ]),
    );
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
