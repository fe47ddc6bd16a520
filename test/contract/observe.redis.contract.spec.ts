import { testServers } from '../harness/index.js';
import { observeContract } from './observe.contract.js';

observeContract('redis 7', () => ({ location: testServers().redis.url }));
