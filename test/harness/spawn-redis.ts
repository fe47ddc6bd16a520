/**
 * A private standalone server for one test file (failure tests: stop it, restart it), started
 * through the same ServerProcess code path as the shared servers of globalSetup.
 *
 *   const server = await spawnRedis();
 *   afterAll(() => server.stop());
 */
import { ensureTempDir, startPrivateServer, type ServerBinary } from './server-process.js';

export interface SpawnedRedis {
  host: string;
  port: number;
  /**
   * `redis://host:port`, or `valkey://host:port` for valkey-server (like testServers().valkey;
   * ioredis itself only parses redis:// and rediss://, so give it host and port).
   */
  url: string;
  /** Stops the server (SIGTERM, SIGKILL after 2 s) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Stops the server if running and starts a fresh one (empty data) on the same port. */
  restart(): Promise<void>;
}

export async function spawnRedis(
  opts: { binary?: ServerBinary; extraArgs?: string[] } = {},
): Promise<SpawnedRedis> {
  const binary = opts.binary ?? 'redis-server';
  const { server, dir, stop } = await startPrivateServer(binary.replace('-server', ''), {
    name: `private ${binary}`,
    binary,
    extraArgs: opts.extraArgs,
  });
  return {
    host: server.host,
    port: server.port,
    url: `${binary === 'valkey-server' ? 'valkey' : 'redis'}://${server.host}:${server.port}`,
    stop,
    async restart() {
      await server.stop();
      ensureTempDir(dir);
      await server.start();
    },
  };
}
