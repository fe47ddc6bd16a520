/**
 * Single flight on a server: a `@Cacheable` hit reads without registering its call, so the
 * calls that do not find a value meet only when their reads come back. A call made before the
 * method's run settled must still not run it again, even when its read comes back after that
 * and the result was not stored.
 */
import { Cacheable, CacheRegistry, type CacheService } from '../../lib/index.js';
import { uniquePrefix } from '../contract/cache.contract.js';
import { testServers } from '../harness/index.js';

class Service {
  runs = 0;

  /** Settles at once, and is not stored: a later read finds nothing, only the run answers it. */
  @Cacheable({ key: 'quick:{0}' })
  async quick(id: number): Promise<undefined> {
    this.runs++;
    void id;
    return undefined;
  }

  @Cacheable({ key: 'fast:{0}', ttl: '1h' })
  async fast(id: number): Promise<string> {
    this.runs++;
    return `v${id}`;
  }
}

describe('@Cacheable single flight on a server', () => {
  let registry: CacheRegistry;
  let cache: CacheService;

  beforeAll(async () => {
    registry = await CacheRegistry.create({
      default: { location: testServers().redis.url, keyPrefix: uniquePrefix() },
    });
    registry.onModuleInit();
    cache = registry.get('default');
  });

  afterAll(async () => {
    await registry.onApplicationShutdown();
  });

  it('a call made while another call reads joins its run, though its read returns after the run settled', async () => {
    const service = new Service();
    const rounds = 200;
    // A second call made once the first has settled runs the method again (nothing was
    // stored): those are counted apart.
    let afterSettled = 0;
    for (let i = 0; i < rounds; i++) {
      let settled = false;
      const first = service.quick(i).then(() => (settled = true));
      // The second read leaves a turn later: the first's may come back (and its run settle)
      // before the second's does.
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) afterSettled++;
      await Promise.all([first, service.quick(i)]);
    }
    expect(service.runs).toBe(rounds + afterSettled);
  });

  it('counts every call as what answered it, and runs the method once for concurrent misses', async () => {
    const service = new Service();
    const before = cache.stats().methods;
    const misses = await Promise.all(Array.from({ length: 20 }, () => service.fast(7)));
    expect(new Set(misses)).toStrictEqual(new Set(['v7']));
    expect(service.runs).toBe(1);
    const hits = await Promise.all(Array.from({ length: 20 }, () => service.fast(7)));
    expect(new Set(hits)).toStrictEqual(new Set(['v7']));
    const after = cache.stats().methods;
    // A call that joined the computation is counted as the miss it shared.
    expect(after.hits - before.hits).toBe(20);
    expect(after.misses - before.misses).toBe(20);
  });
});
