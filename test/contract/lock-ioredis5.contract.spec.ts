import { testServers } from '../harness/index.js';
import { ioredis5Clients } from '../support/ioredis5-clients.js';
import { lockContract } from './lock.contract.js';

// Locks duplicate the cache's client for their subscriber connection: that must work on the
// clients of ioredis 5 too.
const { viaStandalone, viaCluster } = ioredis5Clients(() => testServers().valkey.url);

lockContract('valkey 8 via an ioredis 5 client', viaStandalone);
lockContract('redis cluster via an ioredis 5 client', viaCluster);
