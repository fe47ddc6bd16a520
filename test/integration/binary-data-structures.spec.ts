import { deserialize, serialize } from 'node:v8';
import { createBackend } from '../../lib/backends/create-backend.js';
import type { RawValue } from '../../lib/backends/backend.interface.js';
import { CacheService } from '../../lib/cache/cache.service.js';
import type { Serializer } from '../../lib/codecs/serializer.interface.js';
import { ValueCodec } from '../../lib/codecs/value-codec.js';
import type { CacheConfig } from '../../lib/config/cache-config.interface.js';
import { resolveCaches } from '../../lib/config/resolve-config.js';
import { uniquePrefix } from '../contract/cache.contract.js';
import { testServers } from '../harness/index.js';

/**
 * A cache whose serializer writes bytes (any non-UTF-8 value) reads members, fields and values
 * of every data structure back intact, on every backend: the Redis backends read replies as
 * Buffers, the memory backend answers members as Buffers.
 */
const bytes: Serializer = {
  binary: true,
  serialize: (value) => serialize(value),
  deserialize: (raw: RawValue) => deserialize(Buffer.isBuffer(raw) ? raw : Buffer.from(raw)),
};

const backends: Array<[string, () => CacheConfig]> = [
  ['memory', () => ({ location: 'memory://binary' })],
  ['redis 7', () => ({ location: testServers().redis.url })],
  ['redis cluster', () => ({ location: testServers().cluster.urls, cluster: true })],
];

describe.each(backends)('a binary codec on %s', (_, config) => {
  let cache: CacheService;

  beforeEach(async () => {
    const [resolved] = resolveCaches({ default: { ...config(), keyPrefix: uniquePrefix() } });
    const codec = new ValueCodec(bytes);
    const backend = await createBackend('default', resolved!.backend, codec.binary);
    cache = new CacheService({ ...resolved!, codec, backend });
  });

  afterEach(async () => {
    await cache.clear();
    await cache.close();
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
});
