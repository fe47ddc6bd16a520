import { testServers } from '../harness/index.js';
import { lockContract } from './lock.contract.js';

lockContract('redis cluster', () => ({ location: testServers().cluster.urls, cluster: true }));
