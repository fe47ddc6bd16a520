/**
 * A private Redis Cluster for one test file (failover tests): masters with all 16384 slots, and
 * replicas of chosen masters, on free loopback ports, through the same ServerProcess code path as
 * the shared servers.
 *
 *   const cluster = await spawnCluster({ masters: 3, replicaOf: [0] });
 *   afterAll(() => cluster.stop());
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  findFreePort,
  makeTempDir,
  READY_TIMEOUT_MS,
  removeTempDir,
  requireBinaries,
  ServerProcess,
  sleep,
  withClient,
} from './server-process.js';
import type { HostPort } from './servers.js';

const execFileAsync = promisify(execFile);

export interface SpawnedClusterNode extends HostPort {
  /** The node's cluster id (CLUSTER MYID). */
  id: string;
  /** Sends SIGKILL: the node is gone at once, without closing its connections cleanly. */
  kill(): void;
}

export interface SpawnedCluster {
  /** The masters, in creation order (each owns a third of the slots with 3 masters). */
  masters: SpawnedClusterNode[];
  /** The replicas; `replicas[i]` replicates `masters[replicaOf[i]]`. */
  replicas: SpawnedClusterNode[];
  /** Seed URLs of the masters, for `location` with `cluster: true`. */
  urls: string[];
  /** Stops every node and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export async function spawnCluster(options: {
  masters?: number;
  /** For each replica, the index of the master it replicates. */
  replicaOf?: number[];
  /**
   * How long a node may be unreachable before the others fail it over: **milliseconds**.
   * @default 1000 (the shared cluster's 5000 is too slow for a test)
   */
  nodeTimeout?: number;
}): Promise<SpawnedCluster> {
  const { 'redis-cli': redisCli } = requireBinaries(['redis-cli']);
  const masterCount = options.masters ?? 3;
  const replicaOf = options.replicaOf ?? [];
  const rootDir = makeTempDir('private-cluster');
  const processes: ServerProcess[] = [];
  const stop = async () => {
    await Promise.allSettled(processes.map((p) => p.stop()));
    await removeTempDir(rootDir);
  };
  try {
    const ports: number[] = [];
    for (let i = 0; i < masterCount + replicaOf.length; i++) {
      ports.push(await findFreePort({ clusterBus: true }));
    }
    const started = await Promise.all(
      ports.map((port, i) =>
        ServerProcess.start({
          name: `private cluster node ${i + 1}`,
          binary: 'redis-server',
          dir: join(rootDir, `node-${i + 1}`),
          port,
          cluster: true,
          extraArgs: ['--cluster-node-timeout', String(options.nodeTimeout ?? 1_000)],
        }),
      ),
    );
    processes.push(...started);
    const masters = started.slice(0, masterCount);
    const replicas = started.slice(masterCount);
    // prettier-ignore
    await execFileAsync(redisCli, [
      '--cluster', 'create', ...masters.map((n) => `${n.host}:${n.port}`),
      '--cluster-replicas', '0', '--cluster-yes',
    ], { timeout: READY_TIMEOUT_MS });
    const ids = await Promise.all(
      started.map((n) => withClient(n.endpoint(), (c) => c.cluster('MYID') as Promise<string>)),
    );
    for (const [i, replica] of replicas.entries()) {
      const master = masters[replicaOf[i]!]!;
      await withClient(replica.endpoint(), (c) => c.cluster('MEET', master.host, master.port));
    }
    // A replica can replicate a master only once it knows it (gossip after MEET).
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (const [i, replica] of replicas.entries()) {
      const masterId = ids[replicaOf[i]!]!;
      for (;;) {
        const replicated = await withClient(replica.endpoint(), async (c) => {
          const nodes = (await c.cluster('NODES')) as string;
          if (!nodes.includes(masterId)) return false;
          await c.cluster('REPLICATE', masterId);
          return true;
        }).catch(() => false);
        if (replicated) break;
        if (Date.now() > deadline) throw await replica.failure('did not learn of its master');
        await sleep(50);
      }
    }
    // Ready: every node sees every node and all slots, and each replica is in sync.
    for (;;) {
      const ready = await Promise.all(
        started.map((n) =>
          withClient(n.endpoint(), async (c) => {
            const info = (await c.cluster('INFO')) as string;
            const replication = await c.info('replication');
            return (
              info.includes('cluster_state:ok') &&
              info.includes(`cluster_known_nodes:${started.length}`) &&
              info.includes('cluster_slots_ok:16384') &&
              (!replicas.includes(n) || replication.includes('master_link_status:up'))
            );
          }).catch(() => false),
        ),
      );
      if (ready.every(Boolean)) break;
      if (Date.now() > deadline) throw await started[0]!.failure('private cluster not ready');
      await sleep(50);
    }
    const node = (n: ServerProcess, i: number): SpawnedClusterNode => ({
      host: n.host,
      port: n.port,
      id: ids[i]!,
      kill: () => {
        if (n.pid !== undefined) process.kill(n.pid, 'SIGKILL');
      },
    });
    return {
      masters: masters.map((n, i) => node(n, i)),
      replicas: replicas.map((n, i) => node(n, masterCount + i)),
      urls: masters.map((n) => `redis://${n.host}:${n.port}`),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
