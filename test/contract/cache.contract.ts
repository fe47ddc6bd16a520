import { randomUUID } from 'node:crypto';
import { types } from 'node:util';
import { defineOp } from '../../lib/backends/atomic-op.js';
import type { RawValue } from '../../lib/backends/backend.interface.js';
import { createCodec } from '../../lib/codecs/create-codec.js';
import type { ValueCodec } from '../../lib/codecs/value-codec.js';
import { resolveCaches } from '../../lib/config/resolve-config.js';
import {
  CacheRegistry,
  InvalidArgumentError,
  KeyNotFoundError,
  SerializationError,
  WrongTypeError,
  type CacheConfig,
  type CacheService,
} from '../../lib/index.js';

/**
 * The backend contract: one suite, run unchanged on every backend. Each test builds its own
 * caches with a unique key prefix (which contains glob characters on purpose, to prove that
 * prefixes are escaped in patterns), so suites can share servers and run in any order.
 */
export function cacheContract(label: string, base: () => CacheConfig): void {
  describe(`cache contract: ${label}`, () => {
    const registries: CacheRegistry[] = [];
    let cache: CacheService;

    async function open(
      config: Partial<CacheConfig> = {},
      prefix = uniquePrefix(),
    ): Promise<CacheService> {
      const registry = await CacheRegistry.create({
        default: { ...base(), keyPrefix: prefix, ...config },
      });
      registries.push(registry);
      return registry.get('default');
    }

    beforeEach(async () => {
      cache = await open();
    });

    afterEach(async () => {
      for (const registry of registries.splice(0)) {
        for (const name of registry.names()) await registry.get(name).clear();
        await registry.onApplicationShutdown();
      }
    });

    describe('get / set', () => {
      it('reads undefined on a miss and round-trips JSON values', async () => {
        expect(await cache.get('missing')).toBeUndefined();
        const values: Array<[string, unknown]> = [
          ['object', { a: 1, nested: { list: [1, 'two', null] } }],
          ['array', [1, 2, 3]],
          ['string', 'hello'],
          ['digits-string', '123'],
          ['negative-digits-string', '-7'],
          ['empty-string', ''],
          ['integer', 5],
          ['negative', -42],
          ['float', 1.5],
          ['zero', 0],
          ['true', true],
          ['false', false],
          ['null', null],
          ['unicode', 'żółć 🚀 日本'],
        ];
        for (const [key, value] of values) expect(await cache.set(key, value)).toBe(true);
        for (const [key, value] of values) expect(await cache.get(key)).toStrictEqual(value);
      });

      it('round-trips Date, Buffer, bigint, Map and Set, at any depth', async () => {
        const value = {
          at: new Date('2024-01-02T03:04:05.678Z'),
          bytes: Buffer.from([0, 1, 255]),
          big: 2n ** 70n,
          index: new Map<string, unknown>([['a', { since: new Date(0) }]]),
          roles: new Set(['admin', 'user']),
        };
        await cache.set('typed', value);
        const back = await cache.get<typeof value>('typed');
        expect(back).toEqual(value);
        // util.types, not instanceof: v8 builds its values in Node's realm, not Jest's.
        expect(types.isDate(back!.at)).toBe(true);
        expect(Buffer.isBuffer(back!.bytes)).toBe(true);
        expect(types.isMap(back!.index)).toBe(true);
        expect(types.isSet(back!.roles)).toBe(true);
      });

      it('round-trips large values (compressed when the cache compresses)', async () => {
        const large = (n: number) => ({
          rows: Array.from({ length: 400 }, (_, i) => ({
            id: i,
            name: `row ${i} of ${n}`,
            ok: true,
          })),
        });
        await cache.set('large', large(0));
        await cache.setMany({ 'large:1': large(1), 'large:2': large(2) });
        expect(await cache.get('large')).toEqual(large(0));
        const found = await cache.getMany(['large:1', 'large:2']);
        expect(found.get('large:1')).toEqual(large(1));
        expect(found.get('large:2')).toEqual(large(2));
      });

      it('keeps null as a cached value, distinct from a miss', async () => {
        await cache.set('nothing', null);
        expect(await cache.has('nothing')).toBe(true);
        expect(await cache.get('nothing')).toBeNull();
      });

      it('accepts any string key, Unicode included', async () => {
        const key = 'ключ:🔑:with space:and*glob?[chars]';
        await cache.set(key, 'v');
        expect(await cache.get(key)).toBe('v');
        expect(await cache.keys()).toEqual([key]);
      });

      it('never lets a reader change the cache: memory answers frozen values, Redis copies', async () => {
        await cache.set('obj', { list: [1] });
        const first = await cache.get<{ list: number[] }>('obj');
        if (cache.kind === 'memory') {
          // One deep-frozen value shared by every reader: a mutation throws (ES modules are strict).
          expect(() => first!.list.push(2)).toThrow(TypeError);
          expect(() => Object.assign(first!, { extra: true })).toThrow(TypeError);
          expect(await cache.get('obj')).toBe(first);
        } else {
          first!.list.push(2);
        }
        expect(await cache.get('obj')).toEqual({ list: [1] });
        const many = await cache.getMany<{ list: number[] }>(['obj']);
        if (cache.kind === 'memory') expect(() => many.get('obj')!.list.push(3)).toThrow(TypeError);
        else many.get('obj')!.list.push(3);
        expect((await cache.getMany(['obj'])).get('obj')).toEqual({ list: [1] });
      });

      it('keeps what was stored: mutating the object passed to set does not change the cache', async () => {
        const value = { list: [1], nested: { n: 1 } };
        await cache.set('stored', value);
        value.list.push(2);
        value.nested.n = 2;
        expect(await cache.get('stored')).toEqual({ list: [1], nested: { n: 1 } });
        expect(Object.isFrozen(value)).toBe(false);
        // Values holding a Date, Map or Buffer are copies on every read, on every backend.
        await cache.set('dated', { at: new Date(0), tags: new Set(['a']) });
        const dated = await cache.get<{ at: Date; tags: Set<string> }>('dated');
        dated!.at.setTime(1);
        dated!.tags.add('b');
        expect(await cache.get('dated')).toEqual({ at: new Date(0), tags: new Set(['a']) });
      });

      it('stores values as JSON would, also when memory keeps them as they are', async () => {
        // Other serializers keep undefined, NaN and -0; JSON's rules are what this test pins.
        if (!(await codecOf(base())).plainJson) return;
        await cache.set('json', {
          a: undefined,
          b: [undefined, NaN, -0, Infinity],
          c: 'x',
          d: '123',
        });
        expect(await cache.get('json')).toEqual({ b: [null, null, 0, null], c: 'x', d: '123' });
        expect(Object.is((await cache.get<{ b: number[] }>('json'))!.b[2], 0)).toBe(true);
        await cache.set('five', 5);
        expect(await cache.incr('five')).toBe(6);
        expect(await cache.get('five')).toBe(6);
        await cache.set('text', '123');
        expect(await cache.get('text')).toBe('123');
      });

      it('honours nx and xx and reports whether it wrote', async () => {
        expect(await cache.set('k', 1, { xx: true })).toBe(false);
        expect(await cache.has('k')).toBe(false);
        expect(await cache.set('k', 1, { nx: true })).toBe(true);
        expect(await cache.set('k', 2, { nx: true })).toBe(false);
        expect(await cache.get('k')).toBe(1);
        expect(await cache.set('k', 3, { xx: true })).toBe(true);
        expect(await cache.get('k')).toBe(3);
        await expect(cache.set('k', 4, { nx: true, xx: true })).rejects.toBeInstanceOf(
          InvalidArgumentError,
        );
        expect(await cache.get('k')).toBe(3);
      });

      it('add writes only when the key is absent', async () => {
        expect(await cache.add('a', 'first')).toBe(true);
        expect(await cache.add('a', 'second')).toBe(false);
        expect(await cache.get('a')).toBe('first');
      });

      it('refuses a value it cannot encode, naming the key, and writes nothing', async () => {
        // No serializer stores a function; all but v8 refuse a circular object too.
        const circular: Record<string, unknown> = { run: () => 1 };
        circular.self = circular;
        await cache.set('c', 'old');
        const error = await cache.set('c', circular).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SerializationError);
        expect((error as SerializationError).key).toBe('c');
        expect((error as Error).message).toContain("'c'");
        await expect(cache.set('u', undefined)).rejects.toBeInstanceOf(SerializationError);
        expect(await cache.get('c')).toBe('old');
        expect(await cache.has('u')).toBe(false);
      });

      it('rejects a non-string key with a typed error', async () => {
        await expect(cache.get(42 as unknown as string)).rejects.toBeInstanceOf(
          InvalidArgumentError,
        );
      });
    });

    describe('time to live', () => {
      it('applies the default TTL of the cache', async () => {
        const c = await open({ ttl: '1h' });
        await c.set('k', 1);
        const ttl = await c.ttl('k');
        expect(ttl).toBeGreaterThan(3_590_000);
        expect(ttl).toBeLessThanOrEqual(3_600_000);
      });

      it('defaults to 5 minutes', async () => {
        await cache.set('k', 1);
        expect(await cache.ttl('k')).toBeGreaterThan(290_000);
        expect(cache.defaultTtl).toBe(300_000);
      });

      it('accepts per-call TTLs in ms or strings, and null for no expiry', async () => {
        await cache.set('ms', 1, { ttl: 2_000 });
        await cache.set('str', 1, { ttl: '10s' });
        await cache.set('forever', 1, { ttl: null });
        expect(await cache.ttl('ms')).toBeLessThanOrEqual(2_000);
        expect(await cache.ttl('ms')).toBeGreaterThan(1_000);
        expect(await cache.ttl('str')).toBeGreaterThan(9_000);
        expect(await cache.ttl('forever')).toBeNull();
        expect(await cache.ttl('missing')).toBeUndefined();
      });

      it('a cache with ttl null stores without expiry', async () => {
        const c = await open({ ttl: null });
        await c.set('k', 1);
        expect(await c.ttl('k')).toBeNull();
      });

      it('expires entries', async () => {
        await cache.set('short', 'v', { ttl: 60 });
        expect(await cache.get('short')).toBe('v');
        await sleep(150);
        expect(await cache.get('short')).toBeUndefined();
        expect(await cache.has('short')).toBe(false);
        expect(await cache.keys()).toEqual([]);
      });

      it('rejects malformed, negative and zero TTLs without writing', async () => {
        for (const ttl of ['soon', -5, 0, '-1s']) {
          await expect(cache.set('k', 1, { ttl })).rejects.toBeInstanceOf(InvalidArgumentError);
        }
        expect(await cache.has('k')).toBe(false);
      });

      it('rejects TTLs and expiry moments past Number.MAX_SAFE_INTEGER ms, naming the argument', async () => {
        await cache.set('k', 1);
        const attempts: Array<[string, Promise<unknown>]> = [
          ['ttl', cache.set('k', 2, { ttl: 1e20 })],
          ['ttl', cache.setMany({ k: 3 }, { ttl: 1e20 })],
          ['ttl', cache.touch('k', '99999999999999999999')],
          ['ttl', cache.expire('k', 1e20)],
          ['when', cache.expireAt('k', 1e20)],
        ];
        for (const [argument, attempt] of attempts) {
          const error = await attempt.catch((e: unknown) => e);
          expect(error).toBeInstanceOf(InvalidArgumentError);
          expect((error as InvalidArgumentError).argument).toBe(argument);
        }
        expect(() => cache.pipeline().expire('k', 1e20)).toThrow(InvalidArgumentError);
        expect(() => cache.pipeline().expireAt('k', 1e20)).toThrow(InvalidArgumentError);
        expect(await cache.get('k')).toBe(1);
        expect(await cache.ttl('k')).toBeGreaterThan(0);
      });

      it('touch resets the TTL to the default, a given one, or none', async () => {
        await cache.set('k', 1, { ttl: 1_000 });
        expect(await cache.touch('k')).toBe(true);
        expect(await cache.ttl('k')).toBeGreaterThan(290_000);
        expect(await cache.touch('k', '5s')).toBe(true);
        expect(await cache.ttl('k')).toBeLessThanOrEqual(5_000);
        expect(await cache.touch('k', null)).toBe(true);
        expect(await cache.ttl('k')).toBeNull();
        expect(await cache.touch('missing')).toBe(false);
        expect(await cache.touch('missing', null)).toBe(false);
      });

      it('expire, expireAt and persist', async () => {
        await cache.set('k', 1, { ttl: null });
        expect(await cache.persist('k')).toBe(false);
        expect(await cache.expire('k', '30s')).toBe(true);
        expect(await cache.ttl('k')).toBeGreaterThan(29_000);
        expect(await cache.persist('k')).toBe(true);
        expect(await cache.ttl('k')).toBeNull();
        expect(await cache.expireAt('k', new Date(Date.now() + 60_000))).toBe(true);
        expect(await cache.ttl('k')).toBeGreaterThan(55_000);
        expect(await cache.expireAt('k', Date.now() - 1_000)).toBe(true);
        expect(await cache.has('k')).toBe(false);
        expect(await cache.expire('missing', 1_000)).toBe(false);
        await cache.set('z', 1);
        expect(await cache.expire('z', 0)).toBe(true);
        expect(await cache.has('z')).toBe(false);
      });
    });

    describe('getOrSet', () => {
      it('runs the factory once for concurrent callers of one missing key', async () => {
        let runs = 0;
        const factory = async () => {
          runs++;
          await sleep(30);
          return { computed: runs };
        };
        const results = await Promise.all(
          Array.from({ length: 10 }, () => cache.getOrSet('k', factory)),
        );
        expect(runs).toBe(1);
        for (const result of results) expect(result).toEqual({ computed: 1 });
        expect(await cache.getOrSet('k', factory)).toEqual({ computed: 1 });
        expect(runs).toBe(1);
      });

      it('stores with the given TTL and does not store undefined', async () => {
        await cache.getOrSet('k', () => 'v', { ttl: '2s' });
        expect(await cache.ttl('k')).toBeLessThanOrEqual(2_000);
        expect(await cache.getOrSet('u', () => undefined)).toBeUndefined();
        expect(await cache.has('u')).toBe(false);
      });

      it('passes a factory error to every waiter and caches nothing', async () => {
        const failing = async () => {
          await sleep(10);
          throw new Error('boom');
        };
        const settled = await Promise.allSettled([
          cache.getOrSet('k', failing),
          cache.getOrSet('k', failing),
        ]);
        expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
        expect(await cache.getOrSet('k', () => 'recovered')).toBe('recovered');
      });
    });

    describe('delete / has / many', () => {
      it('delete reports whether the key existed', async () => {
        await cache.set('k', 1);
        expect(await cache.has('k')).toBe(true);
        expect(await cache.delete('k')).toBe(true);
        expect(await cache.delete('k')).toBe(false);
        expect(await cache.has('k')).toBe(false);
      });

      it('getMany, setMany and deleteMany over keys in many hash slots', async () => {
        const entries = Object.fromEntries(
          Array.from({ length: 50 }, (_, i) => [`item:${i}`, { i }]),
        );
        await cache.setMany(entries, { ttl: '1m' });
        const keys = [...Object.keys(entries), 'absent'];
        const found = await cache.getMany<{ i: number }>(keys);
        expect(found.size).toBe(50);
        expect(found.get('item:7')).toEqual({ i: 7 });
        expect(found.has('absent')).toBe(false);
        expect(await cache.ttl('item:3')).toBeGreaterThan(50_000);
        expect(await cache.deleteMany(keys)).toBe(50);
        expect((await cache.getMany(keys)).size).toBe(0);
        expect(await cache.getMany([])).toEqual(new Map());
      });

      it('setMany accepts pairs and a null TTL, and writes nothing if one value cannot be encoded', async () => {
        await cache.setMany(
          [
            ['a', 1],
            ['b', 'two'],
          ],
          { ttl: null },
        );
        expect(await cache.ttl('a')).toBeNull();
        expect(await cache.get('b')).toBe('two');
        await expect(cache.setMany({ c: 1, d: () => 1 })).rejects.toBeInstanceOf(
          SerializationError,
        );
        expect(await cache.has('c')).toBe(false);
      });
    });

    describe('incr / decr', () => {
      it('counts a missing key from 0', async () => {
        expect(await cache.incr('n')).toBe(1);
        expect(await cache.incr('n', 10)).toBe(11);
        expect(await cache.decr('n')).toBe(10);
        expect(await cache.decr('n', 15)).toBe(-5);
        expect(await cache.get('n')).toBe(-5);
      });

      it('works on integers written with set and keeps their TTL', async () => {
        await cache.set('n', 5, { ttl: '1h' });
        expect(await cache.incr('n')).toBe(6);
        expect(await cache.ttl('n')).toBeGreaterThan(3_500_000);
        expect(await cache.get('n')).toBe(6);
      });

      it('refuses a non-integer value with WrongTypeError and leaves it unchanged', async () => {
        for (const value of ['abc', 1.5, { a: 1 }, '12']) {
          await cache.set('v', value);
          const error = await cache.incr('v').catch((e: unknown) => e);
          expect(error).toBeInstanceOf(WrongTypeError);
          expect((error as WrongTypeError).key).toBe('v');
          expect(await cache.get('v')).toStrictEqual(value);
        }
        await expect(cache.incr('v', 1.5)).rejects.toBeInstanceOf(InvalidArgumentError);
      });

      it('is atomic under concurrency', async () => {
        await Promise.all(Array.from({ length: 100 }, () => cache.incr('n')));
        expect(await cache.get('n')).toBe(100);
      });
    });

    describe('keys, scan, deletePattern, clear', () => {
      it('returns user keys, without prefix and version, matching the pattern', async () => {
        await cache.setMany({ 'user:1': 1, 'user:2': 2, 'user:10:name': 'x', 'post:1': 1 });
        expect((await cache.keys('user:*')).sort()).toEqual(['user:1', 'user:10:name', 'user:2']);
        expect((await cache.keys('user:?')).sort()).toEqual(['user:1', 'user:2']);
        expect((await cache.keys('user:[12]')).sort()).toEqual(['user:1', 'user:2']);
        expect((await cache.keys()).length).toBe(4);
        const scanned: string[] = [];
        for await (const key of cache.scan('*', { count: 1 })) scanned.push(key);
        // SCAN may report a key twice while the server rehashes; it never misses one.
        expect([...new Set(scanned)].sort()).toEqual([
          'post:1',
          'user:1',
          'user:10:name',
          'user:2',
        ]);
      });

      it('treats glob characters in the prefix literally', async () => {
        const prefix = uniquePrefix();
        const a = await open({}, `${prefix}[ab]`);
        const b = await open({}, `${prefix}a`);
        await a.set('k', 'from a');
        await b.set('k', 'from b');
        expect(await a.keys()).toEqual(['k']);
        expect(await b.keys()).toEqual(['k']);
        expect(await a.deletePattern('*')).toBe(1);
        expect(await b.get('k')).toBe('from b');
      });

      it('deletePattern deletes only matching keys of this cache and counts them', async () => {
        const other = await open();
        await other.set('api:1:response', 'keep');
        for (let i = 0; i < 30; i++) await cache.set(`api:${i}:response`, i);
        await cache.set('api:meta', 'keep');
        expect(await cache.deletePattern('api:*:response')).toBe(30);
        expect(await cache.keys()).toEqual(['api:meta']);
        expect(await other.get('api:1:response')).toBe('keep');
        expect(await cache.deletePattern('nothing:*')).toBe(0);
      });

      it('clear deletes this prefix and version only', async () => {
        const prefix = uniquePrefix();
        const v1 = await open({}, prefix);
        const v2 = await open({ version: 2 }, prefix);
        const neighbour = await open({}, `${prefix}x`);
        await v1.setMany({ a: 1, b: 2 });
        await v2.set('a', 'v2');
        await neighbour.set('a', 'n');
        expect(await v1.clear()).toBe(2);
        expect(await v1.keys()).toEqual([]);
        expect(await v2.get('a')).toBe('v2');
        expect(await neighbour.get('a')).toBe('n');
      });
    });

    describe('atomic operations (Lua on Redis, the memory twin in memory)', () => {
      it('run the same compound step with the same result on every backend', async () => {
        // Swap a key's value if it equals the expected one; answer the old value or false.
        const swap = defineOp<string | false>({
          name: 'test:compare-and-swap',
          lua: `local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') return v end
return false`,
          memory: (ctx, keys, args) => {
            const entry = ctx.read(keys[0]!);
            if (entry?.type !== 'string' || !bytes(entry.data).equals(bytes(args[0]!)))
              return false;
            ctx.write(keys[0]!, { ...entry, data: args[1] as RawValue });
            // As ioredis answers a bulk string: its bytes read as UTF-8.
            return bytes(entry.data).toString();
          },
          fromRedis: (reply) => (reply === null ? false : String(reply)),
        });
        // The values as this cache encodes them, whatever its serializer and compressor.
        const codec = await codecOf(base());
        const [one, two, three] = ['one', 'two', 'three'].map((v) => codec.encode(v));
        const key = cache.keyBuilder.key('{tag}:cas');
        await cache.set('{tag}:cas', 'one', { ttl: '1h' });
        expect(await cache.backend.run(swap, [key], [two!, three!])).toBe(false);
        expect(await cache.backend.run(swap, [key], [one!, three!])).toBe(bytes(one!).toString());
        expect(await cache.get('{tag}:cas')).toBe('three');
        expect(await cache.ttl('{tag}:cas')).toBeGreaterThan(3_500_000);
      });
    });

    describe('versions', () => {
      it('keeps versions apart', async () => {
        const prefix = uniquePrefix();
        const v1 = await open({}, prefix);
        const v2 = await open({ version: 2 }, prefix);
        await v1.set('k', 'one');
        expect(await v2.get('k')).toBeUndefined();
        expect(await v1.get('k', { version: 2 })).toBeUndefined();
        await v1.set('k', 'two', { version: 2 });
        expect(await v2.get('k')).toBe('two');
      });

      it('incrVersion moves the value and its TTL; decrVersion moves it back', async () => {
        await cache.set('k', { v: 1 }, { ttl: '1h' });
        expect(await cache.incrVersion('k')).toBe(2);
        expect(await cache.get('k')).toBeUndefined();
        expect(await cache.get('k', { version: 2 })).toEqual({ v: 1 });
        expect(await cache.ttl('k', { version: 2 })).toBeGreaterThan(3_500_000);
        expect(await cache.decrVersion('k', 1, 2)).toBe(1);
        expect(await cache.get('k')).toEqual({ v: 1 });
        expect(await cache.incrVersion('k', 5)).toBe(6);
        expect(await cache.get('k', { version: 6 })).toEqual({ v: 1 });
      });

      it('incrVersion of a missing key throws KeyNotFoundError', async () => {
        const error = await cache.incrVersion('missing').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(KeyNotFoundError);
        expect((error as KeyNotFoundError).key).toBe('missing');
      });

      it('namespace versions start at 1 and every invalidation changes them', async () => {
        expect(await cache.namespaceVersion('user:42')).toBe(1);
        expect(await cache.invalidateNamespace('user:42')).toBe(2);
        expect(await cache.namespaceVersion('user:42')).toBe(2);
        expect(await cache.invalidateNamespace('user:42')).toBe(3);
        expect(await cache.namespaceVersion('user:43')).toBe(1);
      });

      it('concurrent invalidations each get a distinct version', async () => {
        const versions = await Promise.all(
          Array.from({ length: 20 }, () => cache.invalidateNamespace('g')),
        );
        expect(new Set(versions).size).toBe(20);
        expect(Math.min(...versions)).toBe(2);
        expect(await cache.namespaceVersion('g')).toBe(21);
      });

      it('namespace versions are not user keys: keys(), deletePattern and clear leave them', async () => {
        await cache.invalidateNamespace('user:1');
        await cache.set('user:1:data:v2', 'x');
        expect(await cache.keys()).toEqual(['user:1:data:v2']);
        await cache.deletePattern('*');
        await cache.clear();
        expect(await cache.namespaceVersion('user:1')).toBe(2);
      });
    });
  });
}

/** A codec built from the same configuration as the caches of a suite. */
async function codecOf(config: CacheConfig): Promise<ValueCodec> {
  return createCodec('default', resolveCaches({ default: config })[0]!.codec);
}

/** A stored value or script argument as the bytes Redis holds (text is sent as UTF-8). */
function bytes(value: RawValue | number): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(String(value));
}

/** A key prefix unique to one test, with glob characters that must be escaped. */
export function uniquePrefix(): string {
  return `t*${randomUUID().slice(0, 8)}?`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
