import { dataStructuresContract } from './data-structures.contract.js';
import { pipelineContract } from './pipeline.contract.js';

const memory = () => ({ location: 'memory://' });
dataStructuresContract('memory', memory);
pipelineContract('memory', memory);
