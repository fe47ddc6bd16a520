/**
 * A private Redis Sentinel watching one master, for Sentinel tests. Started through the same
 * ServerProcess code path as every other server (`redis-server <conf> --sentinel`).
 *
 *   const sentinel = await spawnSentinel({ host, port }, 'mymaster');
 *   afterAll(() => sentinel.stop());
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findFreePort, makeTempDir, removeTempDir, ServerProcess } from './server-process.js';
import type { HostPort } from './servers.js';

export interface SpawnedSentinel extends HostPort {
  /** The master group name the sentinel monitors. */
  name: string;
  stop(): Promise<void>;
}

export async function spawnSentinel(master: HostPort, name = 'mymaster'): Promise<SpawnedSentinel> {
  const port = await findFreePort();
  const dir = makeTempDir('sentinel');
  const configFile = join(dir, 'sentinel.conf');
  // Quorum 1 and short timeouts: one sentinel may fail over alone, quickly, in tests.
  writeFileSync(
    configFile,
    [
      `sentinel monitor ${name} ${master.host} ${master.port} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 5000`,
      '',
    ].join('\n'),
  );
  const server = await ServerProcess.start({
    name: 'private redis-sentinel',
    binary: 'redis-server',
    dir,
    port,
    configFile,
    extraArgs: ['--sentinel'],
  }).catch(async (error: unknown) => {
    await removeTempDir(dir);
    throw error;
  });
  return {
    host: server.host,
    port: server.port,
    name,
    async stop() {
      await server.stop();
      await removeTempDir(dir);
    },
  };
}
