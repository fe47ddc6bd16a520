// Throughput of RateLimiter.consume() per algorithm, on the memory backend and on a Redis server
// this script starts (redis-server on a free loopback port, no persistence), next to the recipes
// page's pipeline (ZREMRANGEBYSCORE, ZADD, ZCARD, EXPIRE) on raw ioredis as a reference. Redis
// runs twice: with the library's default auto-pipelining and with it off (`redis:
// { enableAutoPipelining: false }`), which shows the limiter's own cost without ioredis' deferred
// writes. Besides ops/s, each cell gives this process' CPU time per request (µs), which load from
// other processes on the machine inflates much less than it lowers ops/s.
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

/**
 * Runs `op(i)` OPS times with `concurrency` in flight; answers operations per second and this
 * process' CPU µs per operation.
 */
async function measure(op, concurrency) {
  let next = 0;
  const worker = async () => {
    while (next < OPS) await op(next++);
  };
  // Warm-up: scripts loaded, connections open, JIT warm.
  for (let i = 0; i < 500; i++) await op(i);
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const { user, system } = process.cpuUsage(cpu);
  return { ops: OPS / ((performance.now() - started) / 1000), cpuUs: (user + system) / OPS };
}

const format = ({ ops, cpuUs }) =>
  `${Math.round(ops).toLocaleString('en-US')} (${cpuUs.toFixed(1)} µs)`.padStart(20);

async function main() {
  const redis = await startServer();
  const rows = [];
  try {
    for (const [backend, location, options] of [
      ['memory', 'memory://bench', undefined],
      ['redis', redis.url, undefined],
      ['redis AP off', redis.url, { enableAutoPipelining: false }],
    ]) {
      const registry = await CacheRegistry.create({
        default: { location, keyPrefix: 'bench', redis: options },
      });
      const limiter = new RateLimiter(registry);
      for (const algorithm of ALGORITHMS) {
        const options = { ...LIMIT, algorithm };
        const consume = (i) => limiter.consume(`client:${i % KEYS}`, options);
        rows.push([
          backend,
          `consume ${algorithm}`,
          await measure(consume, 1),
          await measure(consume, CONCURRENCY),
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
      await measure(recipe, 1),
      await measure(recipe, CONCURRENCY),
    ]);
    client.disconnect();
  } finally {
    await redis.stop();
  }

  console.log(
    `RateLimiter.consume(), ${OPS} requests over ${KEYS} keys, Node ${process.version}, ${(await import('node:os')).cpus()[0]?.model ?? ''}`,
  );
  console.log(
    `${'backend'.padEnd(12)} ${'operation'.padEnd(30)} ${'ops/s (CPU/op), 1'.padStart(20)} ${`ops/s (CPU/op), ${CONCURRENCY}`.padStart(20)}`,
  );
  for (const [backend, name, sequential, concurrent] of rows) {
    console.log(
      `${backend.padEnd(12)} ${name.padEnd(30)} ${format(sequential)} ${format(concurrent)}`,
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
