import { Cluster, Redis } from 'ioredis5';
import { testServers } from '../harness/index.js';
import { dataStructuresContract } from './data-structures.contract.js';
import { pipelineContract } from './pipeline.contract.js';

// Replies of ioredis 5 (RESP2) and 6 (RESP3 with the legacy mapping) differ in shape; the
// backends normalise both. The clients are handed in, so this suite owns and quits them.
let standalone: Redis;
let cluster: Cluster;
beforeAll(() => {
  standalone = new Redis(testServers().redis.url);
  cluster = new Cluster(testServers().cluster.nodes);
});
afterAll(async () => {
  await Promise.all([standalone.quit(), cluster.quit()]);
});

const viaStandalone = () => ({ client: standalone as never });
const viaCluster = () => ({ client: cluster as never });
dataStructuresContract('redis 7 via an ioredis 5 client', viaStandalone);
pipelineContract('redis 7 via an ioredis 5 client', viaStandalone);
dataStructuresContract('redis cluster via an ioredis 5 client', viaCluster);
pipelineContract('redis cluster via an ioredis 5 client', viaCluster);
