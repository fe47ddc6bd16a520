/**
 * Private Redis-compatible servers for the benchmarks: `startServer()` runs `redis-server` (or
 * `valkey-server`, or any path) on a free 127.0.0.1 port, without persistence, in a temporary
 * directory, and resolves once it answers PING. `stop()` sends SIGTERM, then SIGKILL after 2 s,
 * and removes the directory. Servers still running are stopped on process exit, SIGINT and
 * SIGTERM; on Linux they are started through `setpriv --pdeathsig TERM`, so they stop even if
 * the benchmark is killed with SIGKILL.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { platform, tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { clearTimeout } from 'node:timers';

const HOST = '127.0.0.1';
const ATTEMPTS = 3;

/** Servers still running. */
const running = new Set();
let hooksInstalled = false;

/** The executable's path: `name` itself if it contains a slash, else its first match on PATH. */
export function findExecutable(name) {
  const candidates = name.includes('/')
    ? [name]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: HOST, port: 0, exclusive: true }, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves to true once the server answers PING with +PONG, to false after `timeoutMs`. */
async function waitForPing(port, child, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const pong = await new Promise((resolve) => {
      const socket = connect({ host: HOST, port });
      const timer = setTimeout(() => finish(false), 500);
      let reply = '';
      function finish(ok) {
        clearTimeout(timer);
        socket.destroy();
        resolve(ok);
      }
      socket.once('error', () => finish(false));
      socket.on('data', (chunk) => {
        reply += chunk.toString('latin1');
        if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
      });
      socket.once('connect', () => socket.write('PING\r\n'));
    });
    if (pong) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function installHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const { child, dir } of running) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ]) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the servers`);
      stopAllServers().finally(() => process.exit(code));
    });
  }
}

async function stopServer(server) {
  if (!running.has(server)) return;
  const { child } = server;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 2_000);
    await server.exited;
    clearTimeout(killer);
  }
  rmSync(server.dir, { recursive: true, force: true });
  running.delete(server);
}

/** Stops every server this process started and has not stopped yet. */
export async function stopAllServers() {
  await Promise.allSettled([...running].map(stopServer));
}

/**
 * Starts `binary` (a name on PATH or a path) and waits for PING: up to 10 s per attempt, 3
 * attempts on fresh ports. Throws with an install hint if the binary is missing, and with the
 * end of the server's log if it never answers. Resolves to `{ binary, host, port, url, dir,
 * stop() }`; `stop()` is idempotent.
 */
export async function startServer({ binary = 'redis-server', extraArgs = [] } = {}) {
  const path = findExecutable(binary);
  if (!path) {
    const pkg = basename(binary).startsWith('valkey') ? 'valkey-server' : 'redis-server';
    throw new Error(
      `${binary} was not found on PATH. The benchmark runs a private server; install it:\n` +
        `    apt-get install ${pkg}`,
    );
  }
  installHooks();
  const setpriv = platform() === 'linux' ? findExecutable('setpriv') : undefined;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), `cachex-bench-${basename(binary)}-`));
    const logFile = join(dir, 'server.log');
    const serverArgs = [
      '--port', String(port),
      '--bind', HOST,
      '--save', '',
      '--appendonly', 'no',
      '--dir', dir,
      '--logfile', logFile,
      '--daemonize', 'no',
      ...extraArgs,
    ]; // prettier-ignore
    // setpriv --pdeathsig: the kernel stops the server even if this process is SIGKILLed.
    const [command, args] = setpriv
      ? [setpriv, ['--pdeathsig', 'TERM', '--', path, ...serverArgs]]
      : [path, serverArgs];
    const child = spawn(command, args, { cwd: dir, stdio: 'ignore' });
    child.once('error', () => {});
    const server = {
      binary,
      host: HOST,
      port,
      url: `redis://${HOST}:${port}`,
      dir,
      child,
      exited: new Promise((resolve) => child.once('exit', resolve)),
      stop: () => stopServer(server),
    };
    running.add(server);
    if (await waitForPing(port, child)) return server;
    let serverLog = '';
    try {
      serverLog = readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
    } catch {
      // no log written
    }
    await stopServer(server);
    if (attempt === ATTEMPTS)
      throw new Error(`${binary} did not answer PING on ${HOST}:${port}\n${serverLog}`);
  }
}
