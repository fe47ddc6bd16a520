import { testServers } from '../harness/index.js';
import { ioredis5Clients } from '../support/ioredis5-clients.js';
import { cacheContract } from './cache.contract.js';

// The caches must work on clients of both ioredis majors.
const { viaStandalone, viaCluster } = ioredis5Clients(() => testServers().valkey.url);

cacheContract('valkey 8 via an ioredis 5 client', viaStandalone);
cacheContract('redis cluster via an ioredis 5 client', viaCluster);
