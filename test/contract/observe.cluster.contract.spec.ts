import { testServers } from '../harness/index.js';
import { observeContract } from './observe.contract.js';

observeContract('redis cluster', () => ({ location: testServers().cluster.urls, cluster: true }));
