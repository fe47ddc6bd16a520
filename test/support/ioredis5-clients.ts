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
