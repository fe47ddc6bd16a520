/**
 * A private standalone server for one test file (failure tests: stop it, restart it), started
 * through the same ServerProcess code path as the shared servers of globalSetup.
 *
 *   const server = await spawnRedis();
 *   afterAll(() => server.stop());
 */
import {
  ensureTempDir,
  findFreePort,
  makeTempDir,
  removeTempDir,
  ServerProcess,
  type ServerBinary,
} from './server-process.js';

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
  const port = await findFreePort();
  const dir = makeTempDir(binary.replace('-server', ''));
  const server = await ServerProcess.start({
    name: `private ${binary}`,
    binary,
    dir,
    port,
    extraArgs: opts.extraArgs,
  }).catch(async (error: unknown) => {
    await removeTempDir(dir);
    throw error;
  });

  return {
    host: server.host,
    port: server.port,
    url: `${binary === 'valkey-server' ? 'valkey' : 'redis'}://${server.host}:${server.port}`,
    async stop() {
      await server.stop();
      await removeTempDir(dir);
    },
    async restart() {
      await server.stop();
      ensureTempDir(dir);
      await server.start();
    },
  };
}
