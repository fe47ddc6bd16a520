import { cacheContract } from './cache.contract.js';

cacheContract('memory', () => ({ location: 'memory://' }));
