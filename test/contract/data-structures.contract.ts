import {
  CrossSlotError,
  InvalidArgumentError,
  KeyNotFoundError,
  WrongTypeError,
  type CacheConfig,
  type CacheService,
} from '../../lib/index.js';
import { openCaches, rejection, sleep } from './open-caches.js';

/**
 * The data-structure operations (hashes, lists, sets, sorted sets, `type`), run unchanged on
 * every backend: same results, same typed errors, same TTL and empty-collection behaviour.
 */
export function dataStructuresContract(label: string, base: () => CacheConfig): void {
  describe(`data structures contract: ${label}`, () => {
    const open = openCaches(base);
    let cache: CacheService;

    beforeEach(async () => {
      cache = await open();
    });

    describe('type', () => {
      it('names the type of each key, undefined when missing', async () => {
        await cache.set('s', 'text');
        await cache.hset('h', 'f', 1);
        await cache.rpush('l', [1]);
        await cache.sadd('st', [1]);
        await cache.zadd('z', { a: 1 });
        expect(await cache.type('s')).toBe('string');
        expect(await cache.type('h')).toBe('hash');
        expect(await cache.type('l')).toBe('list');
        expect(await cache.type('st')).toBe('set');
        expect(await cache.type('z')).toBe('zset');
        expect(await cache.type('missing')).toBeUndefined();
      });

      it('a plain set over a collection replaces it', async () => {
        await cache.hset('k', { a: 1, b: 2 });
        expect(await cache.set('k', 'now a string')).toBe(true);
        expect(await cache.type('k')).toBe('string');
        expect(await cache.get('k')).toBe('now a string');
        await cache.zadd('k2', { m: 1 });
        await cache.setMany({ k2: 5 });
        expect(await cache.incr('k2')).toBe(6);
      });
    });

    describe('wrong types', () => {
      const collectionOps: Array<[string, (c: CacheService, k: string) => Promise<unknown>]> = [
        ['hset', (c, k) => c.hset(k, 'f', 1)],
        ['hget', (c, k) => c.hget(k, 'f')],
        ['hgetall', (c, k) => c.hgetall(k)],
        ['hincrby', (c, k) => c.hincrby(k, 'f')],
        ['hlen', (c, k) => c.hlen(k)],
        ['lpush', (c, k) => c.lpush(k, [1])],
        ['lrange', (c, k) => c.lrange(k, 0, -1)],
        ['lpop', (c, k) => c.lpop(k)],
        ['llen', (c, k) => c.llen(k)],
        ['sadd', (c, k) => c.sadd(k, [1])],
        ['smembers', (c, k) => c.smembers(k)],
        ['sismember', (c, k) => c.sismember(k, 1)],
        ['scard', (c, k) => c.scard(k)],
        ['zadd', (c, k) => c.zadd(k, { m: 1 })],
        ['zrange', (c, k) => c.zrange(k, 0, -1)],
        ['zscore', (c, k) => c.zscore(k, 'm')],
        ['zcard', (c, k) => c.zcard(k)],
        ['zremrangebyscore', (c, k) => c.zremrangebyscore(k, '-inf', '+inf')],
      ];

      it.each(collectionOps)(
        '%s on a string throws WrongTypeError naming the key',
        async (_, op) => {
          await cache.set('str', 'value');
          const error = await rejection(op(cache, 'str'));
          expect(error).toBeInstanceOf(WrongTypeError);
          expect((error as WrongTypeError).key).toBe('str');
          expect((error as Error).message).toContain("'str'");
          expect(await cache.get('str')).toBe('value');
        },
      );

      it('every type refuses the operations of the others, and get refuses collections', async () => {
        await cache.hset('h', 'f', 1);
        await cache.rpush('l', [1]);
        await cache.sadd('s', [1]);
        await cache.zadd('z', { m: 1 });
        const attempts = [
          cache.rpush('h', [1]),
          cache.sadd('l', [1]),
          cache.zadd('s', { m: 1 }),
          cache.hset('z', 'f', 1),
          cache.lrange('z', 0, -1),
          cache.smembers('h'),
          cache.get('h'),
          cache.get('z'),
          cache.incr('l'),
        ];
        for (const attempt of attempts) {
          expect(await rejection(attempt)).toBeInstanceOf(WrongTypeError);
        }
        expect(await cache.hgetall('h')).toEqual({ f: 1 });
        expect(await cache.lrange('l', 0, -1)).toEqual([1]);
      });

      it('multi-key operations refuse a key of another type', async () => {
        await cache.set('{g}:s', 'x');
        await cache.sadd('{g}:a', [1]);
        expect(await rejection(cache.sinter(['{g}:a', '{g}:s']))).toBeInstanceOf(WrongTypeError);
        expect(await rejection(cache.sunion(['{g}:a', '{g}:s']))).toBeInstanceOf(WrongTypeError);
        await cache.rpush('{g}:l', [1]);
        expect(await rejection(cache.lmove('{g}:l', '{g}:s', 'left', 'right'))).toBeInstanceOf(
          WrongTypeError,
        );
        // Nothing moved: the destination is checked first.
        expect(await cache.llen('{g}:l')).toBe(1);
        // As Redis: a missing source answers undefined, whatever the destination holds.
        expect(await cache.lmove('{g}:missing', '{g}:s', 'left', 'right')).toBeUndefined();
        expect(await cache.get('{g}:s')).toBe('x');
      });
    });

    describe('time to live', () => {
      it('collections get no TTL of their own (as in Redis); writes keep a TTL given with expire', async () => {
        const c = await open({ ttl: '1h' });
        await c.hset('h', 'a', 1);
        await c.rpush('l', [1]);
        await c.sadd('s', [1]);
        await c.zadd('z', { m: 1 });
        for (const key of ['h', 'l', 's', 'z']) expect(await c.ttl(key)).toBeNull();
        for (const key of ['h', 'l', 's', 'z']) expect(await c.expire(key, '10m')).toBe(true);
        await c.hset('h', 'b', 2);
        await c.rpush('l', [2]);
        await c.sadd('s', [2]);
        await c.zadd('z', { n: 2 });
        await c.hincrby('h', 'a');
        await c.zincrby('z', 'm', 1);
        for (const key of ['h', 'l', 's', 'z']) {
          expect(await c.ttl(key)).toBeGreaterThan(590_000);
          expect(await c.ttl(key)).toBeLessThanOrEqual(600_000);
        }
      });

      it('a collection expires as a whole', async () => {
        await cache.hset('h', 'a', 1);
        await cache.zadd('z', { m: 1 });
        await cache.expire('h', 60);
        await cache.expire('z', 60);
        await sleep(150);
        expect(await cache.hgetall('h')).toEqual({});
        expect(await cache.zcard('z')).toBe(0);
        expect(await cache.type('h')).toBeUndefined();
        expect(await cache.keys()).toEqual([]);
      });

      it('a collection emptied and re-created starts without the old TTL', async () => {
        await cache.sadd('s', ['a']);
        await cache.expire('s', '1h');
        await cache.srem('s', ['a']);
        await cache.sadd('s', ['b']);
        expect(await cache.ttl('s')).toBeNull();
      });
    });

    describe('empty collections are deleted', () => {
      const emptying: Array<[string, string, (c: CacheService) => Promise<unknown>]> = [
        ['hdel', 'k', async (c) => (await c.hset('k', 'f', 1), c.hdel('k', 'f'))],
        ['lpop', 'k', async (c) => (await c.rpush('k', [1]), c.lpop('k'))],
        ['rpop with count', 'k', async (c) => (await c.rpush('k', [1, 2]), c.rpop('k', 5))],
        ['ltrim', 'k', async (c) => (await c.rpush('k', [1, 2]), c.ltrim('k', 5, 10))],
        ['lrem', 'k', async (c) => (await c.rpush('k', [1, 1]), c.lrem('k', 0, 1))],
        [
          'lmove',
          '{k}',
          async (c) => (await c.rpush('{k}', [1]), c.lmove('{k}', '{k}:to', 'left', 'left')),
        ],
        ['srem', 'k', async (c) => (await c.sadd('k', [1, 2]), c.srem('k', [1, 2]))],
        ['spop', 'k', async (c) => (await c.sadd('k', [1]), c.spop('k'))],
        ['zrem', 'k', async (c) => (await c.zadd('k', { a: 1 }), c.zrem('k', ['a']))],
        ['zpopmin', 'k', async (c) => (await c.zadd('k', { a: 1, b: 2 }), c.zpopmin('k', 2))],
        ['zpopmax', 'k', async (c) => (await c.zadd('k', { a: 1 }), c.zpopmax('k'))],
        [
          'zremrangebyscore',
          'k',
          async (c) => (await c.zadd('k', { a: 1 }), c.zremrangebyscore('k', 0, 5)),
        ],
        [
          'zremrangebyrank',
          'k',
          async (c) => (await c.zadd('k', { a: 1 }), c.zremrangebyrank('k', 0, -1)),
        ],
      ];

      it.each(emptying)('%s', async (_, key, empty) => {
        await empty(cache);
        expect(await cache.has(key)).toBe(false);
        expect(await cache.type(key)).toBeUndefined();
        expect(await cache.keys()).not.toContain(key);
      });
    });

    describe('hashes', () => {
      it('stores fields as given and values encoded; reads back what was written', async () => {
        expect(await cache.hset('user', { name: 'Ada', age: 36, tags: ['x'], none: null })).toBe(4);
        expect(await cache.hset('user', 'name', 'Ada L.')).toBe(0);
        expect(await cache.hset('user', [['ключ 🔑', '123']])).toBe(1);
        expect(await cache.hget('user', 'name')).toBe('Ada L.');
        expect(await cache.hget('user', 'age')).toBe(36);
        expect(await cache.hget('user', 'none')).toBeNull();
        expect(await cache.hget('user', 'ключ 🔑')).toBe('123');
        expect(await cache.hget('user', 'missing')).toBeUndefined();
        expect(await cache.hget('missing', 'name')).toBeUndefined();
        expect(await cache.hmget('user', ['age', 'missing', 'tags'])).toEqual([
          36,
          undefined,
          ['x'],
        ]);
        expect(await cache.hgetall('user')).toEqual({
          name: 'Ada L.',
          age: 36,
          tags: ['x'],
          none: null,
          'ключ 🔑': '123',
        });
        expect((await cache.hkeys('user')).sort()).toEqual(
          ['age', 'name', 'none', 'tags', 'ключ 🔑'].sort(),
        );
        expect(await cache.hvals('user')).toHaveLength(5);
        expect(await cache.hlen('user')).toBe(5);
        expect(await cache.hexists('user', 'age')).toBe(true);
        expect(await cache.hexists('user', 'nope')).toBe(false);
        expect(await cache.hdel('user', ['age', 'nope'])).toBe(1);
        expect(await cache.hdel('user', 'name')).toBe(1);
        expect(await cache.hlen('user')).toBe(3);
        expect(await cache.hgetall('missing')).toEqual({});
        expect(await cache.hkeys('missing')).toEqual([]);
        expect(await cache.hlen('missing')).toBe(0);
      });

      it('keeps a field named __proto__ as a plain field', async () => {
        await cache.hset('h', { ['__proto__']: 1, constructor: 2 } as Record<string, number>);
        await cache.hset('h', '__proto__', 'p');
        const all = await cache.hgetall('h');
        expect(Object.keys(all).sort()).toEqual(['__proto__', 'constructor']);
        expect(all['__proto__']).toBe('p');
      });

      it('hsetnx writes only a missing field', async () => {
        expect(await cache.hsetnx('h', 'f', 'first')).toBe(true);
        expect(await cache.hsetnx('h', 'f', 'second')).toBe(false);
        expect(await cache.hget('h', 'f')).toBe('first');
      });

      it('hincrby and hincrbyfloat count from 0 and read back as numbers', async () => {
        expect(await cache.hincrby('h', 'n')).toBe(1);
        expect(await cache.hincrby('h', 'n', 41)).toBe(42);
        expect(await cache.hincrby('h', 'n', -50)).toBe(-8);
        expect(await cache.hget('h', 'n')).toBe(-8);
        await cache.hset('h', 'set-with-hset', 10);
        expect(await cache.hincrby('h', 'set-with-hset', 5)).toBe(15);
        expect(await cache.hincrbyfloat('h', 'f', 0.1)).toBe(0.1);
        expect(await cache.hincrbyfloat('h', 'f', 0.2)).toBe(0.3);
        expect(await cache.hincrbyfloat('h', 'f', 10)).toBe(10.3);
        expect(await cache.hincrbyfloat('h', 'n', 0.5)).toBe(-7.5);
        expect(await cache.hget('h', 'f')).toBe(10.3);
      });

      it('hincrbyfloat keeps every digit of a double, as Redis’ long doubles do', async () => {
        expect(await cache.hincrbyfloat('h', 'f', 408.4982661958472)).toBe(408.4982661958472);
        expect(await cache.hincrbyfloat('h', 'f', 646.0818325447011)).toBe(1054.5800987405482);
        expect(await cache.hincrbyfloat('h', 'third', 1 / 3)).toBe(1 / 3);
        expect(await cache.hget('h', 'third')).toBe(1 / 3);
        for (let i = 0; i < 3; i++) await cache.hincrbyfloat('h', 'total', 9.99);
        expect(await cache.hget('h', 'total')).toBe(29.97);
        expect(await cache.hincrbyfloat('h', 'total', -29.97)).toBe(0);
      });

      it('hincrby on a field that is not an integer throws WrongTypeError and changes nothing', async () => {
        await cache.hset('h', { text: 'abc', float: 1.5 });
        for (const field of ['text', 'float']) {
          expect(await rejection(cache.hincrby('h', field))).toBeInstanceOf(WrongTypeError);
        }
        expect(await rejection(cache.hincrbyfloat('h', 'text', 1))).toBeInstanceOf(WrongTypeError);
        expect(await cache.hgetall('h')).toEqual({ text: 'abc', float: 1.5 });
      });

      it('refuses malformed arguments with InvalidArgumentError, sending nothing', async () => {
        const attempts = [
          cache.hset('h', {}),
          cache.hset('h', 42 as unknown as string, 1),
          cache.hmget('h', []),
          cache.hdel('h', []),
          cache.hincrby('h', 'f', 1.5),
          cache.hincrbyfloat('h', 'f', Number.NaN),
          cache.hincrbyfloat('h', 'f', Infinity),
        ];
        for (const attempt of attempts) {
          expect(await rejection(attempt)).toBeInstanceOf(InvalidArgumentError);
        }
        expect(await cache.has('h')).toBe(false);
      });
    });

    describe('lists', () => {
      it('pushes at both ends and reads ranges with negative indexes, end included', async () => {
        expect(await cache.rpush('l', ['b', 'c'])).toBe(2);
        expect(await cache.lpush('l', ['a', 'z'])).toBe(4);
        expect(await cache.lrange('l', 0, -1)).toEqual(['z', 'a', 'b', 'c']);
        expect(await cache.lrange('l', 1, 2)).toEqual(['a', 'b']);
        expect(await cache.lrange('l', -2, -1)).toEqual(['b', 'c']);
        expect(await cache.lrange('l', -100, 100)).toEqual(['z', 'a', 'b', 'c']);
        expect(await cache.lrange('l', 3, 1)).toEqual([]);
        expect(await cache.lrange('missing', 0, -1)).toEqual([]);
        expect(await cache.lindex('l', 0)).toBe('z');
        expect(await cache.lindex('l', -1)).toBe('c');
        expect(await cache.lindex('l', 10)).toBeUndefined();
        expect(await cache.llen('l')).toBe(4);
        expect(await cache.llen('missing')).toBe(0);
      });

      it('keeps values of any type, an array being one element', async () => {
        await cache.rpush('l', [{ id: 1 }, [1, 2], null, 7, '7']);
        expect(await cache.lrange('l', 0, -1)).toEqual([{ id: 1 }, [1, 2], null, 7, '7']);
      });

      it('pops one value or, with a count, an array', async () => {
        await cache.rpush('l', [1, 2, 3, 4, 5]);
        expect(await cache.lpop('l')).toBe(1);
        expect(await cache.rpop('l')).toBe(5);
        expect(await cache.lpop('l', 2)).toEqual([2, 3]);
        expect(await cache.rpop('l', 5)).toEqual([4]);
        expect(await cache.lpop('l')).toBeUndefined();
        expect(await cache.lpop('l', 3)).toEqual([]);
        expect(await cache.rpop('missing', 0)).toEqual([]);
      });

      it('lset replaces by index; a missing list or an index out of range is a typed error', async () => {
        await cache.rpush('l', ['a', 'b']);
        await cache.lset('l', -1, 'B');
        expect(await cache.lrange('l', 0, -1)).toEqual(['a', 'B']);
        const missing = await rejection(cache.lset('missing', 0, 'x'));
        expect(missing).toBeInstanceOf(KeyNotFoundError);
        expect((missing as KeyNotFoundError).key).toBe('missing');
        const outside = await rejection(cache.lset('l', 5, 'x'));
        expect(outside).toBeInstanceOf(InvalidArgumentError);
        expect((outside as InvalidArgumentError).argument).toBe('index');
        expect(await cache.has('missing')).toBe(false);
      });

      it('ltrim keeps a range', async () => {
        await cache.rpush('l', [0, 1, 2, 3, 4, 5]);
        await cache.ltrim('l', 1, -2);
        expect(await cache.lrange('l', 0, -1)).toEqual([1, 2, 3, 4]);
        await cache.ltrim('missing', 0, 1);
        expect(await cache.has('missing')).toBe(false);
      });

      it('lrem removes from the head, the tail or everywhere', async () => {
        await cache.rpush('l', ['x', 'a', 'x', 'b', 'x']);
        expect(await cache.lrem('l', 1, 'x')).toBe(1);
        expect(await cache.lrange('l', 0, -1)).toEqual(['a', 'x', 'b', 'x']);
        expect(await cache.lrem('l', -1, 'x')).toBe(1);
        expect(await cache.lrange('l', 0, -1)).toEqual(['a', 'x', 'b']);
        await cache.rpush('l', ['x', 'x']);
        expect(await cache.lrem('l', 0, 'x')).toBe(3);
        expect(await cache.lrange('l', 0, -1)).toEqual(['a', 'b']);
        expect(await cache.lrem('l', 0, 'nothing')).toBe(0);
      });

      it('lmove moves between lists (hash-tagged keys) and rotates one list, keeping its TTL', async () => {
        await cache.rpush('{q}:pending', ['j1', 'j2']);
        expect(await cache.lmove('{q}:pending', '{q}:running', 'left', 'right')).toBe('j1');
        expect(await cache.lmove('{q}:pending', '{q}:running', 'right', 'left')).toBe('j2');
        expect(await cache.lrange('{q}:running', 0, -1)).toEqual(['j2', 'j1']);
        expect(await cache.has('{q}:pending')).toBe(false);
        expect(await cache.lmove('{q}:pending', '{q}:running', 'left', 'left')).toBeUndefined();
        await cache.expire('{q}:running', '1h');
        expect(await cache.lmove('{q}:running', '{q}:running', 'left', 'right')).toBe('j2');
        expect(await cache.lrange('{q}:running', 0, -1)).toEqual(['j1', 'j2']);
        await cache.ltrim('{q}:running', 0, 0);
        expect(await cache.lmove('{q}:running', '{q}:running', 'left', 'right')).toBe('j1');
        expect(await cache.ttl('{q}:running')).toBeGreaterThan(3_500_000);
        const bad = await rejection(
          cache.lmove('{q}:running', '{q}:other', 'up' as 'left', 'right'),
        );
        expect(bad).toBeInstanceOf(InvalidArgumentError);
      });

      it('lmove between keys of different slots: refused on a cluster, fine elsewhere', async () => {
        await cache.rpush('from', ['v']);
        if (cache.kind === 'cluster') {
          const error = await rejection(cache.lmove('from', 'to', 'left', 'left'));
          expect(error).toBeInstanceOf(CrossSlotError);
          expect((error as CrossSlotError).keys).toEqual(['from', 'to']);
          expect((error as Error).message).toContain('hash tag');
          expect(await cache.llen('from')).toBe(1);
        } else {
          expect(await cache.lmove('from', 'to', 'left', 'left')).toBe('v');
        }
      });
    });

    describe('sets', () => {
      it('adds, removes and tests members; members are encoded values', async () => {
        expect(await cache.sadd('s', ['a', 'b', 'a', 1, '1', { x: 1 }])).toBe(5);
        expect(await cache.sadd('s', ['a'])).toBe(0);
        expect(await cache.scard('s')).toBe(5);
        expect(await cache.sismember('s', 'a')).toBe(true);
        expect(await cache.sismember('s', 1)).toBe(true);
        expect(await cache.sismember('s', { x: 1 })).toBe(true);
        expect(await cache.sismember('s', 'zz')).toBe(false);
        expect(await cache.sismember('missing', 'a')).toBe(false);
        expect(await cache.smismember('s', ['a', 'zz', '1'])).toEqual([true, false, true]);
        expect(await cache.srem('s', ['a', 'zz'])).toBe(1);
        const members = await cache.smembers('s');
        expect(members).toHaveLength(4);
        expect(members).toEqual(expect.arrayContaining(['b', 1, '1', { x: 1 }]));
        expect(await cache.smembers('missing')).toEqual([]);
        expect(await cache.scard('missing')).toBe(0);
      });

      it('spop and srandmember pick members at random', async () => {
        const all = ['a', 'b', 'c', 'd'];
        await cache.sadd('s', all);
        const picked = await cache.srandmember<string>('s', 3);
        expect(new Set(picked).size).toBe(3);
        for (const m of picked) expect(all).toContain(m);
        expect(await cache.srandmember('s', 10)).toHaveLength(4);
        const repeated = await cache.srandmember<string>('s', -10);
        expect(repeated).toHaveLength(10);
        for (const m of repeated) expect(all).toContain(m);
        expect(all).toContain(await cache.srandmember('s'));
        expect(await cache.scard('s')).toBe(4);
        const popped = await cache.spop<string>('s');
        expect(all).toContain(popped);
        const more = await cache.spop<string>('s', 2);
        expect(more).toHaveLength(2);
        expect(new Set([popped, ...more]).size).toBe(3);
        expect(await cache.scard('s')).toBe(1);
        expect(await cache.spop('missing')).toBeUndefined();
        expect(await cache.spop('missing', 2)).toEqual([]);
        expect(await cache.srandmember('missing')).toBeUndefined();
        expect(await cache.srandmember('missing', 2)).toEqual([]);
      });

      it('sinter, sunion and sdiff over hash-tagged keys, a missing key being empty', async () => {
        await cache.sadd('{u1}:a', [1, 2, 3]);
        await cache.sadd('{u1}:b', [2, 3, 4]);
        await cache.sadd('{u1}:c', [3]);
        expect((await cache.sinter<number>(['{u1}:a', '{u1}:b'])).sort()).toEqual([2, 3]);
        expect(await cache.sinter(['{u1}:a', '{u1}:b', '{u1}:c'])).toEqual([3]);
        expect(await cache.sinter(['{u1}:a', '{u1}:missing'])).toEqual([]);
        expect((await cache.sunion<number>(['{u1}:a', '{u1}:b'])).sort()).toEqual([1, 2, 3, 4]);
        expect((await cache.sunion<number>(['{u1}:a', '{u1}:missing'])).sort()).toEqual([1, 2, 3]);
        expect((await cache.sdiff<number>(['{u1}:a', '{u1}:b'])).sort()).toEqual([1]);
        expect(await cache.sdiff(['{u1}:missing', '{u1}:a'])).toEqual([]);
        expect((await cache.sinter<number>(['{u1}:a'])).sort()).toEqual([1, 2, 3]);
      });

      it('multi-key set operations over keys of different slots: refused on a cluster, fine elsewhere', async () => {
        await cache.sadd('left', [1, 2]);
        await cache.sadd('right', [2]);
        if (cache.kind === 'cluster') {
          for (const op of [cache.sinter(['left', 'right']), cache.sdiff(['left', 'right'])]) {
            const error = await rejection(op);
            expect(error).toBeInstanceOf(CrossSlotError);
            expect((error as CrossSlotError).operation).toMatch(/^s(inter|diff)$/);
          }
        } else {
          expect(await cache.sinter(['left', 'right'])).toEqual([2]);
          expect(await cache.sdiff(['left', 'right'])).toEqual([1]);
        }
      });

      it('refuses malformed arguments', async () => {
        const attempts = [
          cache.sadd('s', []),
          cache.sadd('s', 'a' as unknown as unknown[]),
          cache.spop('s', -1),
          cache.sinter([]),
        ];
        for (const attempt of attempts) {
          expect(await rejection(attempt)).toBeInstanceOf(InvalidArgumentError);
        }
      });
    });

    describe('sorted sets', () => {
      it('orders by score, then by member bytes (Unicode included); ranges by rank', async () => {
        expect(await cache.zadd('z', { c: 2, b: 2, a: 2, low: -1, high: 10 })).toBe(5);
        expect(await cache.zrange('z', 0, -1)).toEqual(['low', 'a', 'b', 'c', 'high']);
        expect(await cache.zrevrange('z', 0, 1)).toEqual(['high', 'c']);
        expect(await cache.zrange('z', -2, -1)).toEqual(['c', 'high']);
        expect(await cache.zrange('z', 3, 100)).toEqual(['c', 'high']);
        expect(await cache.zrange('z', 4, 1)).toEqual([]);
        expect(await cache.zrevrange('z', -2, -1)).toEqual(['a', 'low']);
        expect(await cache.zrange('z', 0, 1, { withScores: true })).toEqual([
          { member: 'low', score: -1 },
          { member: 'a', score: 2 },
        ]);
        // UTF-8 byte order, not UTF-16: U+FF01 (EF BC 81) sorts before U+1F600 (F0 9F 98 80).
        await cache.zadd('u', { '😀': 0, '\uFF01': 0, é: 0, z: 0 });
        expect(await cache.zrange('u', 0, -1)).toEqual(['z', 'é', '\uFF01', '😀']);
      });

      it('scores, ranks, counts and increments', async () => {
        await cache.zadd('z', { a: 1, b: 2.5, c: 3 });
        expect(await cache.zscore('z', 'b')).toBe(2.5);
        expect(await cache.zscore('z', 'nope')).toBeUndefined();
        expect(await cache.zscore('missing', 'a')).toBeUndefined();
        expect(await cache.zmscore('z', ['a', 'nope', 'c'])).toEqual([1, undefined, 3]);
        expect(await cache.zincrby('z', 'a', 10)).toBe(11);
        expect(await cache.zincrby('z', 'new')).toBe(1);
        expect(await cache.zincrby('z', 'b', -0.5)).toBe(2);
        expect(await cache.zcard('z')).toBe(4);
        expect(await cache.zcard('missing')).toBe(0);
        expect(await cache.zrank('z', 'new')).toBe(0);
        expect(await cache.zrank('z', 'a')).toBe(3);
        expect(await cache.zrevrank('z', 'a')).toBe(0);
        expect(await cache.zrank('z', 'nope')).toBeUndefined();
        expect(await cache.zcount('z', 2, 3)).toBe(2);
        expect(await cache.zcount('z', '(2', 3)).toBe(1);
        expect(await cache.zcount('z', '-inf', '+inf')).toBe(4);
        expect(await cache.zcount('z', '(1', '(3')).toBe(1);
        expect(await cache.zcount('missing', 0, 1)).toBe(0);
      });

      it('zadd honours nx, xx, gt, lt and ch', async () => {
        await cache.zadd('z', { a: 5 });
        expect(await cache.zadd('z', { a: 1, b: 1 }, { nx: true })).toBe(1);
        expect(await cache.zscore('z', 'a')).toBe(5);
        expect(await cache.zadd('z', { a: 6, c: 1 }, { xx: true })).toBe(0);
        expect(await cache.zscore('z', 'a')).toBe(6);
        expect(await cache.zscore('z', 'c')).toBeUndefined();
        expect(await cache.zadd('z', { a: 2 }, { gt: true, ch: true })).toBe(0);
        expect(await cache.zadd('z', { a: 9 }, { gt: true, ch: true })).toBe(1);
        expect(await cache.zadd('z', { a: 10, d: 0 }, { lt: true, ch: true })).toBe(1);
        expect(await cache.zscore('z', 'a')).toBe(9);
        expect(await cache.zscore('z', 'd')).toBe(0);
        expect(await cache.zadd('z', { a: 9, b: 7 }, { ch: true })).toBe(1);
        expect(await cache.zadd('missing', { a: 1 }, { xx: true })).toBe(0);
        expect(await cache.has('missing')).toBe(false);
        for (const options of [
          { nx: true, xx: true },
          { gt: true, lt: true },
          { nx: true, gt: true },
        ]) {
          expect(await rejection(cache.zadd('z', { a: 1 }, options))).toBeInstanceOf(
            InvalidArgumentError,
          );
        }
      });

      it('members are encoded values of any type, given as a record or pairs', async () => {
        await cache.zadd('z', [
          [{ id: 1 }, 1],
          [42, 2],
          ['42', 3],
        ]);
        await cache.zadd('z', new Map<unknown, number>([[null, 0]]));
        expect(await cache.zrange('z', 0, -1)).toEqual([null, { id: 1 }, 42, '42']);
        expect(await cache.zscore('z', 42)).toBe(2);
        expect(await cache.zscore('z', '42')).toBe(3);
      });

      it('keeps infinite scores and bounds, exclusive or not', async () => {
        await cache.zadd('z', { lo: -Infinity, mid: 0, hi: Infinity });
        expect(await cache.zscore('z', 'hi')).toBe(Infinity);
        expect(await cache.zscore('z', 'lo')).toBe(-Infinity);
        expect(await cache.zrangebyscore('z', '-inf', '+inf')).toEqual(['lo', 'mid', 'hi']);
        expect(await cache.zrangebyscore('z', -Infinity, Infinity)).toEqual(['lo', 'mid', 'hi']);
        expect(await cache.zrangebyscore('z', '(-inf' as '-inf', '(+inf' as '+inf')).toEqual([
          'mid',
        ]);
        expect(await cache.zrange('z', 0, -1, { withScores: true })).toEqual([
          { member: 'lo', score: -Infinity },
          { member: 'mid', score: 0 },
          { member: 'hi', score: Infinity },
        ]);
      });

      it('ranges by score, with limits and in reverse (max first)', async () => {
        await cache.zadd('z', { a: 1, b: 2, c: 3, d: 4, e: 5 });
        expect(await cache.zrangebyscore('z', 2, 4)).toEqual(['b', 'c', 'd']);
        expect(await cache.zrangebyscore('z', '(2', '(4')).toEqual(['c']);
        expect(await cache.zrangebyscore('z', 4, 2)).toEqual([]);
        expect(
          await cache.zrangebyscore('z', '-inf', '+inf', { limit: { offset: 1, count: 2 } }),
        ).toEqual(['b', 'c']);
        expect(await cache.zrangebyscore('z', 0, 10, { limit: { offset: 3 } })).toEqual(['d', 'e']);
        expect(await cache.zrangebyscore('z', 0, 2, { withScores: true })).toEqual([
          { member: 'a', score: 1 },
          { member: 'b', score: 2 },
        ]);
        expect(await cache.zrevrangebyscore('z', 4, 2)).toEqual(['d', 'c', 'b']);
        expect(
          await cache.zrevrangebyscore('z', '+inf', '(3', { limit: { offset: 1, count: 1 } }),
        ).toEqual(['d']);
        expect(await cache.zrevrangebyscore('z', 5, 5, { withScores: true })).toEqual([
          { member: 'e', score: 5 },
        ]);
        expect(await cache.zrangebyscore('missing', 0, 1)).toEqual([]);
      });

      it('removes by score and by rank', async () => {
        await cache.zadd('z', { a: 1, b: 2, c: 3, d: 4, e: 5 });
        expect(await cache.zremrangebyscore('z', '(1', 2)).toBe(1);
        expect(await cache.zrange('z', 0, -1)).toEqual(['a', 'c', 'd', 'e']);
        expect(await cache.zremrangebyrank('z', -2, -1)).toBe(2);
        expect(await cache.zrange('z', 0, -1)).toEqual(['a', 'c']);
        expect(await cache.zremrangebyrank('z', 5, 10)).toBe(0);
        expect(await cache.zremrangebyscore('missing', 0, 1)).toBe(0);
      });

      it('pops the lowest and highest members', async () => {
        await cache.zadd('z', { a: 1, b: 2, c: 3, d: 4 });
        expect(await cache.zpopmin('z')).toEqual({ member: 'a', score: 1 });
        expect(await cache.zpopmax('z')).toEqual({ member: 'd', score: 4 });
        expect(await cache.zpopmin('z', 5)).toEqual([
          { member: 'b', score: 2 },
          { member: 'c', score: 3 },
        ]);
        expect(await cache.zpopmin('z')).toBeUndefined();
        expect(await cache.zpopmax('z', 2)).toEqual([]);
      });

      it('refuses malformed scores and bounds with InvalidArgumentError', async () => {
        const attempts = [
          cache.zadd('z', { a: Number.NaN }),
          cache.zadd('z', { a: '1' as unknown as number }),
          cache.zadd('z', {}),
          cache.zrangebyscore('z', 'low' as '-inf', 1),
          cache.zcount('z', '(x' as '+inf', 1),
          cache.zrange('z', 0.5, 1),
          cache.zrangebyscore('z', 0, 1, { limit: { offset: -1 } }),
          cache.zincrby('z', 'a', Number.NaN),
          cache.zpopmin('z', -1),
        ];
        for (const attempt of attempts) {
          expect(await rejection(attempt)).toBeInstanceOf(InvalidArgumentError);
        }
        expect(await cache.has('z')).toBe(false);
      });
    });

    describe('keys, prefixes and versions', () => {
      it('collections live under the cache prefix and version like any key', async () => {
        const prefix = `ds-${Math.random().toString(36).slice(2, 10)}`;
        const v1 = await open({}, prefix);
        const v2 = await open({ version: 2 }, prefix);
        await v1.hset('h', 'f', 'one');
        await v2.hset('h', 'f', 'two');
        await v1.zadd('z', { m: 1 }, { version: 2 });
        expect(await v1.hget('h', 'f')).toBe('one');
        expect(await v2.hget('h', 'f')).toBe('two');
        expect(await v2.zscore('z', 'm')).toBe(1);
        expect(await v1.keys()).toEqual(['h']);
        expect((await v2.keys()).sort()).toEqual(['h', 'z']);
        expect(await v1.clear()).toBe(1);
        expect(await v2.hget('h', 'f')).toBe('two');
      });
    });
  });
}
