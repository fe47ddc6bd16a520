import { testServers } from '../harness/index.js';
import { rateLimitContract } from './rate-limit.contract.js';

rateLimitContract('redis cluster', () => ({ location: testServers().cluster.urls, cluster: true }));
