import { randomUUID } from 'node:crypto';
import {
  CacheRegistry,
  CacheXConfigError,
  InvalidArgumentError,
  RateLimiter,
  type CacheConfig,
  type CacheService,
  type RateLimitAlgorithm,
  type RateLimitOptions,
} from '../../lib/index.js';
import { uniquePrefix } from './cache.contract.js';

export const ALGORITHMS: RateLimitAlgorithm[] = [
  'sliding-log',
  'sliding-window',
  'fixed-window',
  'token-bucket',
];

/** How long each algorithm's key may live after a request, at most, for a window `w`. */
const KEY_LIFETIME: Record<RateLimitAlgorithm, (w: number) => number> = {
  'sliding-log': (w) => w,
  'sliding-window': (w) => 2 * w,
  'fixed-window': (w) => w,
  'token-bucket': (w) => w,
};
const KEY_SUFFIX: Record<RateLimitAlgorithm, string> = {
  'sliding-log': 'log',
  'sliding-window': 'sw',
  'fixed-window': 'fw',
  'token-bucket': 'tb',
};

/** Slack added to a server-given wait before retrying: timers and round trips are not exact. */
const SLACK_MS = 30;

/**
 * The rate-limit contract: `RateLimiter` behaves the same on every backend (the memory twins and
 * the Lua scripts answer the same numbers). Each test uses its own cache prefix and keys.
 */
export function rateLimitContract(label: string, base: () => CacheConfig): void {
  describe(`rate limit contract: ${label}`, () => {
    let registry: CacheRegistry;
    let cache: CacheService;
    let limiter: RateLimiter;

    beforeEach(async () => {
      registry = await CacheRegistry.create({
        default: { ...base(), keyPrefix: uniquePrefix() },
      });
      cache = registry.get('default');
      limiter = new RateLimiter(registry);
    });

    afterEach(async () => {
      for (const key of used.splice(0)) await limiter.reset(key);
      await limiter.onApplicationShutdown();
      await registry.onApplicationShutdown();
    });

    const used: string[] = [];
    /** A fresh key, reset after the test. */
    const newKey = (): string => {
      const key = `user:${randomUUID().slice(0, 8)}`;
      used.push(key);
      return key;
    };

    describe.each(ALGORITHMS)('%s', (algorithm) => {
      it('admits exactly `limit` of many concurrent requests', async () => {
        const key = newKey();
        const options: RateLimitOptions = { limit: 10, window: '1h', algorithm };
        const results = await Promise.all(
          Array.from({ length: 40 }, () => limiter.consume(key, options)),
        );
        const admitted = results.filter((r) => r.allowed);
        expect(admitted).toHaveLength(10);
        expect(admitted.map((r) => r.remaining).sort((a, b) => a - b)).toEqual([
          0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
        ]);
        for (const r of results) {
          expect(r.limit).toBe(10);
          if (!r.allowed) expect(r.retryAfterMs).toBeGreaterThan(0);
        }
        const after = await limiter.peek(key, options);
        expect(after).toMatchObject({ allowed: false, remaining: 0 });
      });

      it('refuses over the limit with retryAfterMs, and admits again after it', async () => {
        const key = newKey();
        const options: RateLimitOptions = { limit: 3, window: 300, algorithm };
        await alignWindow(algorithm, 300);
        const first = await limiter.consume(key, options);
        expect(first).toMatchObject({ allowed: true, limit: 3, remaining: 2, retryAfterMs: 0 });
        expect(first.resetMs).toBeGreaterThan(0);
        expect(first.resetMs).toBeLessThanOrEqual(KEY_LIFETIME[algorithm](300));
        expect((await limiter.consume(key, options)).remaining).toBe(1);
        expect((await limiter.consume(key, options)).remaining).toBe(0);
        const refused = await limiter.consume(key, options);
        expect(refused).toMatchObject({ allowed: false, remaining: 0 });
        expect(refused.retryAfterMs).toBeGreaterThan(0);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(2 * 300);

        await sleep(refused.retryAfterMs + SLACK_MS);
        expect((await limiter.consume(key, options)).allowed).toBe(true);
      });

      it('is fully available again after resetMs', async () => {
        const key = newKey();
        const options: RateLimitOptions = { limit: 2, window: 250, algorithm };
        await limiter.consume(key, options);
        const last = await limiter.consume(key, options);
        await sleep(last.resetMs + SLACK_MS);
        expect(await limiter.peek(key, options)).toEqual({
          allowed: true,
          limit: 2,
          remaining: 2,
          resetMs: 0,
          retryAfterMs: 0,
        });
      });

      it('does not record refused requests: a client that keeps retrying gets through', async () => {
        const key = newKey();
        const options: RateLimitOptions = { limit: 2, window: 300, algorithm };
        await limiter.consume(key, options);
        await limiter.consume(key, options);
        const started = Date.now();
        let refusals = 0;
        while (!(await limiter.consume(key, options)).allowed) {
          refusals++;
          expect(Date.now() - started).toBeLessThan(2 * 300 + 500);
          await sleep(15);
        }
        // Had the refusals been recorded, the retries would keep the window full for ever.
        expect(refusals).toBeGreaterThan(0);
      });

      it('peek counts nothing', async () => {
        const key = newKey();
        const options: RateLimitOptions = { limit: 2, window: '1h', algorithm };
        for (let i = 0; i < 3; i++) {
          expect(await limiter.peek(key, options)).toEqual({
            allowed: true,
            limit: 2,
            remaining: 2,
            resetMs: 0,
            retryAfterMs: 0,
          });
        }
        await limiter.consume(key, options);
        expect(await limiter.peek(key, options)).toMatchObject({ allowed: true, remaining: 1 });
        await limiter.consume(key, options);
        const full = await limiter.peek(key, options);
        expect(full).toMatchObject({ allowed: false, remaining: 0 });
        expect(full.retryAfterMs).toBeGreaterThan(0);
        expect((await limiter.peek(key, options)).remaining).toBe(0);
      });

      it('takes `cost` units per request', async () => {
        const key = newKey();
        const options = { limit: 5, window: '1h', algorithm };
        expect(await limiter.consume(key, { ...options, cost: 2 })).toMatchObject({
          allowed: true,
          remaining: 3,
        });
        expect((await limiter.consume(key, { ...options, cost: 2 })).remaining).toBe(1);
        const refused = await limiter.consume(key, { ...options, cost: 2 });
        expect(refused).toMatchObject({ allowed: false, remaining: 1 });
        expect(await limiter.consume(key, options)).toMatchObject({ allowed: true, remaining: 0 });
      });

      it('keeps its key out of keys() and clear(), and lets it expire on its own', async () => {
        const key = newKey();
        await cache.set('user-data', 1);
        await alignWindow(algorithm, 400);
        await limiter.consume(key, { limit: 5, window: 400, algorithm });
        expect(await cache.keys()).toEqual(['user-data']);
        expect(await cache.clear()).toBe(1);
        expect((await limiter.peek(key, { limit: 5, window: 400, algorithm })).remaining).toBe(4);

        const full = cache.keyBuilder.internal('rl', `{${key}}:${KEY_SUFFIX[algorithm]}`);
        const ttl = await cache.backend.command({ name: 'pttl', keys: [full], args: [] });
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(KEY_LIFETIME[algorithm](400));
      });

      it('reset forgets what was counted', async () => {
        const key = newKey();
        const options = { limit: 1, window: '1h', algorithm };
        await limiter.consume(key, options);
        expect((await limiter.consume(key, options)).allowed).toBe(false);
        expect(await limiter.reset(key)).toBe(true);
        expect((await limiter.consume(key, options)).allowed).toBe(true);
        expect(await limiter.reset(newKey())).toBe(false);
      });
    });

    it('counts two requests in the same millisecond as two (sliding log)', async () => {
      const key = newKey();
      const options: RateLimitOptions = { limit: 100, window: '1h' };
      await Promise.all(Array.from({ length: 30 }, () => limiter.consume(key, options)));
      expect((await limiter.peek(key, options)).remaining).toBe(70);
    });

    it('keeps each algorithm in its own key; reset can target one', async () => {
      const key = newKey();
      const options = { limit: 1, window: '1h' };
      await limiter.consume(key, { ...options, algorithm: 'sliding-log' });
      await limiter.consume(key, { ...options, algorithm: 'fixed-window' });
      expect(await limiter.reset(key, { algorithm: 'sliding-log' })).toBe(true);
      expect((await limiter.peek(key, { ...options, algorithm: 'sliding-log' })).allowed).toBe(
        true,
      );
      expect((await limiter.peek(key, { ...options, algorithm: 'fixed-window' })).allowed).toBe(
        false,
      );
    });

    it('sliding window: weighs the previous window by its overlap', async () => {
      const key = newKey();
      const window = 400;
      const options: RateLimitOptions = { limit: 4, window, algorithm: 'sliding-window' };
      await alignWindow('sliding-window', window);
      for (let i = 0; i < 4; i++) expect((await limiter.consume(key, options)).allowed).toBe(true);
      expect((await limiter.consume(key, options)).allowed).toBe(false);
      // In the next window, the previous window's 4 requests weigh 4 * (1 - elapsed / window).
      const remainingAt = (elapsed: number) => 4 - Math.floor((4 * (window - elapsed)) / window);
      await sleep(window - (Date.now() % window) + 40);
      for (const pause of [0, 200]) {
        await sleep(pause);
        const before = Date.now() % window;
        const { remaining } = await limiter.peek(key, options);
        const after = Date.now() % window;
        expect(remaining).toBeGreaterThanOrEqual(remainingAt(before));
        expect(remaining).toBeLessThanOrEqual(remainingAt(after));
      }
    });

    it('token bucket: a burst of `limit`, then one request per window/limit', async () => {
      const key = newKey();
      const options: RateLimitOptions = { limit: 4, window: 400, algorithm: 'token-bucket' };
      for (let i = 0; i < 4; i++) expect((await limiter.consume(key, options)).allowed).toBe(true);
      const refused = await limiter.consume(key, options);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(100);
      await sleep(refused.retryAfterMs + SLACK_MS);
      expect((await limiter.consume(key, options)).allowed).toBe(true);
      expect((await limiter.consume(key, options)).allowed).toBe(false);
    });

    it('fixed window: the window starts with the first request', async () => {
      const key = newKey();
      const options: RateLimitOptions = { limit: 2, window: 300, algorithm: 'fixed-window' };
      await limiter.consume(key, options);
      await sleep(150);
      const second = await limiter.consume(key, options);
      expect(second.allowed).toBe(true);
      expect(second.resetMs).toBeLessThanOrEqual(150 + SLACK_MS);
      const refused = await limiter.consume(key, options);
      expect(refused.retryAfterMs).toBe(refused.resetMs);
      await sleep(refused.retryAfterMs + SLACK_MS);
      expect(await limiter.consume(key, options)).toMatchObject({ allowed: true, remaining: 1 });
    });

    it('rejects bad arguments with InvalidArgumentError, counting nothing', async () => {
      const key = newKey();
      const bad: Array<[string, () => Promise<unknown>]> = [
        ['limit', () => limiter.consume(key, { limit: 0, window: '1s' })],
        ['limit', () => limiter.consume(key, { limit: 1.5, window: '1s' })],
        ['window', () => limiter.consume(key, { limit: 1, window: 'soon' })],
        ['window', () => limiter.consume(key, { limit: 1, window: 0 })],
        ['cost', () => limiter.consume(key, { limit: 2, window: '1s', cost: 3 })],
        ['cost', () => limiter.consume(key, { limit: 2, window: '1s', cost: 0 })],
        ['key', () => limiter.consume('', { limit: 1, window: '1s' })],
        [
          'algorithm',
          () =>
            limiter.consume(key, {
              limit: 1,
              window: '1s',
              algorithm: 'leaky' as RateLimitAlgorithm,
            }),
        ],
        [
          'onBackendError',
          () =>
            limiter.consume(key, { limit: 1, window: '1s', onBackendError: 'panic' as 'allow' }),
        ],
      ];
      for (const [argument, call] of bad) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect(error).toMatchObject({ cache: 'default', argument });
      }
      await expect(limiter.consume(key, { limit: 1, window: '1s', cache: 'nope' })).rejects.toThrow(
        CacheXConfigError,
      );
      expect((await limiter.peek(key, { limit: 1, window: '1s' })).remaining).toBe(1);
    });
  });
}

/**
 * Sliding windows are aligned on the epoch: a short test of one starts just after a boundary, so
 * that its few requests fall in one window.
 */
async function alignWindow(algorithm: RateLimitAlgorithm, window: number): Promise<void> {
  if (algorithm === 'sliding-window') await sleep(window - (Date.now() % window) + 5);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
