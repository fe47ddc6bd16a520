import { testServers } from '../harness/index.js';
import { dataStructuresContract } from './data-structures.contract.js';
import { pipelineContract } from './pipeline.contract.js';

const cluster = () => ({ location: testServers().cluster.urls, cluster: true });
dataStructuresContract('redis cluster', cluster);
pipelineContract('redis cluster', cluster);
