import { Cluster, Redis } from 'ioredis5';
import type { CacheConfig } from '../../lib/index.js';
import { testServers } from '../harness/index.js';

/**
 * ioredis 5 clients (RESP2; still widely deployed) on the shared servers, for contract suites
 * that must hold on both ioredis majors. The clients are handed to caches as `client`, so the
 * suite owns them: they are opened before its tests and quit after them.
 *
 * @param standaloneUrl - the standalone server to use (default: the shared Redis 7)
 * @returns cache configurations that use the standalone client or the cluster client
 */
export function ioredis5Clients(standaloneUrl: () => string = () => testServers().redis.url): {
  viaStandalone: () => CacheConfig;
  viaCluster: () => CacheConfig;
} {
  let standalone: Redis;
  let cluster: Cluster;
  beforeAll(() => {
    standalone = new Redis(standaloneUrl().replace(/^valkey:\/\//, 'redis://'));
    cluster = new Cluster(testServers().cluster.nodes);
  });
  afterAll(async () => {
    await Promise.all([standalone.quit(), cluster.quit()]);
  });
  // The types of ioredis 5 and 6 differ; the caches accept either at run time.
  return {
    viaStandalone: () => ({ client: standalone as never }),
    viaCluster: () => ({ client: cluster as never }),
  };
}

/** A server and client a suite runs on: a name for the test titles and its cache configuration. */
export type RedisTarget = [name: string, config: () => CacheConfig];

/**
 * Every kind of Redis server and client the batching suites run on: Redis 7, Valkey 8, the
 * Cluster, and ioredis 5 clients on Redis 7 and on the Cluster (opened before the suite's tests,
 * quit after them, as {@link ioredis5Clients}). Call it at a suite's top level.
 */
export function redisTargets(): RedisTarget[] {
  const { viaStandalone, viaCluster } = ioredis5Clients();
  return [
    ['Redis 7', () => ({ location: testServers().redis.url })],
    ['Valkey 8', () => ({ location: testServers().valkey.url })],
    ['Redis Cluster', () => ({ location: testServers().cluster.urls, cluster: true })],
    ['an ioredis 5 client', viaStandalone],
    ['an ioredis 5 Cluster client', viaCluster],
  ];
}
