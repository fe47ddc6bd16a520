// Pipelines against awaited commands: what one round trip for N commands saves.
//
//   npm run build && node bench/pipeline.bench.mjs
//
// Spawns its own redis-server on a free loopback port (nothing else is touched) and runs each
// scenario twice: straight to the server, and through a TCP proxy that delays every chunk by
// BENCH_LATENCY_MS (default 1 ms each way), as a server in another zone would. Prints the median
// of BENCH_RUNS runs (default 7). No assertions: numbers to read, not to gate on.
import { once } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { CacheRegistry } from '../dist/index.js';
import { startServer } from './support/redis-server.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 1);
const SIZES = [10, 100, 1000];

/** A TCP proxy that delays every chunk by `ms` in each direction. */
async function startLatencyProxy(targetPort, ms) {
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ]) {
      sockets.add(from);
      from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), ms));
      from.on('close', () => to.destroy());
      from.on('error', () => to.destroy());
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: server.address().port,
    stop: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

async function median(fn) {
  const times = [];
  await fn(); // warm-up
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function scenario(label, port) {
  const registry = await CacheRegistry.create({
    default: { location: `redis://127.0.0.1:${port}`, keyPrefix: 'bench' },
  });
  const cache = registry.get('default');
  const rows = [];
  try {
    for (const n of SIZES) {
      const awaited = await median(async () => {
        for (let i = 0; i < n; i++) await cache.zadd('z', { [`m${i}`]: i });
      });
      const pipelined = await median(async () => {
        let pipeline = cache.pipeline();
        for (let i = 0; i < n; i++) pipeline = pipeline.zadd('z', { [`m${i}`]: i });
        await pipeline.exec();
      });
      const concurrent = await median(() =>
        Promise.all(Array.from({ length: n }, (_, i) => cache.zadd('z', { [`m${i}`]: i }))),
      );
      rows.push({ n, awaited, pipelined, concurrent });
    }
    // The rate-limit recipe: 4 commands per request.
    const key = 'ratelimit:bench';
    const recipeAwaited = await median(async () => {
      const now = Date.now() + Math.random();
      await cache.zremrangebyscore(key, 0, now - 60_000);
      await cache.zadd(key, { [String(now)]: now });
      await cache.zcard(key);
      await cache.expire(key, '1m');
    });
    const recipePipelined = await median(async () => {
      const now = Date.now() + Math.random();
      await cache
        .pipeline()
        .zremrangebyscore(key, 0, now - 60_000)
        .zadd(key, { [String(now)]: now })
        .zcard(key)
        .expire(key, '1m')
        .exec();
    });
    await cache.clear();
    print(label, rows, recipeAwaited, recipePipelined);
  } finally {
    await registry.onApplicationShutdown();
  }
}

function print(label, rows, recipeAwaited, recipePipelined) {
  const ms = (t) => `${t.toFixed(2)} ms`.padStart(11);
  console.log(`\n${label} (median of ${RUNS} runs)`);
  console.log(
    '   N | awaited one by one | one pipeline |   speed-up | Promise.all (auto-pipelined)',
  );
  for (const { n, awaited, pipelined, concurrent } of rows) {
    console.log(
      `${String(n).padStart(4)} | ${ms(awaited).padStart(18)} | ${ms(pipelined).padStart(12)} | ${`${(awaited / pipelined).toFixed(1)}x`.padStart(10)} | ${ms(concurrent)}`,
    );
  }
  console.log(
    `rate-limit recipe (4 commands): awaited ${ms(recipeAwaited).trim()}, pipeline ${ms(recipePipelined).trim()} (${(recipeAwaited / recipePipelined).toFixed(1)}x)`,
  );
}

const redis = await startServer();
try {
  await scenario('loopback', redis.port);
  if (LATENCY_MS > 0) {
    const proxy = await startLatencyProxy(redis.port, LATENCY_MS);
    try {
      await scenario(`+${LATENCY_MS} ms each way (TCP proxy)`, proxy.port);
    } finally {
      proxy.stop();
    }
  }
} finally {
  await redis.stop();
}
