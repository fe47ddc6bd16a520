import { testServers } from '../harness/index.js';
import { lockContract } from './lock.contract.js';

lockContract('valkey 8', () => ({ location: testServers().valkey.url }));
