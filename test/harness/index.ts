export { testServers, TEST_SERVERS_ENV, type HostPort, type TestServers } from './servers.js';
export { spawnRedis, type SpawnedRedis } from './spawn-redis.js';
export { sentinelReady, spawnSentinel, type SpawnedSentinel } from './spawn-sentinel.js';
export { spawnCluster, type SpawnedCluster, type SpawnedClusterNode } from './spawn-cluster.js';
