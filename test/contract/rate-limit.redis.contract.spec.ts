import { testServers } from '../harness/index.js';
import { rateLimitContract } from './rate-limit.contract.js';

rateLimitContract('redis 7', () => ({ location: testServers().redis.url }));
