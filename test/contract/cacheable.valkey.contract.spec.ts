import { testServers } from '../harness/index.js';
import { cacheableContract } from './cacheable.contract.js';

// Valkey under a binary codec: envelopes and tag counters as Buffers.
cacheableContract('valkey 8, msgpack', () => ({
  location: testServers().valkey.url,
  serializer: 'msgpack',
}));
