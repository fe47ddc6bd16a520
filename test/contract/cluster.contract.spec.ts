import { testServers } from '../harness/index.js';
import { cacheContract } from './cache.contract.js';

cacheContract('redis cluster', () => ({ location: testServers().cluster.urls, cluster: true }));
