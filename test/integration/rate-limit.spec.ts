import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import {
  CacheRegistry,
  CacheXConnectionError,
  RateLimiter,
  type CacheConfig,
  type RateLimitBackendErrorMode,
} from '../../lib/index.js';
import { resolveRateLimitSettings } from '../../lib/rate-limit/rate-limit.config.js';
import { ALGORITHMS } from '../contract/rate-limit.contract.js';
import { uniquePrefix } from '../contract/cache.contract.js';
import { spawnRedis, testServers, type SpawnedRedis } from '../harness/index.js';

const opened: Array<{ registry: CacheRegistry; limiter: RateLimiter }> = [];

async function open(
  config: CacheConfig,
  onBackendError?: RateLimitBackendErrorMode,
): Promise<{ registry: CacheRegistry; limiter: RateLimiter }> {
  const registry = await CacheRegistry.create({
    default: { keyPrefix: uniquePrefix(), ...config },
  });
  const limiter = RateLimiter.register(registry, resolveRateLimitSettings({ onBackendError }));
  opened.push({ registry, limiter });
  return { registry, limiter };
}

afterEach(async () => {
  jest.restoreAllMocks();
  for (const { registry, limiter } of opened.splice(0)) {
    await limiter.onApplicationShutdown();
    await registry.onApplicationShutdown();
  }
});

const key = () => `client:${randomUUID().slice(0, 8)}`;

describe('the clock is the server’s', () => {
  it.each(ALGORITHMS)(
    '%s on Redis: an app server with a skewed clock sees the same limit',
    async (algorithm) => {
      const { limiter } = await open({ location: testServers().redis.url });
      const k = key();
      const options = { limit: 2, window: '10s', algorithm };
      const realNow = Date.now();
      const clock = jest.spyOn(Date, 'now');
      clock.mockReturnValue(realNow - 3_600_000); // this app server is an hour behind…
      expect((await limiter.consume(k, options)).allowed).toBe(true);
      expect((await limiter.consume(k, options)).allowed).toBe(true);
      clock.mockReturnValue(realNow + 3_600_000); // …this one an hour ahead
      const refused = await limiter.consume(k, options);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(10_000);
      clock.mockRestore();
      await limiter.reset(k);
    },
  );

  it('(while the memory backend, in one process, runs on that process’ clock)', async () => {
    const { limiter } = await open({ location: `memory://${randomUUID()}` });
    const k = key();
    const options = { limit: 1, window: '10s' };
    const realNow = Date.now();
    const clock = jest.spyOn(Date, 'now');
    clock.mockReturnValue(realNow);
    await limiter.consume(k, options);
    clock.mockReturnValue(realNow + 3_600_000);
    expect((await limiter.consume(k, options)).allowed).toBe(true);
  });
});

describe('when the server is down', () => {
  let server: SpawnedRedis;

  beforeEach(async () => {
    server = await spawnRedis();
  });

  afterEach(async () => {
    await server.stop();
  });

  /** A cache on the private server that fails fast while it is down. */
  const config = (): CacheConfig => ({
    location: server.url,
    redis: { maxRetriesPerRequest: 1, retryStrategy: () => 50 },
  });

  /** The rate limiter's log lines about the outage. */
  function outageLog() {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const mine = (spy: typeof error) =>
      spy.mock.calls.map(([message]) => String(message)).filter((m) => m.startsWith('Rate limits'));
    return { down: () => mine(error), up: () => mine(log) };
  }

  it("'allow', 'deny' and 'throw' answer as they say; the outage is logged once", async () => {
    const logs = outageLog();
    const { limiter } = await open(config());
    const k = key();
    const options = { limit: 5, window: '1m' };
    expect((await limiter.consume(k, options)).remaining).toBe(4);
    await server.stop();

    expect(await limiter.consume(k, { ...options, onBackendError: 'allow' })).toEqual({
      allowed: true,
      limit: 5,
      remaining: 4,
      resetMs: 0,
      retryAfterMs: 0,
    });
    expect(await limiter.consume(k, { ...options, onBackendError: 'deny' })).toEqual({
      allowed: false,
      limit: 5,
      remaining: 0,
      resetMs: 60_000,
      retryAfterMs: 60_000,
    });
    await expect(limiter.consume(k, { ...options, onBackendError: 'throw' })).rejects.toThrow(
      CacheXConnectionError,
    );
    for (let i = 0; i < 5; i++) await limiter.peek(k, options);
    expect(logs.down()).toHaveLength(1);
    expect(logs.down()[0]).toMatch(/^Rate limits on cache 'default' cannot reach the server \(/);
    expect(logs.up()).toEqual([]);
  });

  it("the module's onBackendError is the default; without it, 'allow'", async () => {
    outageLog();
    const denying = await open(config(), 'deny');
    const allowing = await open(config());
    await server.stop();
    expect((await denying.limiter.consume(key(), { limit: 1, window: '1s' })).allowed).toBe(false);
    expect((await allowing.limiter.consume(key(), { limit: 1, window: '1s' })).allowed).toBe(true);
  });

  it("'fallback' keeps the limit in the process while the server is down", async () => {
    outageLog();
    const { limiter } = await open(config(), 'fallback');
    const k = key();
    const options = { limit: 2, window: '1m' };
    await server.stop();
    expect((await limiter.consume(k, options)).allowed).toBe(true);
    expect((await limiter.consume(k, options)).allowed).toBe(true);
    const refused = await limiter.consume(k, options);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(59_000);
    // reset clears the fallback's counters, and says that the server's could not be.
    await expect(limiter.reset(k)).rejects.toThrow(CacheXConnectionError);
    expect((await limiter.consume(k, options)).allowed).toBe(true);
  });

  it('tries the server once per second while it is down, not on every request', async () => {
    outageLog();
    const { registry, limiter } = await open(config(), 'fallback');
    const run = jest.spyOn(registry.get('default').backend, 'run');
    await server.stop();
    await limiter.consume(key(), { limit: 100, window: '1m' });
    expect(run).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 20; i++) await limiter.consume(key(), { limit: 100, window: '1m' });
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('logs the return of the server once, and counts on it again', async () => {
    const logs = outageLog();
    const { limiter } = await open(config(), 'fallback');
    const k = key();
    const options = { limit: 3, window: '1m' };
    await server.stop();
    await limiter.consume(k, options);
    await server.restart();
    // Bounded wait: the client reconnects, and the next probe (within a second) succeeds.
    const deadline = Date.now() + 10_000;
    while (logs.up().length === 0) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await limiter.consume(key(), options);
    }
    expect(logs.up()).toEqual(["Rate limits on cache 'default' reach the server again."]);
    expect(logs.down()).toHaveLength(1);
    // The restarted server is empty: the request counted in the fallback is not there.
    expect((await limiter.consume(k, options)).remaining).toBe(2);
    await limiter.consume(key(), options);
    expect(logs.up()).toHaveLength(1);
  });
});
