/**
 * The shared server topology of the "servers" Jest project: standalone Redis (TCP + unix
 * socket), standalone Valkey, a 3-master Redis Cluster and a TLS-only Redis.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  findFreePort,
  makeTempDir,
  removeTempDir,
  requireBinaries,
  ServerProcess,
  sleep,
  withClient,
  READY_TIMEOUT_MS,
} from './server-process.js';
import type { TestServers } from './servers.js';
import { generateTlsFiles } from './tls.js';

const execFileAsync = promisify(execFile);

export interface RunningTopology {
  servers: TestServers;
  processes: ServerProcess[];
  rootDir: string;
}

/** Starts all shared servers; on failure, stops whatever did start and rethrows. */
export async function startTopology(): Promise<RunningTopology> {
  const bins = requireBinaries(['redis-server', 'valkey-server', 'redis-cli', 'openssl']);
  const rootDir = makeTempDir('servers');
  const processes: ServerProcess[] = [];
  const track = async (start: Promise<ServerProcess>) => {
    const server = await start;
    processes.push(server);
    return server;
  };

  try {
    const [redisPort, valkeyPort, tlsPort] = [
      await findFreePort(),
      await findFreePort(),
      await findFreePort(),
    ];
    const clusterPorts: number[] = [];
    for (let i = 0; i < 3; i++) clusterPorts.push(await findFreePort({ clusterBus: true }));
    const unixSocket = join(rootDir, 'redis', 'redis.sock');

    const startTls = async () => {
      const tlsFiles = await generateTlsFiles(join(rootDir, 'certs'));
      const server = await track(
        ServerProcess.start({
          name: 'TLS redis',
          binary: 'redis-server',
          dir: join(rootDir, 'tls'),
          port: tlsPort,
          tls: tlsFiles,
        }),
      );
      return { server, caFile: tlsFiles.caFile };
    };

    const startCluster = async () => {
      const nodes = await Promise.all(
        clusterPorts.map((port, i) =>
          track(
            ServerProcess.start({
              name: `cluster node ${i + 1}`,
              binary: 'redis-server',
              dir: join(rootDir, `cluster-${i + 1}`),
              port,
              cluster: true,
            }),
          ),
        ),
      );
      await createCluster(bins['redis-cli'], nodes);
      return nodes;
    };

    // allSettled, not all: on failure every start has finished (or failed) before cleanup.
    const [redis, valkey, tls, cluster] = await settleAll([
      track(
        ServerProcess.start({
          name: 'standalone redis',
          binary: 'redis-server',
          dir: join(rootDir, 'redis'),
          port: redisPort,
          unixSocket,
        }),
      ),
      track(
        ServerProcess.start({
          name: 'standalone valkey',
          binary: 'valkey-server',
          dir: join(rootDir, 'valkey'),
          port: valkeyPort,
        }),
      ),
      startTls(),
      startCluster(),
    ]);

    const servers: TestServers = {
      redis: {
        host: redis.host,
        port: redis.port,
        url: `redis://${redis.host}:${redis.port}`,
        unixSocket,
      },
      valkey: {
        host: valkey.host,
        port: valkey.port,
        url: `valkey://${valkey.host}:${valkey.port}`,
      },
      cluster: {
        nodes: cluster.map((n) => ({ host: n.host, port: n.port })),
        urls: cluster.map((n) => `redis://${n.host}:${n.port}`),
      },
      tls: {
        host: tls.server.host,
        port: tls.server.port,
        url: `rediss://${tls.server.host}:${tls.server.port}`,
        caFile: tls.caFile,
      },
    };
    return { servers, processes, rootDir };
  } catch (error) {
    await stopTopology({ processes, rootDir });
    throw error;
  }
}

/** Stops every server (SIGTERM, SIGKILL after 2 s) and removes the temp dirs. */
export async function stopTopology(
  topology: Pick<RunningTopology, 'processes' | 'rootDir'>,
): Promise<void> {
  await Promise.allSettled(topology.processes.map((p) => p.stop()));
  await removeTempDir(topology.rootDir);
}

/**
 * `redis-cli --cluster create` over the given (empty, cluster-enabled) nodes, then waits until
 * every node reports cluster_state:ok with all 16384 slots assigned and ok.
 */
async function createCluster(redisCli: string, nodes: ServerProcess[]): Promise<void> {
  // prettier-ignore
  const args = [
    '--cluster', 'create',
    ...nodes.map((n) => `${n.host}:${n.port}`),
    '--cluster-replicas', '0',
    '--cluster-yes',
  ];
  try {
    await execFileAsync(redisCli, args, { timeout: READY_TIMEOUT_MS });
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `test harness: redis-cli ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
  }

  const deadline = Date.now() + READY_TIMEOUT_MS;
  const pending = new Map(nodes.map((n) => [n, 'not checked yet']));
  while (pending.size > 0) {
    for (const node of [...pending.keys()]) {
      try {
        const info = parseInfo(await withClient(node.endpoint(), (c) => c.cluster('INFO')));
        const ok =
          info.cluster_state === 'ok' &&
          info.cluster_slots_assigned === '16384' &&
          info.cluster_slots_ok === '16384' &&
          info.cluster_known_nodes === String(nodes.length);
        if (ok) pending.delete(node);
        else pending.set(node, JSON.stringify(info));
      } catch (error) {
        pending.set(node, (error as Error).message);
      }
    }
    if (pending.size === 0) return;
    if (Date.now() > deadline) {
      const [node, last] = [...pending][0];
      throw await node.failure(
        `did not reach cluster_state:ok with 16384 slots within ${READY_TIMEOUT_MS / 1000}s ` +
          `(last CLUSTER INFO: ${last})`,
      );
    }
    await sleep(50);
  }
}

/** Like Promise.all, but waits for every promise; rejects with all failure messages. */
async function settleAll<T extends readonly unknown[] | []>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(promises);
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new Error(errors.map((e) => e.message).join('\n\n'));
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return fields;
}
