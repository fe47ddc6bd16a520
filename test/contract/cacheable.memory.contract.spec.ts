import { cacheableContract } from './cacheable.contract.js';

cacheableContract('memory', () => ({ location: 'memory://' }));
