/**
 * The module's session storage (one hash per session, saved field by field by one atomic script,
 * or its memory twin) on every backend: memory, Redis, Valkey and Cluster, with the JSON codec
 * and a binary one (msgpack).
 */
import { CacheRegistry, type CacheConfig, type SessionModuleOptions } from '../../lib/index.js';
import { resolveSessionSettings } from '../../lib/session/session.config.js';
import { SessionStorage } from '../../lib/session/session-storage.js';
import { uniquePrefix } from '../contract/cache.contract.js';
import { testServers } from '../harness/index.js';

const SECRET = 'a-test-secret-of-at-least-32-characters';

const backends: Array<{ name: string; config: () => CacheConfig }> = [
  { name: 'memory', config: () => ({ location: 'memory://' }) },
  { name: 'redis', config: () => ({ location: testServers().redis.url }) },
  { name: 'valkey', config: () => ({ location: testServers().valkey.url }) },
  { name: 'cluster', config: () => ({ location: testServers().cluster.urls, cluster: true }) },
  {
    name: 'redis, msgpack',
    config: () => ({ location: testServers().redis.url, serializer: 'msgpack' }),
  },
];

describe.each(backends)('session storage on $name', ({ config }) => {
  let registry: CacheRegistry;
  let storage: SessionStorage;

  async function open(options: Partial<SessionModuleOptions> = {}) {
    registry = await CacheRegistry.create({
      default: { keyPrefix: uniquePrefix(), ttl: '1h', ...config() },
    });
    storage = new SessionStorage(resolveSessionSettings({ secret: SECRET, ...options }), registry);
  }

  afterEach(async () => {
    await registry.get('default').clear();
    await registry.onApplicationShutdown();
  });

  const encoded = (fields: Record<string, unknown>) =>
    new Map(Object.entries(fields).map(([k, v]) => [k, storage.encode(k, v)]));

  it('saves a new session and loads it back, with its TTL, under session:<id>', async () => {
    await open();
    const when = new Date('2024-01-02T03:04:05Z');
    expect(await storage.save('s1', false, encoded({ userId: 42, when, é: [1] }), new Set())).toBe(
      true,
    );
    const loaded = await storage.load('s1');
    expect(Object.fromEntries(loaded!.data)).toEqual({ userId: 42, when, é: [1] });
    expect(loaded!.savedAt).toBeGreaterThan(Date.now() - 5_000);
    expect(loaded!.savedAt).toBeLessThanOrEqual(Date.now());
    const cache = registry.get('default');
    expect(await cache.ttl('session:s1')).toBeGreaterThan(3_590_000);
    expect(await cache.keys('*')).toEqual(['session:s1']);
    expect(await storage.load('missing')).toBeUndefined();
  });

  it('writes only the changed fields, so concurrent saves of different fields both stay', async () => {
    await open();
    await storage.save('s2', false, encoded({ a: 1, b: 1, c: 1 }), new Set());
    await Promise.all([
      storage.save('s2', true, encoded({ a: 2 }), new Set()),
      storage.save('s2', true, encoded({ b: 2 }), new Set(['c'])),
    ]);
    expect(Object.fromEntries((await storage.load('s2'))!.data)).toEqual({ a: 2, b: 2 });
  });

  it('never resurrects a destroyed or expired session: saves and touches of it write nothing', async () => {
    await open({ ttl: 200 });
    await storage.save('s3', false, encoded({ a: 1 }), new Set());
    await storage.destroy('s3');
    expect(await storage.save('s3', true, encoded({ a: 2 }), new Set())).toBe(false);
    expect(await storage.touch('s3')).toBe(false);
    expect(await storage.load('s3')).toBeUndefined();
    await storage.save('s4', false, encoded({ a: 1 }), new Set());
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await storage.save('s4', true, encoded({ a: 2 }), new Set())).toBe(false);
    expect(await storage.load('s4')).toBeUndefined();
  });

  it('keeps an emptied session until it expires or is destroyed', async () => {
    await open();
    await storage.save('s5', false, encoded({ a: 1 }), new Set());
    expect(await storage.save('s5', true, new Map(), new Set(['a']))).toBe(true);
    const loaded = await storage.load('s5');
    expect(loaded && Object.fromEntries(loaded.data)).toEqual({});
  });

  it('touch renews the expiry of an existing session and stamps it', async () => {
    await open({ ttl: 1000 });
    const cache = registry.get('default');
    await storage.save('s6', false, encoded({ a: 1 }), new Set());
    const saved = (await storage.load('s6'))!.savedAt;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await cache.ttl('session:s6')).toBeLessThan(800);
    expect(await storage.touch('s6')).toBe(true);
    expect(await cache.ttl('session:s6')).toBeGreaterThan(900);
    expect((await storage.load('s6'))!.savedAt).toBeGreaterThanOrEqual(saved + 250);
    expect(Object.fromEntries((await storage.load('s6'))!.data)).toEqual({ a: 1 });
  });

  it('answers each of many concurrent loads with its own session, missing one or error', async () => {
    await open();
    // Loads asked for together are sent together (one pipeline, several nodes on a cluster):
    // each must get its own answer, in any order of ids.
    const ids = Array.from({ length: 40 }, (_, i) => `c${i}`);
    await Promise.all(
      ids.map((id, i) =>
        i % 5 === 4 ? Promise.resolve() : storage.save(id, false, encoded({ n: i }), new Set()),
      ),
    );
    await registry.get('default').set('session:c3', 'a string');
    const results = await Promise.allSettled(ids.map((id) => storage.load(id)));
    results.forEach((result, i) => {
      if (i === 3) expect(result).toMatchObject({ reason: { name: 'WrongTypeError' } });
      else if (i % 5 === 4) expect(result).toEqual({ status: 'fulfilled', value: undefined });
      else
        expect(result.status === 'fulfilled' && Object.fromEntries(result.value!.data)).toEqual({
          n: i,
        });
    });
  });

  it('answers WRONGTYPE as a typed error when the key holds another type', async () => {
    await open();
    await registry.get('default').set('session:s7', 'a string');
    await expect(storage.load('s7')).rejects.toMatchObject({ name: 'WrongTypeError' });
    await expect(storage.save('s7', true, encoded({ a: 1 }), new Set())).rejects.toMatchObject({
      name: 'WrongTypeError',
    });
  });
});
