import { Cluster, Redis } from 'ioredis5';
import { testServers } from '../harness/index.js';
import { lockContract } from './lock.contract.js';

// Locks duplicate the cache's client for their subscriber connection: that must work on the
// clients of ioredis 5 too. The clients are handed in (`client`), so this suite quits them.
let standalone: Redis;
let cluster: Cluster;
beforeAll(() => {
  standalone = new Redis(testServers().valkey.url.replace('valkey://', 'redis://'));
  cluster = new Cluster(testServers().cluster.nodes);
});
afterAll(async () => {
  await Promise.all([standalone.quit(), cluster.quit()]);
});

lockContract('valkey 8 via an ioredis 5 client', () => ({ client: standalone as never }));
lockContract('redis cluster via an ioredis 5 client', () => ({ client: cluster as never }));
