import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { CacheXConnectionError } from '../../../lib/index.js';
import type { SpawnedRedis } from '../../harness/index.js';

/** The default `commandTimeout`, in ms: what every call must settle within, plus {@link MARGIN_MS}. */
export const TIMEOUT_MS = 1_000;
/**
 * Slack on top of the command timeout, in ms: generous, for a shared 2-core machine whose load
 * average reaches 15 while these tests run (the calls typically settle 0.1–0.3 s after the
 * timeout). Still far from the 6–20 s that calls took before the bounded waits.
 */
export const MARGIN_MS = 1_000;

/** The server's process id, as it reports it. */
export async function serverPid(server: SpawnedRedis): Promise<number> {
  const admin = new Redis({ host: server.host, port: server.port, lazyConnect: true });
  try {
    await admin.connect();
    const info = await admin.info('server');
    return Number(/process_id:(\d+)/.exec(info)![1]);
  } finally {
    admin.disconnect();
  }
}

/**
 * Runs `calls` while the server's process is stopped (SIGSTOP: connected, answering nothing),
 * resumes it whatever happens, and answers each call's outcome and how long they took, in ms.
 */
export async function whileStopped(
  server: SpawnedRedis,
  calls: () => Promise<PromiseSettledResult<unknown>[]>,
): Promise<{ settled: PromiseSettledResult<unknown>[]; ms: number }> {
  const pid = await serverPid(server);
  process.kill(pid, 'SIGSTOP');
  const started = Date.now();
  try {
    return { settled: await calls(), ms: Date.now() - started };
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

/** A loopback port nobody listens on (it was free a moment ago). */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** How one call settled, and how long it took, in ms. */
export interface Settled {
  ok: boolean;
  value?: unknown;
  error?: unknown;
  ms: number;
}

/** Runs `call` and records how it settled; never rejects. */
export async function settle(call: () => Promise<unknown>): Promise<Settled> {
  const started = performance.now();
  try {
    const value = await call();
    return { ok: true, value, ms: performance.now() - started };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - started };
  }
}

/** The figures a fault test reports (README, "Reliability and security"). */
export interface Figures {
  scenario: string;
  calls: number;
  /** Calls that failed with a typed connection error. */
  failed: number;
  /** Calls that answered a miss or "not written" instead (`onError: 'ignore'`, fail-open). */
  degraded: number;
  /** Calls answered normally (completed before the fault). */
  answered: number;
  /** The slowest call during the fault, in ms. */
  timeToFailMs: number;
  /** From the server's return to the first successful call, in ms. */
  timeToRecoverMs: number;
}

/** Prints a scenario's figures in one line, for the README table. */
export function report(figures: Figures): void {
  const round = (ms: number) => Math.round(ms);
  process.stdout.write(
    `FIGURES ${JSON.stringify({ ...figures, timeToFailMs: round(figures.timeToFailMs), timeToRecoverMs: round(figures.timeToRecoverMs) })}\n`,
  );
}

/** Polls `call` every 25 ms until it resolves; resolves to the time it took, in ms. Bounded. */
export async function timeUntil(call: () => Promise<unknown>, limitMs = 10_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      await call();
      return performance.now() - started;
    } catch (error) {
      if (!(error instanceof CacheXConnectionError)) throw error;
      if (performance.now() - started > limitMs) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Records unhandled rejections while a test file runs. */
export function watchUnhandledRejections(): unknown[] {
  const seen: unknown[] = [];
  const onUnhandled = (reason: unknown) => seen.push(reason);
  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => process.off('unhandledRejection', onUnhandled));
  return seen;
}
