/**
 * A private Redis Sentinel watching one master, for Sentinel tests. Started through the same
 * ServerProcess code path as every other server (`redis-server <conf> --sentinel`).
 *
 *   const sentinel = await spawnSentinel({ host, port }, 'mymaster');
 *   afterAll(() => sentinel.stop());
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPrivateServer } from './server-process.js';
import type { HostPort } from './servers.js';

export interface SpawnedSentinel extends HostPort {
  /** The master group name the sentinel monitors. */
  name: string;
  stop(): Promise<void>;
}

export async function spawnSentinel(master: HostPort, name = 'mymaster'): Promise<SpawnedSentinel> {
  const { server, stop } = await startPrivateServer(
    'sentinel',
    { name: 'private redis-sentinel', binary: 'redis-server', extraArgs: ['--sentinel'] },
    (dir) => {
      // A sentinel needs a configuration file it can rewrite. Quorum 1 and short timeouts: one
      // sentinel may fail over alone, quickly, in tests.
      const configFile = join(dir, 'sentinel.conf');
      writeFileSync(
        configFile,
        [
          `sentinel monitor ${name} ${master.host} ${master.port} 1`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 5000`,
          '',
        ].join('\n'),
      );
      return { configFile };
    },
  );
  return { host: server.host, port: server.port, name, stop };
}
