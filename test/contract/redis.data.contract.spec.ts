import { testServers } from '../harness/index.js';
import { dataStructuresContract } from './data-structures.contract.js';
import { pipelineContract } from './pipeline.contract.js';

const redis = () => ({ location: testServers().redis.url });
dataStructuresContract('redis 7', redis);
pipelineContract('redis 7', redis);
