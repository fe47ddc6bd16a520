import { testServers } from '../harness/index.js';
import { cacheContract } from './cache.contract.js';

cacheContract('valkey 8', () => ({ location: testServers().valkey.url }));
