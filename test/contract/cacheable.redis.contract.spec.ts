import { testServers } from '../harness/index.js';
import { cacheableContract } from './cacheable.contract.js';

cacheableContract('redis 7', () => ({ location: testServers().redis.url }));
