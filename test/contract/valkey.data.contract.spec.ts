import { testServers } from '../harness/index.js';
import { dataStructuresContract } from './data-structures.contract.js';
import { pipelineContract } from './pipeline.contract.js';

const valkey = () => ({ location: testServers().valkey.url });
dataStructuresContract('valkey 8', valkey);
pipelineContract('valkey 8', valkey);
