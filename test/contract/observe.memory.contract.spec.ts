import { observeContract } from './observe.contract.js';

observeContract('memory', () => ({ location: 'memory://' }));
