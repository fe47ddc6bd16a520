import { testServers } from '../harness/index.js';
import { cacheContract } from './cache.contract.js';

// The whole contract again under non-default codecs: binary values (Buffers all the way to the
// server and back), compression, headers. `compressMinSize: 1` compresses every value that
// shrinks; the default (1 KB) compresses only the contract's large values.
const msgpackZstd = { serializer: 'msgpack', compressor: 'zstd', compressMinSize: 1 } as const;
const v8Gzip = { serializer: 'v8', compressor: 'gzip' } as const;

cacheContract('memory, msgpack + zstd', () => ({ location: 'memory://', ...msgpackZstd }));
cacheContract('redis 7, msgpack + zstd', () => ({
  location: testServers().redis.url,
  ...msgpackZstd,
}));
cacheContract('valkey 8, v8 + gzip', () => ({ location: testServers().valkey.url, ...v8Gzip }));
cacheContract('redis cluster, v8 + gzip', () => ({
  location: testServers().cluster.urls,
  cluster: true,
  ...v8Gzip,
}));
