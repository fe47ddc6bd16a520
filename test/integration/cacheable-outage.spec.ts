/**
 * Method caching fails open: with its server stopped, decorated methods still answer (within
 * the cache's command timeout), evictions do not fail the caller, nothing is left unhandled, and
 * caching resumes when the server is back.
 */
import { CacheEvict, Cacheable, CacheRegistry, type CacheService } from '../../lib/index.js';
import { uniquePrefix } from '../contract/cache.contract.js';
import { sleep } from '../contract/open-caches.js';
import { spawnRedis, type SpawnedRedis } from '../harness/index.js';

class Catalog {
  runs = 0;

  @Cacheable({ key: 'product:{0}', ttl: '1h', tags: (id: number) => [`product:${id}`] })
  async product(id: number): Promise<{ id: number; run: number }> {
    return { id, run: ++this.runs };
  }

  @Cacheable({ key: 'locked:{0}', lock: { wait: '5s' } })
  async locked(id: number): Promise<number> {
    return id * 10 + ++this.runs * 0;
  }

  @CacheEvict({ tags: (id: number) => [`product:${id}`], key: 'product:{0}' })
  async update(id: number): Promise<number> {
    return id;
  }
}

describe('method caching when the server is down', () => {
  let server: SpawnedRedis;
  let registry: CacheRegistry;
  let cache: CacheService;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await spawnRedis();
    registry = await CacheRegistry.create({
      default: {
        location: `redis://${server.host}:${server.port}`,
        keyPrefix: uniquePrefix(),
        redis: { commandTimeout: 300 },
      },
    });
    registry.onModuleInit();
    cache = registry.get('default');
  });

  afterAll(async () => {
    await registry.onApplicationShutdown();
    await server.stop();
    process.off('unhandledRejection', onUnhandled);
  });

  it('serves methods uncached while the server is stopped, and caches again once it is back', async () => {
    const catalog = new Catalog();
    expect(await catalog.product(1)).toStrictEqual({ id: 1, run: 1 });
    expect(await catalog.product(1)).toStrictEqual({ id: 1, run: 1 });

    await server.stop();
    for (let i = 2; i <= 4; i++) {
      const started = Date.now();
      expect(await catalog.product(1)).toStrictEqual({ id: 1, run: i });
      // The read waits at most the command timeout (300 ms) and the write is dropped the same way.
      expect(Date.now() - started).toBeLessThan(1_500);
    }
    const started = Date.now();
    expect(await catalog.update(1)).toBe(1);
    expect(await catalog.locked(2)).toBe(20);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(cache.stats().methods.errors).toBeGreaterThan(0);

    await server.restart();
    // Reconnection takes a retry or two; then values are stored and served again.
    const deadline = Date.now() + 10_000;
    let runs = catalog.runs;
    while (Date.now() < deadline) {
      await catalog.product(5);
      const again = await catalog.product(5);
      if (catalog.runs === runs + 1 && again.run === catalog.runs) break;
      runs = catalog.runs;
      await sleep(100);
    }
    const before = catalog.runs;
    await catalog.product(5);
    expect(catalog.runs).toBe(before);
    await sleep(50);
    expect(unhandled).toStrictEqual([]);
  }, 30_000);
});
