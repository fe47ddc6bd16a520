/**
 * Issue 13, item 2: caches on one server and database whose keys could meet are refused at
 * start-up, naming both; caches that start are isolated (a user key never reaches the other's
 * keys, `clear()` never deletes them).
 */
import { CacheRegistry, CacheXConfigError, type CachesConfig } from '../../../lib/index.js';
import { uniquePrefix } from '../../contract/cache.contract.js';
import { testServers } from '../../harness/index.js';

const registries: CacheRegistry[] = [];
afterEach(async () => {
  for (const registry of registries.splice(0)) await registry.onApplicationShutdown();
});

async function create(caches: CachesConfig): Promise<CacheRegistry> {
  const registry = await CacheRegistry.create(caches);
  registries.push(registry);
  return registry;
}

describe.each([
  ['redis', () => testServers().redis.url],
  ['memory', () => 'memory://'],
])('on %s', (_, location) => {
  it.each([
    ['a prefix and a prefix of its keys', 'app', 1, 'app:1', 1],
    ['two empty prefixes', '', 1, '', 1],
    ['two empty prefixes at different versions (shared internal keys)', '', 1, '', 2],
    ['one prefix at two versions (shared locks and tags)', 'app', 1, 'app', 2],
    ["a prefix inside another's internal keys", 'app', 1, 'app:cachex', 1],
    ['an empty prefix and a prefix starting with its version', '', 1, ':1', 1],
  ])('refuses %s, naming both caches', async (__, p1, v1, p2, v2) => {
    // Nothing is written: prefixes that must relate to an empty one are kept as they are.
    const p = uniquePrefix();
    const unique = (prefix: string) =>
      prefix === '' || prefix.startsWith(':') ? prefix : p + prefix;
    const error = await create({
      default: { location: location(), keyPrefix: unique(p1), version: v1 },
      sessions: { location: location(), keyPrefix: unique(p2), version: v2 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheXConfigError);
    expect((error as CacheXConfigError).option).toBe('keyPrefix');
    expect((error as Error).message).toMatch(
      /Caches 'default' and 'sessions' are on the same server/,
    );
  });

  it('accepts prefixes that share only leading characters, and keeps their keys apart', async () => {
    const p = uniquePrefix();
    const registry = await create({
      default: { location: location(), keyPrefix: `${p}app` },
      sessions: { location: location(), keyPrefix: `${p}application` },
      other: { location: location(), keyPrefix: `${p}app-1` },
    });
    const [app, sessions, other] = ['default', 'sessions', 'other'].map((n) => registry.get(n));
    await sessions!.set('x', 'session');
    await other!.set('x', 'other');
    await app!.set('1:x', 'app');
    await app!.set('lication:1:x', 'app');
    expect(await sessions!.get('x')).toBe('session');
    expect(await other!.get('x')).toBe('other');
    await app!.clear();
    expect(await sessions!.get('x')).toBe('session');
    expect(await other!.get('x')).toBe('other');
  });
});

describe('different servers or databases', () => {
  it('accept the same prefix', async () => {
    const { redis, valkey } = testServers();
    const p = uniquePrefix();
    const registry = await create({
      default: { location: `${redis.url}/1`, keyPrefix: p },
      db2: { location: `${redis.url}/2`, keyPrefix: p },
      valkey: { location: valkey.url, keyPrefix: p },
      memory: { location: 'memory://', keyPrefix: p },
      memoryOther: { location: 'memory://other', keyPrefix: p },
    });
    await registry.get('default').set('k', 1);
    expect(await registry.get('db2').get('k')).toBeUndefined();
  });

  it('refuses the same prefix on one server named two ways (localhost and 127.0.0.1)', async () => {
    const { port } = testServers().redis;
    const p = uniquePrefix();
    await expect(
      create({
        default: { location: `redis://localhost:${port}`, keyPrefix: p },
        other: { location: `redis://127.0.0.1:${port}/0`, keyPrefix: p },
      }),
    ).rejects.toBeInstanceOf(CacheXConfigError);
  });
});
