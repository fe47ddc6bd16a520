import { lockContract } from './lock.contract.js';

lockContract('memory', () => ({ location: 'memory://' }));
