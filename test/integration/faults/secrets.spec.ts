/**
 * Issue 13, item 1: no credentials in what a library error carries. ioredis keeps the failed
 * AUTH/HELLO command (with the password) on its reply error, which becomes the `cause`.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { inspect } from 'node:util';
import { CacheXConnectionError, type CacheConfig } from '../../../lib/index.js';
import { spawnRedis, spawnSentinel, testServers, type SpawnedRedis } from '../../harness/index.js';
import { openCaches } from '../../support/open-cache.js';

const { open } = openCaches();
const FAIL_FAST = { maxRetriesPerRequest: 0, retryStrategy: () => null };

/** The error a first command fails with, inspected as console.error prints it. */
async function failureOf(config: CacheConfig): Promise<{ error: unknown; printed: string }> {
  const cache = await open(config);
  const error = await cache.get('k').catch((e: unknown) => e);
  return { error, printed: `${inspect(error, { depth: 20 })}\n${String(error)}` };
}

describe('a wrong password', () => {
  let server: SpawnedRedis;
  beforeAll(async () => {
    server = await spawnRedis();
    // Set after start: the harness checks readiness without a password.
    const admin = new Redis({ host: server.host, port: server.port });
    await admin.config('SET', 'requirepass', 'the-right-one');
    admin.disconnect();
  });
  afterAll(async () => {
    await server.stop();
  });

  it.each<[string, string, string, RedisOptions]>([
    ['AUTH password (RESP2)', ':wrong-secret-1@', 'wrong-secret-1', {}],
    ['AUTH user password (RESP2)', 'ada:wrong-secret-2@', 'wrong-secret-2', {}],
    [
      'HELLO 3 AUTH user password (RESP3)',
      'ada:wrong-secret-3@',
      'wrong-secret-3',
      { protocol: 3 },
    ],
  ])('%s: the error and its cause hold no password', async (_, userInfo, secret, redis) => {
    const { error, printed } = await failureOf({
      location: `redis://${userInfo}${server.host}:${server.port}`,
      redis: { ...FAIL_FAST, ...redis },
    });
    expect(error).toBeInstanceOf(CacheXConnectionError);
    // The cause is still there, for diagnosis: the server's reply.
    expect(printed).toMatch(/WRONGPASS|NOAUTH|invalid/i);
    expect(printed).not.toContain(secret);
  });

  it('on a cluster: the error and its nested causes hold no password', async () => {
    const { error, printed } = await failureOf({
      location: testServers().cluster.urls.map((url) =>
        url.replace('redis://', 'redis://nosuchuser:wrong-secret-4@'),
      ),
      cluster: { clusterRetryStrategy: () => null },
      redis: { maxRetriesPerRequest: 0 },
    });
    expect(error).toBeInstanceOf(CacheXConnectionError);
    expect(printed).not.toContain('wrong-secret-4');
  });
});

describe('a wrong password behind Sentinel', () => {
  it('the error and its cause hold no password', async () => {
    const master = await spawnRedis();
    const sentinel = await spawnSentinel(master, 'cachex-secrets');
    try {
      const { error, printed } = await failureOf({
        sentinel: {
          sentinels: [{ host: sentinel.host, port: sentinel.port }],
          name: sentinel.name,
        },
        location: 'redis://nosuchuser:wrong-secret-5@ignored/0',
        redis: FAIL_FAST,
      });
      expect(error).toBeInstanceOf(CacheXConnectionError);
      expect(printed).toMatch(/WRONGPASS|NOAUTH|invalid/i);
      expect(printed).not.toContain('wrong-secret-5');
    } finally {
      await Promise.all([sentinel.stop(), master.stop()]);
    }
  }, 20_000);
});
