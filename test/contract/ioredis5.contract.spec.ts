import { Cluster, Redis } from 'ioredis5';
import { testServers } from '../harness/index.js';
import { cacheContract } from './cache.contract.js';

// ioredis 5 is still widely deployed: the caches must work on clients of both majors. The
// clients are handed in (`client`), so this suite owns and quits them.
let standalone: Redis;
let cluster: Cluster;
beforeAll(() => {
  standalone = new Redis(testServers().valkey.url.replace('valkey://', 'redis://'));
  cluster = new Cluster(testServers().cluster.nodes);
});
afterAll(async () => {
  await Promise.all([standalone.quit(), cluster.quit()]);
});

cacheContract('valkey 8 via an ioredis 5 client', () => ({ client: standalone as never }));
cacheContract('redis cluster via an ioredis 5 client', () => ({ client: cluster as never }));
