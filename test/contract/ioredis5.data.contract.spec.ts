import { ioredis5Clients } from '../support/ioredis5-clients.js';
import { dataStructuresContract } from './data-structures.contract.js';
import { pipelineContract } from './pipeline.contract.js';

// Replies of ioredis 5 (RESP2) and 6 (RESP3 with the legacy mapping) differ in shape; the
// backends normalise both.
const { viaStandalone, viaCluster } = ioredis5Clients();

dataStructuresContract('redis 7 via an ioredis 5 client', viaStandalone);
pipelineContract('redis 7 via an ioredis 5 client', viaStandalone);
dataStructuresContract('redis cluster via an ioredis 5 client', viaCluster);
pipelineContract('redis cluster via an ioredis 5 client', viaCluster);
