import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import type { Redis } from 'ioredis';
import type { RedisBackend } from '../../lib/backends/redis/redis.backend.js';
import {
  CacheXError,
  CrossSlotError,
  InvalidArgumentError,
  NotSupportedError,
  PipelineError,
  SerializationError,
  WrongTypeError,
  type CacheConfig,
  type CacheService,
} from '../../lib/index.js';
import { openCaches, rejection } from './open-caches.js';

/**
 * Pipelines (plain and transactions) and Lua scripts, run unchanged on every backend. Lua runs
 * on Redis, Valkey and Cluster; the memory backend refuses it with NotSupportedError.
 */
export function pipelineContract(label: string, base: () => CacheConfig): void {
  describe(`pipeline contract: ${label}`, () => {
    const open = openCaches(base);
    let cache: CacheService;

    beforeEach(async () => {
      cache = await open();
    });

    describe('pipelines', () => {
      it('answers each operation’s result in order, typed as the cache methods', async () => {
        await cache.set('existing', { a: 1 });
        const results = await cache
          .pipeline()
          .get<{ a: number }>('existing')
          .get('missing')
          .set('k', 'v')
          .incr('n', 5)
          .decr('n')
          .hset('h', { f: 1 })
          .hget<number>('h', 'f')
          .rpush('l', ['a', 'b'])
          .lrange<string>('l', 0, -1)
          .sadd('s', [1, 2])
          .smismember('s', [1, 3])
          .zadd('z', { m: 2, n: 1 })
          .zrange<string>('z', 0, -1, { withScores: true })
          .zpopmin<string>('z')
          .type('h')
          .has('k')
          .delete('k')
          .exec();
        expect(results).toEqual([
          { a: 1 },
          undefined,
          true,
          5,
          4,
          1,
          1,
          2,
          ['a', 'b'],
          2,
          [true, false],
          2,
          [
            { member: 'n', score: 1 },
            { member: 'm', score: 2 },
          ],
          { member: 'n', score: 1 },
          'hash',
          true,
          true,
        ]);
        // Typed tuple: the compiler knows results[6] is number | undefined.
        const field: number | undefined = results[6];
        expect(field).toBe(1);
        expect(await cache.get('n')).toBe(4);
        expect(await cache.has('k')).toBe(false);
      });

      it('applies the prefix, version and encoding exactly as the cache methods', async () => {
        await cache.pipeline().set('a', 'x', { version: 2 }).hset('h', 'f', [1]).exec();
        expect(await cache.get('a')).toBeUndefined();
        expect(await cache.get('a', { version: 2 })).toBe('x');
        expect(await cache.hget('h', 'f')).toEqual([1]);
        expect((await cache.keys()).sort()).toEqual(['h']);
      });

      it('set has the defaults of cache.set: the cache TTL, nx/xx results, ttl null', async () => {
        const c = await open({ ttl: '1h' });
        await c.set('exists', 1);
        const [plain, nxFresh, nxTaken, xxMissing, xxTaken, forever, add] = await c
          .pipeline()
          .set('plain', 1)
          .set('fresh', 1, { nx: true })
          .set('exists', 2, { nx: true })
          .set('absent', 1, { xx: true })
          .set('exists', 3, { xx: true })
          .set('forever', 1, { ttl: null })
          .add('exists', 4)
          .exec();
        expect([plain, nxFresh, nxTaken, xxMissing, xxTaken, forever, add]).toEqual([
          true,
          true,
          false,
          false,
          true,
          true,
          false,
        ]);
        expect(await c.ttl('plain')).toBeGreaterThan(3_590_000);
        expect(await c.ttl('fresh')).toBeGreaterThan(3_590_000);
        expect(await c.ttl('forever')).toBeNull();
        expect(await c.get('exists')).toBe(3);
        expect(await c.has('absent')).toBe(false);
      });

      it('expiry operations match the cache methods', async () => {
        await cache.set('k', 1, { ttl: null });
        const results = await cache
          .pipeline()
          .ttl('k')
          .expire('k', '30s')
          .ttl('k')
          .persist('k')
          .touch('k', '10s')
          .touch('missing', null)
          .expireAt('k', Date.now() + 60_000)
          .touch('k', null)
          .ttl('k')
          .ttl('missing')
          .exec();
        expect(results[0]).toBeNull();
        expect(results[1]).toBe(true);
        expect(results[2]).toBeGreaterThan(29_000);
        expect(results.slice(3, 8)).toEqual([true, true, false, true, true]);
        expect(results[8]).toBeNull();
        expect(results[9]).toBeUndefined();
      });

      it('a failed operation is that entry’s typed error; the others run', async () => {
        await cache.set('text', 'not a hash');
        const error = await rejection(
          cache.pipeline().set('a', 1).hget('text', 'f').incr('a').lpush('text', [1]).exec(),
        );
        expect(error).toBeInstanceOf(PipelineError);
        const failure = error as PipelineError;
        expect(failure.message).toContain('2 of 4');
        expect(failure.cause).toBeInstanceOf(WrongTypeError);
        expect(failure.results[0]).toEqual({ ok: true, value: true });
        expect(failure.results[2]).toEqual({ ok: true, value: 2 });
        expect(failure.errors.map((e) => e.index)).toEqual([1, 3]);
        for (const { error: entry } of failure.errors) {
          expect(entry).toBeInstanceOf(WrongTypeError);
          expect((entry as WrongTypeError).key).toBe('text');
        }
        expect(await cache.get('a')).toBe(2);
        expect(await cache.get('text')).toBe('not a hash');
      });

      it('execSettled answers every entry without throwing', async () => {
        await cache.set('text', 'x');
        await cache.set('bad-json', 1);
        const [ok, wrong, n] = await cache
          .pipeline()
          .get('text')
          .zadd('text', { m: 1 })
          .incr('bad-json')
          .execSettled();
        expect(ok).toEqual({ ok: true, value: 'x' });
        expect(wrong.ok).toBe(false);
        if (!wrong.ok) expect(wrong.error).toBeInstanceOf(WrongTypeError);
        expect(n).toEqual({ ok: true, value: 2 });
      });

      it('checks arguments when queuing: a bad one throws there and nothing is sent', async () => {
        const pipeline = cache.pipeline().set('a', 1);
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        expect(() => pipeline.set('b', 1, { nx: true, xx: true })).toThrow(InvalidArgumentError);
        expect(() => pipeline.set('b', 1, { ttl: 'soon' })).toThrow(InvalidArgumentError);
        expect(() => pipeline.hset('h', 'f', circular)).toThrow(SerializationError);
        expect(() => pipeline.zadd('z', { m: Number.NaN })).toThrow(InvalidArgumentError);
        expect(() => pipeline.incr('n', 0.5)).toThrow(InvalidArgumentError);
        expect(pipeline.length).toBe(1);
        expect(await cache.has('a')).toBe(false);
        expect(await pipeline.exec()).toEqual([true]);
      });

      it('runs once; an empty pipeline answers [] without a round trip', async () => {
        expect(await cache.pipeline().exec()).toEqual([]);
        const pipeline = cache.pipeline().incr('n');
        await pipeline.exec();
        expect(await rejection(pipeline.exec())).toBeInstanceOf(CacheXError);
        expect(() => pipeline.incr('n')).toThrow(CacheXError);
        expect(await cache.get('n')).toBe(1);
      });

      it('keeps the order of results over keys in many hash slots (split per node on a cluster)', async () => {
        let pipeline = cache.pipeline();
        for (let i = 0; i < 60; i++) pipeline = pipeline.set(`key:${i}`, i) as never;
        for (let i = 0; i < 60; i++) pipeline = pipeline.incr(`key:${i}`, i) as never;
        const results = (await pipeline.exec()) as unknown[];
        expect(results.slice(0, 60)).toEqual(Array.from({ length: 60 }, () => true));
        expect(results.slice(60)).toEqual(Array.from({ length: 60 }, (_, i) => 2 * i));
      });

      // The sorted-set limiter of the recipes page as the README shows it (under "Pipelines").
      async function isRateLimited(userId: string, limit = 100, window = 60_000) {
        const key = `ratelimit:${userId}`;
        const now = Date.now();
        const windowStart = now - window;

        const pipe = cache.pipeline();
        pipe.zremrangebyscore(key, 0, windowStart); // remove old entries
        pipe.zadd(key, { [`${now}:${randomUUID()}`]: now }); // add this request, one member per request
        pipe.zcard(key); // count requests in the window
        pipe.expire(key, window); // milliseconds, like every plain-number TTL of the library
        const results = await pipe.exec();

        const count = results[2] as number;
        return count > limit;
      }

      /** Runs `fn` with `Date.now()` stopped at one millisecond, as when requests arrive together. */
      async function inOneMillisecond<T>(fn: () => Promise<T>): Promise<T> {
        const clock = jest.spyOn(Date, 'now').mockReturnValue(Date.now());
        try {
          return await fn();
        } finally {
          clock.mockRestore();
        }
      }

      it("runs the README's rate-limit recipe: N requests in the same millisecond count N", async () => {
        const verdicts = await inOneMillisecond(async () => {
          const answers: boolean[] = [];
          for (let i = 0; i < 5; i++) answers.push(await isRateLimited('42', 3));
          return answers;
        });
        expect(verdicts).toEqual([false, false, false, true, true]);
        expect(await cache.zcard('ratelimit:42')).toBe(5);
        expect(await isRateLimited('43', 3)).toBe(false);
        expect(await cache.ttl('ratelimit:42')).toBeGreaterThan(59_000);

        // Concurrent requests of one millisecond are counted apart too.
        const concurrent = await inOneMillisecond(() =>
          Promise.all(Array.from({ length: 5 }, () => isRateLimited('44', 3))),
        );
        expect(concurrent.filter((limited) => !limited).length).toBeLessThanOrEqual(3);
        expect(await cache.zcard('ratelimit:44')).toBe(5);

        // Why the member must be unique: the recipes page's member, the timestamp itself, makes
        // the requests of one millisecond one member, so none of them is ever limited.
        const collapsed = await inOneMillisecond(async () => {
          const now = Date.now();
          for (let i = 0; i < 5; i++) await cache.zadd('ratelimit:45', { [String(now)]: now });
          return cache.zcard('ratelimit:45');
        });
        expect(collapsed).toBe(1);
      });

      it("runs the README's chained form of the recipe, typed", async () => {
        const key = 'ratelimit:46';
        const now = Date.now();
        const [removed, added, count, expired] = await cache
          .pipeline()
          .zremrangebyscore(key, 0, now - 60_000)
          .zadd(key, { [`${now}:${randomUUID()}`]: now })
          .zcard(key)
          .expire(key, '1m') // or 60_000 (ms)
          .exec();
        expect([removed, added, count, expired]).toEqual([0, 1, 1, true]);
      });
    });

    describe('transactions', () => {
      it('run the operations together and answer them like a pipeline', async () => {
        const [a, b, list] = await cache
          .pipeline({ transaction: true })
          .incr('{t}:a')
          .incr('{t}:b', 2)
          .rpush('{t}:l', ['x'])
          .exec();
        expect([a, b, list]).toEqual([1, 2, 1]);
      });

      it('a failing command does not undo nor stop the others (as Redis MULTI/EXEC)', async () => {
        await cache.set('{t}:s', 'text');
        const settled = await cache
          .pipeline({ transaction: true })
          .incr('{t}:n')
          .hset('{t}:s', 'f', 1)
          .incr('{t}:n')
          .execSettled();
        expect(settled[0]).toEqual({ ok: true, value: 1 });
        expect(settled[1].ok).toBe(false);
        if (!settled[1].ok) expect(settled[1].error).toBeInstanceOf(WrongTypeError);
        expect(settled[2]).toEqual({ ok: true, value: 2 });
      });

      it('are isolated: concurrent transactions never interleave', async () => {
        await Promise.all(
          Array.from({ length: 20 }, () =>
            cache
              .pipeline({ transaction: true })
              .rpush('{t}:log', ['start'])
              .rpush('{t}:log', ['end'])
              .exec(),
          ),
        );
        const log = await cache.lrange<string>('{t}:log', 0, -1);
        expect(log).toHaveLength(40);
        for (let i = 0; i < 40; i += 2) expect([log[i], log[i + 1]]).toEqual(['start', 'end']);
      });

      it('over keys of different slots: refused when queued on a cluster, fine elsewhere', async () => {
        const transaction = cache.pipeline({ transaction: true }).set('one', 1);
        if (cache.kind === 'cluster') {
          let error: unknown;
          try {
            transaction.set('two', 2);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(CrossSlotError);
          expect((error as CrossSlotError).operation).toBe('transaction');
          expect((error as CrossSlotError).keys).toEqual(['one', 'two']);
          expect(await transaction.exec()).toEqual([true]);
        } else {
          expect(await transaction.set('two', 2).exec()).toEqual([true, true]);
        }
      });
    });

    describe('Lua scripts', () => {
      const SWAP = `local old = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1])
return old`;

      it('eval: keys get the prefix and version, values are encoded and replies decoded on request', async () => {
        if (cache.kind === 'memory') {
          const error = await rejection(cache.eval(SWAP, { keys: ['k'], args: ['x'] }));
          expect(error).toBeInstanceOf(NotSupportedError);
          expect((error as NotSupportedError).cache).toBe('default');
          expect((error as NotSupportedError).operation).toBe('eval');
          expect((error as Error).message).toContain('memory');
          return;
        }
        await cache.set('greeting', { text: 'hi' });
        const old = await cache.eval(SWAP, { keys: ['greeting'], values: [['new']], decode: true });
        expect(old).toEqual({ text: 'hi' });
        expect(await cache.get('greeting')).toEqual(['new']);
        const raw = await cache.eval(SWAP, { keys: ['greeting'], args: ['7'] });
        expect(raw).toBe('["new"]');
        expect(await cache.get('greeting')).toBe(7);
        expect(
          await cache.eval("return redis.call('GET', KEYS[1])", { keys: ['none'] }),
        ).toBeUndefined();
        expect(await cache.eval('return {1, ARGV[1], {ARGV[2]}}', { args: ['a', 2] })).toEqual([
          1,
          'a',
          ['2'],
        ]);
        expect(
          await cache.eval('return {ARGV[1], ARGV[2]}', { values: [{ a: 1 }, 'b'], decode: true }),
        ).toEqual([{ a: 1 }, 'b']);
      });

      it('defineScript runs by SHA and falls back to EVAL when the server forgot it', async () => {
        const swap = cache.defineScript<string | undefined>('swap', SWAP);
        expect(swap.name).toBe('swap');
        expect(swap.sha).toMatch(/^[0-9a-f]{40}$/);
        if (cache.kind === 'memory') {
          const error = await rejection(swap({ keys: ['k'], args: ['1'] }));
          expect(error).toBeInstanceOf(NotSupportedError);
          expect((error as Error).message).toContain("script 'swap'");
          expect(await cache.has('k')).toBe(false);
          return;
        }
        expect(await swap({ keys: ['k'], args: ['1'] })).toBeUndefined();
        expect(await swap({ keys: ['k'], args: ['2'] })).toBe('1');
        if (cache.kind === 'redis') {
          await ((cache.backend as RedisBackend).client as Redis).script('FLUSH');
        }
        expect(await swap({ keys: ['k'], args: ['3'], decode: true })).toBe(2);
        expect(await cache.get('k')).toBe(3);
      });

      it('a script error is a typed error naming the cache', async () => {
        if (cache.kind === 'memory') return;
        const error = await rejection(cache.eval("return redis.error_reply('boom')"));
        expect(error).toBeInstanceOf(CacheXError);
        expect((error as Error).message).toContain('boom');
        await cache.hset('h', 'f', 1);
        const wrong = await rejection(
          cache.eval("return redis.call('GET', KEYS[1])", { keys: ['h'] }),
        );
        expect(wrong).toBeInstanceOf(CacheXError);
        await expect(cache.eval('')).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(
          cache.eval('return 1', { args: [{}] as unknown as string[] }),
        ).rejects.toBeInstanceOf(InvalidArgumentError);
      });

      it('keys of one script must share a hash slot on a cluster', async () => {
        if (cache.kind !== 'cluster') return;
        const error = await rejection(cache.eval('return 1', { keys: ['a', 'b'] }));
        expect(error).toBeInstanceOf(CrossSlotError);
        expect((error as CrossSlotError).operation).toBe('eval');
        expect(await cache.eval('return #KEYS', { keys: ['{t}:a', '{t}:b'] })).toBe(2);
      });

      it('scripts can be queued in a pipeline (EVAL); on memory the entry is NotSupportedError', async () => {
        const swap = cache.defineScript('swap', SWAP);
        const settled = await cache
          .pipeline()
          .set('{p}:a', 1)
          .eval(swap, { keys: ['{p}:a'], values: [2], decode: true })
          .eval('return ARGV[1]', { args: ['x'] })
          .get('{p}:a')
          .execSettled();
        expect(settled[0]).toEqual({ ok: true, value: true });
        if (cache.kind === 'memory') {
          for (const entry of [settled[1], settled[2]]) {
            expect(entry.ok).toBe(false);
            if (!entry.ok) expect(entry.error).toBeInstanceOf(NotSupportedError);
          }
          expect(settled[3]).toEqual({ ok: true, value: 1 });
        } else {
          expect(settled.slice(1)).toEqual([
            { ok: true, value: 1 },
            { ok: true, value: 'x' },
            { ok: true, value: 2 },
          ]);
        }
      });
    });
  });
}
