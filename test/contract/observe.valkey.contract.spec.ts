import { testServers } from '../harness/index.js';
import { observeContract } from './observe.contract.js';

observeContract('valkey 8', () => ({ location: testServers().valkey.url }));
