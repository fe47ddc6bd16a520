import {
  CacheRegistry,
  NotSupportedError,
  type CacheConfig,
  type CacheService,
} from '../../lib/index.js';
import { uniquePrefix } from '../contract/cache.contract.js';
import { testServers } from '../harness/index.js';

/**
 * A cache whose codec writes bytes (a binary serializer, compression down to 1 byte) reads
 * members, fields and values of every data structure back intact, on every backend: the Redis
 * backends read replies as Buffers, the memory backend answers members as Buffers.
 */
const backends: Array<[string, () => CacheConfig]> = [
  ['memory', () => ({ location: 'memory://binary', serializer: 'v8', compressor: 'zstd' })],
  ['redis 7', () => ({ location: testServers().redis.url, serializer: 'v8', compressor: 'gzip' })],
  [
    'redis cluster',
    () => ({
      location: testServers().cluster.urls,
      cluster: true,
      serializer: ['msgpack', 'json'],
      compressor: 'lz4',
    }),
  ],
];

describe.each(backends)('a binary codec on %s', (_, config) => {
  let registry: CacheRegistry;
  let cache: CacheService;

  beforeEach(async () => {
    registry = await CacheRegistry.create({
      default: { ...config(), compressMinSize: 1, keyPrefix: uniquePrefix() },
    });
    cache = registry.get('default');
  });

  afterEach(async () => {
    await cache.clear();
    await registry.onApplicationShutdown();
  });

  const date = new Date('2024-01-02T03:04:05Z');
  const map = new Map([['k', 1n]]);

  it('hashes: fields as text, values as bytes', async () => {
    await cache.hset('h', { when: date, map, zażółć: 'gęślą' });
    expect(await cache.hget('h', 'when')).toEqual(date);
    expect(await cache.hgetall('h')).toEqual({ when: date, map, zażółć: 'gęślą' });
    expect((await cache.hkeys('h')).sort()).toEqual(['map', 'when', 'zażółć']);
    expect(await cache.hincrby('h', 'n', 2)).toBe(2);
    expect(await cache.hincrbyfloat('h', 'n', 0.5)).toBe(2.5);
    // HINCRBYFLOAT writes plain decimals, which every serializer chain reads back.
    expect(await cache.hget('h', 'n')).toBe(2.5);
    expect(await cache.hmget('h', ['n', 'when'])).toEqual([2.5, date]);
    expect((await cache.hgetall('h'))['n']).toBe(2.5);
    // A number written with hset is a plain number too, whatever the serializer.
    await cache.hset('h', 'price', 1.5);
    expect(await cache.hincrbyfloat('h', 'price', 1)).toBe(2.5);
  });

  it('lists, sets and sorted sets keep byte members', async () => {
    await cache.rpush('l', [date, map, 'ü']);
    expect(await cache.lrange('l', 0, -1)).toEqual([date, map, 'ü']);
    expect(await cache.lrem('l', 0, 'ü')).toBe(1);
    await cache.sadd('s', [date, 'ü', 7]);
    expect(await cache.sismember('s', 'ü')).toBe(true);
    expect(await cache.smembers('s')).toEqual(expect.arrayContaining([date, 'ü', 7]));
    await cache.zadd('z', [
      [date, 2],
      ['ü', 1],
    ]);
    expect(await cache.zrange('z', 0, -1, { withScores: true })).toEqual([
      { member: 'ü', score: 1 },
      { member: date, score: 2 },
    ]);
    expect(await cache.zscore('z', date)).toBe(2);
    expect(await cache.zpopmax('z')).toEqual({ member: date, score: 2 });
    expect(await cache.type('z')).toBe('zset');
  });

  it('pipelines and scripts decode bytes', async () => {
    const [, value, added] = await cache
      .pipeline()
      .hset('h', 'f', map)
      .hget('h', 'f')
      .sadd('s', [date])
      .exec();
    expect(value).toEqual(map);
    expect(added).toBe(1);
    if (cache.kind === 'memory') return;
    const echoed = await cache.eval('return ARGV[1]', { values: [date], decode: true });
    expect(echoed).toEqual(date);
  });

  it('scripts take encoded values and answer decoded ones', async () => {
    const swap = `local old = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1])
return old`;
    await cache.set('k', date);
    const run = () => cache.eval(swap, { keys: ['k'], values: [map], decode: true });
    if (cache.kind === 'memory') {
      await expect(run()).rejects.toBeInstanceOf(NotSupportedError);
      return;
    }
    expect(await run()).toEqual(date);
    expect(await cache.get('k')).toEqual(map);
  });
});
