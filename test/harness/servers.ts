/**
 * Addresses of the shared real servers started by the Jest global setup of the "servers"
 * project (test/harness/global-setup.ts). Test files call `testServers()`.
 */

/** Environment variable through which global setup publishes the addresses to test workers. */
export const TEST_SERVERS_ENV = 'CACHEX_TEST_SERVERS';

export interface HostPort {
  host: string;
  port: number;
}

export interface TestServers {
  /** Standalone Redis 7, also listening on a unix socket. */
  redis: HostPort & { url: string; unixSocket: string };
  /** Standalone Valkey 8; `url` uses the `valkey://` scheme. */
  valkey: HostPort & { url: string };
  /** Redis Cluster with 3 masters (no replicas), all 16384 slots covered. */
  cluster: { nodes: HostPort[]; urls: string[] };
  /** TLS-only Redis (no plain port); trust `caFile` to connect. */
  tls: HostPort & { url: string; caFile: string };
}

/** The shared servers' addresses; throws when not running under the "servers" Jest project. */
export function testServers(): TestServers {
  const raw = process.env[TEST_SERVERS_ENV];
  if (!raw) {
    throw new Error(
      `${TEST_SERVERS_ENV} is not set: tests that need real servers must run through the servers ` +
        `jest project, e.g. NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects ` +
        `servers (its globalSetup, test/harness/global-setup.ts, starts the servers).`,
    );
  }
  try {
    return JSON.parse(raw) as TestServers;
  } catch (error) {
    throw new Error(`${TEST_SERVERS_ENV} is not valid JSON: ${(error as Error).message}`);
  }
}
