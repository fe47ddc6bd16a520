import { Redis } from 'ioredis';
import {
  CacheRegistry,
  SerializationError,
  type CacheConfig,
  type CacheService,
} from '../../lib/index.js';
import { uniquePrefix } from '../contract/cache.contract.js';
import { testServers } from '../harness/index.js';

/**
 * Switching a cache's serializer and compressor without flushing it, as the README's recipe
 * says: old values stay readable through the fallback chains while new ones are written in the
 * new format. Caches stay open side by side, as old and new instances of an app do during a
 * rolling deploy (and as a memory store needs: it lives while a cache uses it).
 */
const locations: Array<[string, () => string]> = [
  ['redis', () => testServers().redis.url],
  ['memory', () => 'memory://codec-migration'],
];

describe.each(locations)('codec migration on %s', (_label, location) => {
  const registries: CacheRegistry[] = [];
  let prefix: string;
  let raw: Redis | undefined;

  async function open(config: Partial<CacheConfig>): Promise<CacheService> {
    const registry = await CacheRegistry.create({
      default: { location: location(), keyPrefix: prefix, ...config },
    });
    registries.push(registry);
    return registry.get('default');
  }

  /** The stored bytes of a key, straight from the server (Redis only). */
  async function stored(cache: CacheService, key: string): Promise<Buffer | undefined> {
    return (await raw?.getBuffer(cache.keyBuilder.key(key))) ?? undefined;
  }

  const small = { id: 1, name: 'Ada' };
  const large = {
    rows: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `row ${i}`, tags: ['a', 'b'] })),
  };

  beforeEach(() => {
    prefix = uniquePrefix();
    if (location().startsWith('redis')) raw = new Redis(location());
  });

  afterEach(async () => {
    await registries[0]?.get('default').clear();
    for (const registry of registries.splice(0)) await registry.onApplicationShutdown();
    await raw?.quit();
    raw = undefined;
  });

  it('reads JSON values after switching to msgpack + zstd, and writes the new format', async () => {
    const before = await open({ serializer: ['json'] });
    await before.set('old:small', small);
    await before.set('old:large', large);
    await before.set('old:date', { at: new Date(0) });
    await before.set('counter', 5);
    if (raw) expect((await stored(before, 'old:small'))!.toString()).toBe('{"id":1,"name":"Ada"}');

    const after = await open({ serializer: ['msgpack', 'json'], compressor: ['zstd'] });
    expect(await after.get('old:small')).toEqual(small);
    expect(await after.get('old:large')).toEqual(large);
    expect(await after.get('old:date')).toEqual({ at: new Date(0) });

    await after.set('new:small', small);
    await after.set('new:large', large);
    expect(await after.get('new:small')).toEqual(small);
    expect(await after.get('new:large')).toEqual(large);
    const all = await after.getMany(['old:small', 'old:large', 'new:small', 'new:large']);
    expect([...all.values()]).toEqual([small, large, small, large]);
    // Counters are plain digits in every format.
    expect(await after.incr('counter')).toBe(6);
    expect(await before.get('counter')).toBe(6);

    if (raw) {
      expect((await stored(after, 'new:small'))!.subarray(0, 2).toString('latin1')).toBe('\u0000m');
      const compressed = (await stored(after, 'new:large'))!;
      expect(compressed.subarray(0, 2).toString('latin1')).toBe('\u0000z');
      expect(compressed.length).toBeLessThan(JSON.stringify(large).length / 4);
    }
  });

  it('fails with a typed error naming the key and the fix when a reader lacks the format', async () => {
    const before = await open({});
    const after = await open({ serializer: ['msgpack', 'json'], compressor: 'zstd' });
    await after.set('new:large', large);
    await after.set('new:small', small);
    const compressed = await before.get('new:large').catch((e: unknown) => e);
    expect(compressed).toBeInstanceOf(SerializationError);
    expect(compressed).toMatchObject({ cache: 'default', key: 'new:large' });
    expect((compressed as Error).message).toContain(
      "it was written with compressor 'zstd', which the `compressor` option does not list",
    );
    await expect(before.get('new:small')).rejects.toThrow(
      /written with serializer 'msgpack', which the `serializer` option does not list/,
    );
  });

  it('rolls out in two steps, so that old and new instances read each other', async () => {
    const old = await open({ compressor: 'gzip' });
    // Step 1: every instance learns to read the new formats; the old ones still write.
    const reading = await open({ serializer: ['json', 'msgpack'], compressor: ['gzip', 'zstd'] });
    // Step 2: instances switch the writer, keeping the old formats readable.
    const writing = await open({ serializer: ['msgpack', 'json'], compressor: ['zstd', 'gzip'] });
    await old.set('a', large);
    await reading.set('b', large);
    await writing.set('c', large);
    for (const cache of [reading, writing]) {
      expect([...(await cache.getMany(['a', 'b', 'c'])).values()]).toEqual([large, large, large]);
    }
    expect(await old.get('b')).toEqual(large);
    // Stopping compression: 'none' writes uncompressed values and still reads compressed ones.
    const uncompressed = await open({
      serializer: ['msgpack', 'json'],
      compressor: ['none', 'zstd', 'gzip'],
    });
    await uncompressed.set('d', large);
    expect([...(await uncompressed.getMany(['a', 'c', 'd'])).values()]).toEqual([
      large,
      large,
      large,
    ]);
    if (raw)
      expect((await stored(uncompressed, 'd'))!.subarray(0, 2).toString('latin1')).toBe('\u0000m');
  });
});
