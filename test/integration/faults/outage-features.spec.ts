/**
 * Issue 11, fault test 3: rate limits, locks and method caching while the server is killed or
 * paused. Rate limits answer per `onBackendError`, lock calls throw typed errors at their own
 * deadline (and a lock never has two holders), method caching fails open; every call settles
 * within its deadline plus the command timeout and a margin, and nothing is left unhandled.
 */
import { jest } from '@jest/globals';
import { Injectable, Logger, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  Cacheable,
  CacheRegistry,
  CacheXConnectionError,
  CacheXModule,
  LockAcquireTimeoutError,
  RateLimiter,
  type CacheService,
} from '../../../lib/index.js';
import { resolveRateLimitSettings } from '../../../lib/rate-limit/rate-limit.config.js';
import { spawnRedis, type SpawnedRedis } from '../../harness/index.js';
import {
  MARGIN_MS,
  TIMEOUT_MS,
  report,
  serverPid,
  settle,
  timeUntil,
  watchUnhandledRejections,
} from './outage-support.js';

jest.setTimeout(30_000);
const unhandled = watchUnhandledRejections();
const LOCK_WAIT_MS = 1_000;

@Injectable()
class PriceService {
  runs = 0;

  @Cacheable({ key: (sku: string) => `price:${sku}`, ttl: '1m' })
  async price(sku: string): Promise<{ sku: string; cents: number }> {
    this.runs++;
    return { sku, cents: 100 };
  }
}

describe('features while the server is down', () => {
  let server: SpawnedRedis;
  let pid: number;
  let app: INestApplication;
  let cache: CacheService;
  let prices: PriceService;
  /** A second application on the same server: another process competing for locks. */
  let other: CacheRegistry;
  let limiter: RateLimiter;

  beforeAll(async () => {
    server = await spawnRedis();
    pid = await serverPid(server);
    const moduleRef = await Test.createTestingModule({
      imports: [CacheXModule.forRoot({ default: { location: server.url, keyPrefix: 'features' } })],
      providers: [PriceService],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    cache = app.get(CacheRegistry).get('default');
    prices = app.get(PriceService);
    other = await CacheRegistry.create({
      default: { location: server.url, keyPrefix: 'features' },
    });
    limiter = RateLimiter.register(app.get(CacheRegistry), resolveRateLimitSettings({}));
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterAll(async () => {
    process.kill(pid, 'SIGCONT');
    jest.restoreAllMocks();
    await limiter?.onApplicationShutdown();
    await other?.onApplicationShutdown();
    await app?.close();
    await server?.stop();
    expect(unhandled).toEqual([]);
  });

  it('kill -9: rate limits per onBackendError, locks throw at their deadline, @Cacheable fails open', async () => {
    const limit = { limit: 5, window: '1m' };
    expect((await limiter.consume('user:1', limit)).allowed).toBe(true);
    expect(await prices.price('a')).toEqual({ sku: 'a', cents: 100 });

    process.kill(pid, 'SIGKILL');
    const bound = TIMEOUT_MS + MARGIN_MS;
    const [allow, deny, thrown, cached, wrapped, locked] = await Promise.all([
      settle(() => limiter.consume('user:1', { ...limit, onBackendError: 'allow' })),
      settle(() => limiter.consume('user:1', { ...limit, onBackendError: 'deny' })),
      settle(() => limiter.consume('user:1', { ...limit, onBackendError: 'throw' })),
      settle(() => prices.price('b')),
      settle(() => cache.wrap('wrapped', () => 'computed')),
      settle(() => cache.withLock('job', () => 'ran', { wait: LOCK_WAIT_MS })),
    ]);
    expect(allow).toMatchObject({ ok: true, value: { allowed: true } });
    expect(deny).toMatchObject({ ok: true, value: { allowed: false } });
    expect(thrown.error).toBeInstanceOf(CacheXConnectionError);
    for (const r of [allow, deny, thrown]) expect(r.ms).toBeLessThan(bound);
    // Method caching fails open: the method runs, uncached.
    expect(cached).toMatchObject({ ok: true, value: { sku: 'b', cents: 100 } });
    expect(wrapped).toMatchObject({ ok: true, value: 'computed' });
    expect(Math.max(cached.ms, wrapped.ms)).toBeLessThan(bound);
    // A lock is never pretended: a typed error once its wait is over, `fn` not run.
    expect(locked.error).toBeInstanceOf(CacheXConnectionError);
    expect(locked.ms).toBeLessThan(LOCK_WAIT_MS + bound);

    await server.restart();
    pid = await serverPid(server);
    const recoverMs = await timeUntil(() => cache.withLock('job', () => 'ran'));
    expect(await cache.withLock('job', () => 'ran')).toBe('ran');
    expect((await limiter.consume('user:2', { ...limit, onBackendError: 'throw' })).allowed).toBe(
      true,
    );
    report({
      scenario: 'kill -9 + restart: rate limit (3 modes), @Cacheable, wrap, withLock',
      calls: 6,
      failed: 2,
      degraded: 4,
      answered: 0,
      timeToFailMs: Math.max(allow.ms, deny.ms, thrown.ms, cached.ms, wrapped.ms),
      timeToRecoverMs: recoverMs,
    });
  });

  it('SIGSTOP: a waiter gives up at its deadline; the lock never has two holders', async () => {
    let holders = 0;
    let most = 0;
    const hold = async (ms: number) => {
      most = Math.max(most, ++holders);
      await new Promise((resolve) => setTimeout(resolve, ms));
      holders--;
    };
    // The other application's connection is back from the previous test's restart.
    await timeUntil(() => other.get('default').get('any'));
    let paused!: () => void;
    const isPaused = new Promise<void>((resolve) => (paused = resolve));
    // The first holder keeps the lock across the pause (its lease is longer).
    const first = cache.withLock(
      'exclusive',
      async () => {
        paused();
        await hold(3_000);
      },
      { lease: '10s' },
    );
    await isPaused;
    process.kill(pid, 'SIGSTOP');
    const stoppedAt = performance.now();
    let waiter;
    try {
      waiter = await settle(() =>
        other.get('default').withLock('exclusive', () => hold(10), { wait: LOCK_WAIT_MS }),
      );
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, 2_000 - (performance.now() - stoppedAt))),
      );
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(waiter.ok).toBe(false);
    expect(
      waiter.error instanceof CacheXConnectionError ||
        waiter.error instanceof LockAcquireTimeoutError,
    ).toBe(true);
    expect(waiter.ms).toBeLessThan(LOCK_WAIT_MS + TIMEOUT_MS + MARGIN_MS);
    // Back: the first holder still has it, so a second cannot get it until it is released.
    await expect(
      other.get('default').withLock('exclusive', () => hold(10), { wait: 0 }),
    ).rejects.toBeInstanceOf(LockAcquireTimeoutError);
    await first;
    await other.get('default').withLock('exclusive', () => hold(10), { wait: 1_000 });
    expect(most).toBe(1);
  });
});
