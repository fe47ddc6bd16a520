import { rateLimitContract } from './rate-limit.contract.js';

rateLimitContract('memory', () => ({ location: 'memory://' }));
