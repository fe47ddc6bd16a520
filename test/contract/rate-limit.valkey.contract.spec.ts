import { testServers } from '../harness/index.js';
import { rateLimitContract } from './rate-limit.contract.js';

rateLimitContract('valkey 8', () => ({ location: testServers().valkey.url }));
