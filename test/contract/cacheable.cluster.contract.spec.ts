import { testServers } from '../harness/index.js';
import { cacheableContract } from './cacheable.contract.js';

cacheableContract('redis cluster', () => ({ location: testServers().cluster.urls, cluster: true }));
