/**
 * Spawning and supervising real `redis-server` / `valkey-server` processes for the tests.
 *
 * This is the single place that starts server processes: the Jest global setup (shared servers)
 * and `spawnRedis()` (private servers for failure tests) both go through `ServerProcess`.
 *
 * Lifetime guarantees:
 * - children are `unref()`ed and write to a log file (no pipes), so they never keep Jest alive;
 * - on Linux they are started through `setpriv --pdeathsig TERM`, so the kernel terminates them if
 *   the process that spawned them dies for any reason (including SIGKILL and Jest workers, whose
 *   sandboxed `process` object never emits 'exit');
 * - in addition a `process.on('exit')` hook kills whatever is still running and removes the
 *   registered temp dirs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';

export type ServerBinary = 'redis-server' | 'valkey-server';
export type HarnessBinary = ServerBinary | 'redis-cli' | 'openssl';

/** Overall time a server gets to answer PING after being spawned. */
export const READY_TIMEOUT_MS = 20_000;
/** Grace period between SIGTERM and SIGKILL when stopping a server. */
export const STOP_GRACE_MS = 2_000;
/** Ports are kept below this so that the cluster bus port (port + 10000) is valid. */
const MAX_PORT = 55_000;
const CLUSTER_BUS_OFFSET = 10_000;

// ---------------------------------------------------------------------------------------------
// Binaries
// ---------------------------------------------------------------------------------------------

const REDIS_INSTALL = 'apt-get install redis-server redis-sentinel';

const INSTALL_HINTS: Record<HarnessBinary, string> = {
  'redis-server': `On Debian install Redis with:\n    ${REDIS_INSTALL}`,
  'redis-cli': `It comes with the Redis packages; on Debian install them with:\n    ${REDIS_INSTALL}`,
  'valkey-server': [
    'On Debian (bookworm) install Valkey from bookworm-backports:',
    "    echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/backports.list",
    '    apt-get update',
    '    apt-get install -t bookworm-backports valkey-server valkey-sentinel',
  ].join('\n'),
  openssl: 'On Debian install it with:\n    apt-get install openssl',
};

/** Absolute path of an executable on PATH, or undefined. */
export function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Resolves the binaries the harness needs; throws one error listing every missing binary with
 * the Debian command that installs it.
 */
export function requireBinaries<B extends HarnessBinary>(names: readonly B[]): Record<B, string> {
  const found = {} as Record<B, string>;
  const missing: B[] = [];
  for (const name of names) {
    const path = findExecutable(name);
    if (path) found[name] = path;
    else missing.push(name);
  }
  if (missing.length > 0) {
    const details = missing.map(
      (name) => `- \`${name}\` was not found on PATH. ${INSTALL_HINTS[name]}`,
    );
    throw new Error(
      `The nestjs-cachex test harness runs real servers (no Docker) and is missing binaries:\n` +
        `${details.join('\n')}`,
    );
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------------------------

/** Ports handed out by this process, so concurrent callers never get the same one. */
const reservedPorts = new Set<number>();

/** Binds 127.0.0.1:port (0 = any), returns the bound port, or undefined if it is in use. */
function probePort(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A free TCP port on 127.0.0.1 below 55000. With `clusterBus`, port + 10000 is free as well
 * (Redis Cluster listens on it for the cluster bus).
 */
export async function findFreePort(options: { clusterBus?: boolean } = {}): Promise<number> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const port = await probePort(0);
    if (port === undefined || port >= MAX_PORT || reservedPorts.has(port)) continue;
    if (options.clusterBus) {
      const bus = port + CLUSTER_BUS_OFFSET;
      if (reservedPorts.has(bus) || (await probePort(bus)) === undefined) continue;
      reservedPorts.add(bus);
    }
    reservedPorts.add(port);
    return port;
  }
  throw new Error('test harness: could not find a free port on 127.0.0.1');
}

// ---------------------------------------------------------------------------------------------
// Temp dirs and emergency cleanup
// ---------------------------------------------------------------------------------------------

const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL everything and remove the temp dirs.
  process.on('exit', () => {
    for (const child of liveChildren) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of liveDirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  });
}

/** Creates a fresh temp dir under os.tmpdir(), removed on process exit if not removed before. */
export function makeTempDir(prefix: string): string {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), `cachex-${prefix}-`));
  liveDirs.add(dir);
  return dir;
}

/** (Re)creates a dir and registers it for removal on process exit. */
export function ensureTempDir(dir: string): void {
  installExitHook();
  mkdirSync(dir, { recursive: true });
  liveDirs.add(dir);
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  liveDirs.delete(dir);
}

// ---------------------------------------------------------------------------------------------
// Clients for readiness checks
// ---------------------------------------------------------------------------------------------

/** Where to reach a server: TCP (optionally TLS) or a unix socket. */
export type Endpoint =
  { host: string; port: number; tls?: { ca: Buffer | string } } | { path: string };

function clientOptions(endpoint: Endpoint, timeoutMs: number): RedisOptions {
  const base: RedisOptions = {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    // ioredis arms a ref'ed timer of this length on disconnect() that is only cleared by the
    // socket's 'close' event; keep it short so it can never hold the process open for long.
    disconnectTimeout: 200,
  };
  if ('path' in endpoint) return { ...base, path: endpoint.path };
  return {
    ...base,
    host: endpoint.host,
    port: endpoint.port,
    ...(endpoint.tls ? { tls: { ca: endpoint.tls.ca } } : {}),
  };
}

/**
 * Opens a short-lived client, runs `fn`, and always closes the client. Connection errors reject
 * (they are not printed as "Unhandled error event").
 */
export async function withClient<T>(
  endpoint: Endpoint,
  fn: (client: Redis) => Promise<T>,
  timeoutMs = 1_000,
): Promise<T> {
  const client = new Redis(clientOptions(endpoint, timeoutMs));
  client.on('error', () => {
    // surfaced through the rejected command/connect promise
  });
  try {
    await client.connect();
    return await fn(client);
  } finally {
    // After a failed connect the socket is already closed: disconnect() would then leave
    // ioredis's disconnect timer pending (its 'close' listener never fires).
    if (client.status !== 'end') client.disconnect();
  }
}

export async function ping(endpoint: Endpoint, timeoutMs = 1_000): Promise<void> {
  const reply = await withClient(endpoint, (client) => client.ping(), timeoutMs);
  if (reply !== 'PONG') throw new Error(`unexpected PING reply ${String(reply)}`);
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Last `lines` lines of a log file (or a note that it cannot be read). */
export async function logTail(file: string, lines = 30): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
    return tail || '(log is empty)';
  } catch (error) {
    return `(cannot read ${file}: ${(error as Error).message})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Server processes
// ---------------------------------------------------------------------------------------------

export interface ServerProcessOptions {
  /** Human-readable name used in errors, e.g. "standalone redis". */
  name: string;
  binary: ServerBinary;
  /** Working dir (`--dir`); created if missing. The log is `<dir>/server.log`. */
  dir: string;
  host?: string;
  /** TCP port; with `tls` this is the TLS port and the plain port is disabled (`port 0`). */
  port: number;
  tls?: { certFile: string; keyFile: string; caFile: string };
  /** Also listen on this unix socket (`unixsocketperm 700`). */
  unixSocket?: string;
  /** Start with `cluster-enabled yes` (cluster bus on port + 10000). */
  cluster?: boolean;
  /** Extra `--option value` arguments. */
  extraArgs?: string[];
  /** A configuration file, passed first (a sentinel needs one it can rewrite). */
  configFile?: string;
}

export class ServerProcess {
  readonly host: string;
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private exitInfo: string | undefined;
  private ca: Buffer | undefined;

  private constructor(readonly options: ServerProcessOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.logFile = join(options.dir, 'server.log');
  }

  /** Spawns the server and resolves once it answers PING. */
  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const server = new ServerProcess(options);
    await server.start();
    return server;
  }

  get name(): string {
    return this.options.name;
  }

  get port(): number {
    return this.options.port;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  /** Endpoint for PING / admin clients (trusting the CA when the server is TLS-only). */
  endpoint(): Endpoint {
    const { tls } = this.options;
    this.ca ??= tls ? readFileSync(tls.caFile) : undefined;
    return { host: this.host, port: this.port, ...(this.ca ? { tls: { ca: this.ca } } : {}) };
  }

  private args(): string[] {
    const o = this.options;
    // prettier-ignore
    const args = [
      ...(o.configFile ? [o.configFile] : []),
      '--bind', this.host,
      '--daemonize', 'no',
      '--save', '',
      '--appendonly', 'no',
      '--dir', o.dir,
      '--logfile', '',
    ];
    if (o.tls) {
      // prettier-ignore
      args.push(
        '--port', '0',
        '--tls-port', String(o.port),
        '--tls-cert-file', o.tls.certFile,
        '--tls-key-file', o.tls.keyFile,
        '--tls-ca-cert-file', o.tls.caFile,
        '--tls-auth-clients', 'no',
      );
    } else {
      args.push('--port', String(o.port));
    }
    if (o.unixSocket) args.push('--unixsocket', o.unixSocket, '--unixsocketperm', '700');
    if (o.cluster) {
      // prettier-ignore
      args.push(
        '--cluster-enabled', 'yes',
        '--cluster-config-file', join(o.dir, 'nodes.conf'),
        '--cluster-node-timeout', '5000',
      );
    }
    args.push(...(o.extraArgs ?? []));
    return args;
  }

  /** Spawns the process (if not running) and waits until it answers PING. */
  async start(): Promise<void> {
    if (this.running) return;
    const binaries = requireBinaries([this.options.binary]);
    installExitHook();
    mkdirSync(this.options.dir, { recursive: true });

    const serverPath = binaries[this.options.binary];
    const setpriv = process.platform === 'linux' ? findExecutable('setpriv') : undefined;
    const [command, args] = setpriv
      ? [setpriv, ['--pdeathsig', 'TERM', '--', serverPath, ...this.args()]]
      : [serverPath, this.args()];

    const logFd = openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd: this.options.dir,
        stdio: ['ignore', logFd, logFd],
        env: process.env,
      });
    } finally {
      closeSync(logFd);
    }
    child.unref();
    this.child = child;
    this.exitInfo = undefined;
    liveChildren.add(child);
    this.exited = new Promise<void>((resolve) => {
      const done = (info: string) => {
        this.exitInfo ??= info;
        liveChildren.delete(child);
        resolve();
      };
      child.once('exit', (code, signal) =>
        done(signal ? `killed by ${signal}` : `exited with code ${code}`),
      );
      child.once('error', (error) => done(`failed to spawn: ${error.message}`));
    });

    try {
      await this.waitReady();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastError = 'no attempt yet';
    for (;;) {
      if (this.exitInfo !== undefined) {
        throw await this.failure(`${this.exitInfo} before accepting connections`);
      }
      try {
        await ping(this.endpoint(), 500);
        if (this.options.unixSocket) await ping({ path: this.options.unixSocket }, 500);
        return;
      } catch (error) {
        lastError = (error as Error).message;
      }
      if (Date.now() > deadline) {
        throw await this.failure(
          `did not answer PING within ${READY_TIMEOUT_MS / 1000}s (last error: ${lastError})`,
        );
      }
      await sleep(25);
    }
  }

  /** An error naming this server, its command line and the tail of its log. */
  async failure(reason: string): Promise<Error> {
    const o = this.options;
    const where = o.tls ? `tls-port ${o.port}` : `port ${o.port}`;
    return new Error(
      `test harness: ${o.name} (${o.binary}, ${this.host} ${where}, pid ${this.pid ?? '-'}) ` +
        `${reason}.\nCommand: ${o.binary} ${this.args()
          .map((a) => (a === '' ? "''" : a))
          .join(' ')}\n` +
        `--- tail of ${this.logFile} ---\n${await logTail(this.logFile)}\n---`,
    );
  }

  /** SIGTERM, then SIGKILL after STOP_GRACE_MS; resolves once the process has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || this.exitInfo !== undefined) return;
    // The child is unref'ed: keep the event loop alive until its 'exit' event has arrived.
    const keepAlive = setInterval(() => undefined, 1_000);
    const escalate = setTimeout(() => {
      if (this.exitInfo === undefined) child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    try {
      child.kill('SIGTERM');
      await this.exited;
    } finally {
      clearTimeout(escalate);
      clearInterval(keepAlive);
    }
  }

  /** Stops (if running) and starts again with the same options and port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/**
 * Starts a private server (one test file's own) in a fresh temp dir, removing the dir again if
 * it does not come up. `stop()` stops it and removes the dir.
 */
export async function startPrivateServer(
  dirPrefix: string,
  options: Omit<ServerProcessOptions, 'dir' | 'port'>,
  /** Writes files the server needs (a configuration file) into its dir before it starts. */
  prepare?: (dir: string) => Partial<ServerProcessOptions>,
): Promise<{ server: ServerProcess; dir: string; stop(): Promise<void> }> {
  const port = await findFreePort();
  const dir = makeTempDir(dirPrefix);
  options = { ...options, ...prepare?.(dir) };
  const server = await ServerProcess.start({ ...options, dir, port }).catch(
    async (error: unknown) => {
      await removeTempDir(dir);
      throw error;
    },
  );
  return {
    server,
    dir,
    async stop() {
      await server.stop();
      await removeTempDir(dir);
    },
  };
}
