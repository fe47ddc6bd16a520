import { testServers } from '../harness/index.js';
import { cacheContract } from './cache.contract.js';

cacheContract('redis 7', () => ({ location: testServers().redis.url }));
