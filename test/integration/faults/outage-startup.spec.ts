/**
 * Issue 11, start-up readiness: `waitForReady` makes `app.init()` fail with a
 * `CacheXConnectionError` naming the cache and its masked location when the server does not
 * answer in time, and wait for a server that comes up late; without it the application starts
 * at once and recovers when the server comes.
 */
import { jest } from '@jest/globals';
import { Logger, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CacheService,
  CacheXConnectionError,
  CacheXModule,
  getCacheToken,
  type CachesConfig,
} from '../../../lib/index.js';
import { spawnRedis, type SpawnedRedis } from '../../harness/index.js';
import {
  MARGIN_MS,
  TIMEOUT_MS,
  deadPort,
  report,
  settle,
  timeUntil,
  watchUnhandledRejections,
} from './outage-support.js';

jest.setTimeout(30_000);
const unhandled = watchUnhandledRejections();

async function appOf(caches: CachesConfig): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [CacheXModule.forRoot(caches)],
  }).compile();
  return moduleRef.createNestApplication({ logger: false });
}

describe('start-up with the server down', () => {
  const apps: INestApplication[] = [];
  let server: SpawnedRedis | undefined;

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    for (const app of apps.splice(0)) await app.close();
    await server?.stop();
    server = undefined;
  });

  afterAll(() => expect(unhandled).toEqual([]));

  it('waitForReady: app.init() fails in time, naming the cache and the masked location', async () => {
    const port = await deadPort();
    const app = await appOf({
      default: { location: 'memory://' },
      orders: { location: `redis://app:s3cret@127.0.0.1:${port}/2`, waitForReady: '1s' },
    });
    apps.push(app);
    const init = await settle(() => app.init());
    expect(init.error).toBeInstanceOf(CacheXConnectionError);
    const error = init.error as CacheXConnectionError;
    expect(error.cache).toBe('orders');
    expect(error.message).toContain("Cache 'orders'");
    expect(error.message).toContain(`redis://app:***@127.0.0.1:${port}/2`);
    expect(error.message).not.toContain('s3cret');
    expect(error.message).toContain('waitForReady (1000 ms)');
    expect(init.ms).toBeGreaterThanOrEqual(1_000 - 5);
    expect(init.ms).toBeLessThan(1_000 + TIMEOUT_MS + MARGIN_MS);
    report({
      scenario: "start-up, waitForReady '1s', nobody listening",
      calls: 1,
      failed: 1,
      degraded: 0,
      answered: 0,
      timeToFailMs: init.ms,
      timeToRecoverMs: 0,
    });
  });

  it('waitForReady: app.init() waits for a server that starts 1 s later', async () => {
    server = await spawnRedis();
    await server.stop();
    const app = await appOf({ default: { location: server.url, waitForReady: '5s' } });
    apps.push(app);
    const started = performance.now();
    const restarted = new Promise<void>((resolve, reject) =>
      setTimeout(() => server!.restart().then(resolve, reject), 1_000),
    );
    await app.init();
    const readyMs = performance.now() - started;
    await restarted;
    expect(readyMs).toBeGreaterThanOrEqual(1_000);
    expect(readyMs).toBeLessThan(5_000);
    const cache = app.get(CacheService);
    await cache.set('late', 1);
    expect(await cache.get('late')).toBe(1);
    report({
      scenario: "start-up, waitForReady '5s', server starts 1 s later",
      calls: 1,
      failed: 0,
      degraded: 0,
      answered: 1,
      timeToFailMs: 0,
      timeToRecoverMs: readyMs - 1_000,
    });
  });

  it('by default the app starts at once, calls fail in time, and it recovers when the server comes', async () => {
    server = await spawnRedis();
    await server.stop();
    const app = await appOf({
      default: { location: server.url },
      lenient: { location: server.url, keyPrefix: 'lenient', onError: 'ignore' },
    });
    apps.push(app);
    const init = await settle(() => app.init());
    expect(init.ok).toBe(true);
    expect(init.ms).toBeLessThan(TIMEOUT_MS);
    const cache = app.get(CacheService);
    const lenient: CacheService = app.get(getCacheToken('lenient'));
    const get = await settle(() => cache.get('k'));
    expect(get.error).toBeInstanceOf(CacheXConnectionError);
    expect(get.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    const miss = await settle(() => lenient.get('k'));
    expect(miss).toMatchObject({ ok: true, value: undefined });
    expect(miss.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);

    await server.restart();
    const recoverMs = await timeUntil(() => cache.set('k', 'v'));
    expect(await cache.get('k')).toBe('v');
    report({
      scenario: 'start-up without waitForReady, server starts later',
      calls: 1,
      failed: 1,
      degraded: 0,
      answered: 0,
      timeToFailMs: get.ms,
      timeToRecoverMs: recoverMs,
    });
  });

  it('a cluster none of whose nodes answers: calls fail within the command timeout (its own queue is bounded)', async () => {
    const nodes = [await deadPort(), await deadPort()].map((port) => `redis://127.0.0.1:${port}`);
    const app = await appOf({
      default: { location: nodes, cluster: true },
      lenient: { location: nodes, cluster: true, keyPrefix: 'lenient', onError: 'ignore' },
    });
    apps.push(app);
    await app.init();
    const cache = app.get(CacheService);
    const lenient: CacheService = app.get(getCacheToken('lenient'));
    const [get, set, miss] = await Promise.all([
      settle(() => cache.get('k')),
      settle(() => cache.set('k', 1)),
      settle(() => lenient.get('k')),
    ]);
    expect(get.error).toBeInstanceOf(CacheXConnectionError);
    expect(set.error).toBeInstanceOf(CacheXConnectionError);
    expect(miss).toMatchObject({ ok: true, value: undefined });
    for (const r of [get, set, miss]) expect(r.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
  });

  it('waitForReady on memory:// is ready at once', async () => {
    const app = await appOf({ default: { location: 'memory://', waitForReady: true } });
    apps.push(app);
    const init = await settle(() => app.init());
    expect(init.ok).toBe(true);
    expect(init.ms).toBeLessThan(TIMEOUT_MS);
  });
});
