/**
 * Timeouts as the counters and the health indicator see them: a server that stops answering
 * (CLIENT PAUSE, from another connection) makes commands fail by the cache's command timeout,
 * counted in `stats().ops.timeouts`, and the health check report the cache down by its own
 * timeout instead of waiting for the server.
 */
import { HealthIndicatorService } from '@nestjs/terminus';
import { Redis } from 'ioredis';
import { CacheRegistry, CacheXConnectionError, type CacheService } from '../../lib/index.js';
import { CacheXHealthIndicator } from '../../lib/health/index.js';
import { uniquePrefix } from '../contract/cache.contract.js';
import { rejection, sleep } from '../contract/open-caches.js';
import { spawnRedis, type SpawnedRedis } from '../harness/index.js';

const COMMAND_TIMEOUT_MS = 150;
const PAUSE_MS = 1500;

describe('timeouts in the counters and the health check', () => {
  let server: SpawnedRedis;
  let admin: Redis;
  let registry: CacheRegistry;
  let cache: CacheService;

  beforeAll(async () => {
    server = await spawnRedis();
    admin = new Redis({ host: server.host, port: server.port, lazyConnect: true });
    await admin.connect();
  });

  beforeEach(async () => {
    registry = await CacheRegistry.create({
      default: {
        location: `redis://${server.host}:${server.port}`,
        keyPrefix: uniquePrefix(),
        redis: { commandTimeout: COMMAND_TIMEOUT_MS },
      },
    });
    cache = registry.get('default');
    await cache.ping();
  });

  afterEach(async () => {
    // Let the pause end before the next test (and before closing, which sends QUIT).
    await sleep(PAUSE_MS);
    await registry.onApplicationShutdown();
  });

  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  it('counts a command that timed out as an error and a timeout', async () => {
    await admin.call('client', 'pause', String(PAUSE_MS), 'ALL');
    const error = await rejection(cache.get('k'));
    expect(error).toBeInstanceOf(CacheXConnectionError);
    expect(cache.stats().ops).toMatchObject({ errors: 1, timeouts: 1, hits: 0, misses: 0 });
  });

  it('reports the cache down when PING does not answer within the timeout', async () => {
    const indicator = new CacheXHealthIndicator(new HealthIndicatorService(), registry);
    await admin.call('client', 'pause', String(PAUSE_MS), 'ALL');
    const started = Date.now();
    // A health timeout shorter than the command timeout: the indicator does not wait for it.
    const result = await indicator.isHealthy('default', { timeout: 50 });
    expect(Date.now() - started).toBeLessThan(COMMAND_TIMEOUT_MS);
    expect(result).toStrictEqual({
      'cache:default': {
        status: 'down',
        message: "Cache 'default': PING did not answer within 50 ms.",
      },
    });
  });
});
