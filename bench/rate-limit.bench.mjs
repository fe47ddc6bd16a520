// Throughput of RateLimiter.consume() per algorithm, on the memory backend and on a Redis server
// this script starts (redis-server on a free loopback port, no persistence), next to the recipes
// page's pipeline (ZREMRANGEBYSCORE, ZADD, ZCARD, EXPIRE) on raw ioredis as a reference. Redis
// runs twice: with the library's default auto-pipelining and with it off (`redis:
// { enableAutoPipelining: false }`), which shows the limiter's own cost without ioredis' deferred
// writes. Besides ops/s, each cell gives the CPU time per request (µs) of this process and, on
// Redis, of the server (from INFO cpu): on a shared machine, load from other processes inflates
// these much less than it lowers ops/s, and on a 2-core machine client + server CPU is what bounds
// the throughput.
// With 64 in flight, client and server take turns under the default same-tick batching (the
// tick's requests leave in one write, their replies come back together), so a request costs about
// the sum of the two CPU times; the 'batching off' row shows the other trade.
// Runs on the built package: npm run build && node bench/rate-limit.bench.mjs
// Options (environment): BENCH_OPS (default 20000), BENCH_CONCURRENCY (default 64).
/* global clearTimeout */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { CacheRegistry, RateLimiter } from '../dist/index.js';
import { startServer } from './support/redis-server.mjs';

const OPS = Number(process.env.BENCH_OPS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const KEYS = 1_000;
const ALGORITHMS = ['sliding-log', 'sliding-window', 'fixed-window', 'token-bucket'];
// Every request admitted and recorded: the sliding log holds up to OPS / KEYS entries per key.
const LIMIT = { limit: 1_000_000, window: '1m' };

/** The server's CPU seconds so far (user + system), or 0 without a server. */
async function serverCpu(admin) {
  if (!admin) return 0;
  const info = await admin.info('cpu');
  const seconds = (name) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return seconds('used_cpu_user') + seconds('used_cpu_sys');
}

/**
 * Runs `op(i)` OPS times with `concurrency` in flight; answers operations per second and the CPU
 * µs per operation of this process and of the server (`admin`, a connection to it, if any).
 */
async function measure(op, concurrency, admin) {
  let next = 0;
  const worker = async () => {
    while (next < OPS) await op(next++);
  };
  // Warm-up: scripts loaded, connections open, JIT warm.
  for (let i = 0; i < 500; i++) await op(i);
  const server = await serverCpu(admin);
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const { user, system } = process.cpuUsage(cpu);
  const elapsed = (performance.now() - started) / 1000;
  const serverUs = ((await serverCpu(admin)) - server) * 1e6;
  return { ops: OPS / elapsed, cpuUs: (user + system) / OPS, serverUs: serverUs / OPS };
}

const format = ({ ops, cpuUs, serverUs }) =>
  `${Math.round(ops).toLocaleString('en-US')} (${cpuUs.toFixed(1)}${serverUs ? ` + ${serverUs.toFixed(1)}` : ''} µs)`.padStart(
    28,
  );

async function main() {
  const redis = await startServer();
  const admin = new Redis({ port: redis.port });
  const rows = [];
  try {
    for (const [backend, location, options, batching] of [
      ['memory', 'memory://bench', undefined],
      ['redis', redis.url, undefined],
      ['redis AP off', redis.url, { enableAutoPipelining: false }],
      // Each command its own socket write: the server starts on a request while the client
      // prepares the next, where the tick's one write makes them take turns.
      ['redis batching off', redis.url, undefined, 'off'],
    ]) {
      const registry = await CacheRegistry.create({
        default: { location, keyPrefix: 'bench', redis: options, batching },
      });
      const limiter = new RateLimiter(registry);
      for (const algorithm of ALGORITHMS) {
        const options = { ...LIMIT, algorithm };
        const consume = (i) => limiter.consume(`client:${i % KEYS}`, options);
        const server = backend === 'memory' ? undefined : admin;
        rows.push([
          backend,
          `consume ${algorithm}`,
          await measure(consume, 1, server),
          await measure(consume, CONCURRENCY, server),
        ]);
        for (let i = 0; i < KEYS; i++) await limiter.reset(`client:${i}`);
      }
      await limiter.onApplicationShutdown();
      await registry.onApplicationShutdown();
    }

    // The recipes page's version: one non-transactional pipeline per request.
    const client = new Redis({ port: redis.port, enableAutoPipelining: true });
    const recipe = async (i) => {
      const key = `recipe:${i % KEYS}`;
      const now = Date.now() / 1000;
      await client
        .pipeline()
        .zremrangebyscore(key, 0, now - 60)
        .zadd(key, now, String(now))
        .zcard(key)
        .expire(key, 60)
        .exec();
    };
    rows.push([
      'redis',
      'recipe pipeline (reference)',
      await measure(recipe, 1, admin),
      await measure(recipe, CONCURRENCY, admin),
    ]);
    client.disconnect();
  } finally {
    admin.disconnect();
    await redis.stop();
  }

  console.log(
    `RateLimiter.consume(), ${OPS} requests over ${KEYS} keys, Node ${process.version}, ${(await import('node:os')).cpus()[0]?.model ?? ''}`,
  );
  console.log(
    `${'backend'.padEnd(18)} ${'operation'.padEnd(30)} ${'ops/s (CPU/op: app + server), 1'.padStart(28)} ${`…, ${CONCURRENCY} in flight`.padStart(28)}`,
  );
  for (const [backend, name, sequential, concurrent] of rows) {
    console.log(
      `${backend.padEnd(18)} ${name.padEnd(30)} ${format(sequential)} ${format(concurrent)}`,
    );
  }
}

const timeout = setTimeout(() => {
  console.error('benchmark timed out');
  process.exit(1);
}, 300_000);
timeout.unref();
await main();
clearTimeout(timeout);
