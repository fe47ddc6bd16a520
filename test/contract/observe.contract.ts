import { HealthIndicatorService } from '@nestjs/terminus';
import {
  CacheRegistry,
  CacheXConfigError,
  InvalidArgumentError,
  LockAcquireTimeoutError,
  LockLostError,
  RateLimiter,
  WrongTypeError,
  type CacheConfig,
  type CacheService,
} from '../../lib/index.js';
import { CacheXHealthIndicator } from '../../lib/health/index.js';
import { uniquePrefix } from './cache.contract.js';
import { rejection, sleep } from './open-caches.js';

const ZERO_OPS = { hits: 0, misses: 0, sets: 0, deletes: 0, errors: 0, timeouts: 0 };

/**
 * The observability contract: `cache.stats()` counts the same numbers for the same sequence on
 * every backend, `cache.ping()` measures a round trip, and the health indicator reports the
 * cache `up`. Each test opens its own registry under a unique prefix.
 */
export function observeContract(label: string, base: () => CacheConfig): void {
  describe(`observability contract: ${label}`, () => {
    let registry: CacheRegistry;
    let cache: CacheService;

    beforeEach(async () => {
      registry = await CacheRegistry.create({ default: { ...base(), keyPrefix: uniquePrefix() } });
      cache = registry.get('default');
    });

    afterEach(async () => {
      await cache.clear();
      await registry.onApplicationShutdown();
    });

    it('starts with every counter at zero', () => {
      expect(cache.stats()).toStrictEqual({
        ops: ZERO_OPS,
        methods: { hits: 0, misses: 0, staleServed: 0, refreshes: 0, evictions: 0, errors: 0 },
        locks: { acquired: 0, timedOut: 0, lost: 0 },
        rateLimits: { allowed: 0, denied: 0 },
      });
    });

    it('counts hits and misses per key, values written and keys deleted', async () => {
      await cache.set('a', 1);
      await cache.set('b', { n: 2 });
      expect(await cache.get('a')).toBe(1);
      expect(await cache.get('c')).toBeUndefined();
      expect((await cache.getMany(['a', 'b', 'c', 'd'])).size).toBe(2);
      expect(await cache.add('a', 9)).toBe(false);
      await cache.setMany({ x: 'x', y: 'y' });
      expect(await cache.getOrSet('z', () => 'computed')).toBe('computed');
      expect(await cache.delete('a')).toBe(true);
      expect(await cache.delete('nothing')).toBe(false);
      expect(await cache.deleteMany(['b', 'x', 'nothing'])).toBe(2);
      // A value that is not plain JSON takes the encoding path on every backend.
      await cache.set('date', new Date(0));
      expect(cache.stats().ops).toStrictEqual({
        ...ZERO_OPS,
        hits: 3,
        misses: 4,
        sets: 6,
        deletes: 3,
      });
    });

    it('counts operations the server refused as errors, not as timeouts', async () => {
      await cache.set('text', 'not a number');
      expect(await rejection(cache.incr('text'))).toBeInstanceOf(WrongTypeError);
      expect(cache.stats().ops).toMatchObject({ errors: 1, timeouts: 0, sets: 1 });
    });

    it('keeps method caching in its own counters', async () => {
      const compute = () => 'value';
      await cache.wrap('m', compute);
      await cache.wrap('m', compute);
      const stats = cache.stats();
      expect(stats.methods).toMatchObject({ hits: 1, misses: 1 });
      expect(stats.ops).toStrictEqual(ZERO_OPS);
    });

    it('counts locks acquired, acquisitions that gave up, and locks lost', async () => {
      const first = cache.lock('job');
      expect(await first.acquire()).toBe(true);
      expect(await cache.lock('job').acquire()).toBe(false);
      expect(await cache.lock('job').acquire({ wait: 60 })).toBe(false);
      expect(await rejection(cache.withLock('job', () => 'never'))).toBeInstanceOf(
        LockAcquireTimeoutError,
      );
      await first.release();
      expect(cache.stats().locks).toStrictEqual({ acquired: 1, timedOut: 3, lost: 0 });

      const short = cache.lock('short', { lease: 60 });
      expect(await short.acquire()).toBe(true);
      await sleep(150);
      expect(await rejection(short.release())).toBeInstanceOf(LockLostError);
      expect(cache.stats().locks).toStrictEqual({ acquired: 2, timedOut: 3, lost: 1 });
    });

    it('counts rate-limited requests allowed and denied', async () => {
      const limiter = RateLimiter.of(registry);
      const options = { limit: 2, window: '1m' } as const;
      const results = [];
      for (let i = 0; i < 3; i++) results.push((await limiter.consume('login', options)).allowed);
      expect(results).toStrictEqual([true, true, false]);
      await limiter.peek('login', options);
      expect(cache.stats().rateLimits).toStrictEqual({ allowed: 2, denied: 1 });
    });

    it('measures a round trip with ping()', async () => {
      const ms = await cache.ping();
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(1000);
    });

    it('reports the cache up, with its PING round trip, to terminus', async () => {
      const indicator = new CacheXHealthIndicator(new HealthIndicatorService(), registry);
      const result = await indicator.isHealthy();
      expect(result).toStrictEqual({
        'cache:default': { status: 'up', pingMs: expect.any(Number) },
      });
      expect(await indicator.isHealthy(['default'], { timeout: '2s' })).toMatchObject({
        'cache:default': { status: 'up' },
      });
    });

    it('rejects an unknown cache and an invalid timeout, naming them', async () => {
      const indicator = new CacheXHealthIndicator(new HealthIndicatorService(), registry);
      const unknown = await rejection(indicator.isHealthy('nope'));
      expect(unknown).toBeInstanceOf(CacheXConfigError);
      expect((unknown as Error).message).toContain("'nope'");
      for (const timeout of [0, -5, 'soon'] as const) {
        const error = await rejection(indicator.isHealthy('default', { timeout }));
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as Error).message).toContain('`timeout`');
      }
    });
  });
}
