import { testServers } from '../harness/index.js';
import { lockContract } from './lock.contract.js';

lockContract('redis 7', () => ({ location: testServers().redis.url }));
