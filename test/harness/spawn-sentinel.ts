/**
 * A private Redis Sentinel watching one master, for Sentinel tests. Started through the same
 * ServerProcess code path as every other server (`redis-server <conf> --sentinel`).
 *
 *   const sentinel = await spawnSentinel({ host, port }, 'mymaster');
 *   afterAll(() => sentinel.stop());
 */
import { Redis } from 'ioredis';
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

/**
 * Waits until a sentinel could fail its master over to `replica`: the replica in sync with the
 * master, and listed by the sentinel with a working link. A sentinel reads its replicas' state
 * only every 10 s, so a test that stops the master right after start-up could find no replica to
 * promote. Bounded by `ms`.
 */
export async function sentinelReady(
  sentinel: SpawnedSentinel,
  replica: HostPort,
  ms = 20_000,
): Promise<void> {
  const admin = new Redis({ host: sentinel.host, port: sentinel.port, lazyConnect: true });
  const deadline = Date.now() + ms;
  try {
    for (;;) {
      const replicas = (await admin
        .call('SENTINEL', 'REPLICAS', sentinel.name)
        .catch(() => [])) as string[][];
      const ready = replicas.some((fields) => {
        const info = new Map<string, string>();
        for (let i = 0; i + 1 < fields.length; i += 2) info.set(fields[i]!, fields[i + 1]!);
        return info.get('port') === String(replica.port) && info.get('master-link-status') === 'ok';
      });
      if (ready) return;
      if (Date.now() > deadline)
        throw new Error(`the sentinel did not see its replica in ${ms} ms`);
      // Asking the sentinel to re-read its replicas is not possible; it does every 10 s.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    admin.disconnect();
  }
}
