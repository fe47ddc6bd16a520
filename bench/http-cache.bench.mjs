/**
 * HTTP response caching: the same Nest + Express route uncached, behind `@CacheResponse` (hits,
 * on Redis and on memory) and behind `@nestjs/cache-manager`'s `CacheInterceptor` with
 * `@keyv/redis` on the same Redis. Each column is its own server process (started by forking
 * this file); autocannon, in this process, loads one column at a time in short interleaved
 * rounds, so that other load on the machine hits every column alike. Reports the median
 * requests/s (min–max) per column and the ratios.
 *
 *   npm run bench:http                  # builds dist/ first
 *   node bench/http-cache.bench.mjs     # dist/ must be built
 *   BENCH_ROUNDS=5 BENCH_SECONDS=3 BENCH_CONNECTIONS=20 node bench/http-cache.bench.mjs
 *
 * Traffic goes to 127.0.0.1 only; every run is bounded in time. Results: a table on stdout and
 * bench/results/http-cache-latest.json. See bench/README.md.
 */
/* global clearTimeout, fetch */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startServer, stopAllServers } from './support/redis-server.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const COLUMNS = [
  'uncached',
  'cachex memory hit',
  'cachex redis hit',
  'cache-manager + keyv-redis hit',
];
const TTL_MS = 600_000;

/**
 * The route's work: a 2 KB JSON report computed from 400 rows (filter, format, sort), about
 * what a handler does with the rows of a small query.
 */
function buildReport() {
  const rows = [];
  for (let i = 0; i < 400; i++) {
    const price = Math.round(((i * 7919) % 10007) * 1.19) / 100;
    rows.push({
      id: i,
      sku: `SKU-${((i * 7919) % 10007).toString(36)}`,
      price,
      stock: (i * 31) % 97,
    });
  }
  const top = rows
    .filter((row) => row.stock > 10)
    .sort((a, b) => b.price - a.price || a.id - b.id)
    .slice(0, 20)
    .map((row) => ({
      ...row,
      label: `${row.sku} at ${row.price.toFixed(2)} EUR`,
      tags: ['in-stock'],
    }));
  return { title: 'Top products by price', currency: 'EUR', count: top.length, top };
}

// ---------------------------------------------------------------------------------------------
// One column's server (a child process).

async function serve(column, redisUrl) {
  await import('reflect-metadata');
  // One copy of Nest per application: `@nestjs/cache-manager` (in bench/node_modules) resolves
  // its own `@nestjs/core` and `@nestjs/common` there; the library (dist/) resolves the
  // repository's. Each column imports the copy that its caching layer uses.
  const fromRoot = (name) =>
    import(pathToFileURL(join(HERE, '..', 'node_modules', name, 'index.js')).href);
  const own = column.startsWith('cache-manager');
  const common = await (own ? import('@nestjs/common') : fromRoot('@nestjs/common'));
  const { NestFactory } = await (own ? import('@nestjs/core') : fromRoot('@nestjs/core'));
  const { ExpressAdapter } = await fromRoot('@nestjs/platform-express');
  const { Controller, Get, Module, UseInterceptors } = common;

  class ReportController {
    report() {
      return buildReport();
    }
  }
  const route = [Get('report')];
  const imports = [];
  if (column.startsWith('cachex')) {
    const { CacheResponse, CacheXModule } = await import('../dist/index.js');
    const location = column === 'cachex memory hit' ? 'memory://' : redisUrl;
    imports.push(CacheXModule.forRoot({ default: { location, keyPrefix: 'bench-http' } }));
    route.unshift(CacheResponse({ ttl: TTL_MS }));
  } else if (column.startsWith('cache-manager')) {
    const { CacheInterceptor, CacheModule, CacheTTL } = await import('@nestjs/cache-manager');
    const { createKeyv } = await import('@keyv/redis');
    imports.push(CacheModule.register({ stores: [createKeyv(redisUrl)], ttl: TTL_MS }));
    route.unshift(UseInterceptors(CacheInterceptor), CacheTTL(TTL_MS));
  }
  const descriptor = Object.getOwnPropertyDescriptor(ReportController.prototype, 'report');
  Object.defineProperty(
    ReportController.prototype,
    'report',
    Reflect.decorate(route, ReportController.prototype, 'report', descriptor),
  );
  Controller()(ReportController);
  class AppModule {}
  Module({ imports, controllers: [ReportController] })(AppModule);

  const app = await NestFactory.create(AppModule, new ExpressAdapter(), { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  process.send({ port: app.getHttpServer().address().port });
  process.on('message', async (message) => {
    if (message === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send({ cpuUs: user + system });
      return;
    }
    if (message !== 'stop') return;
    await app.close();
    process.exit(0);
  });
}

// ---------------------------------------------------------------------------------------------
// The driver.

function startColumn(column, redisUrl) {
  // BENCH_CPU_PROF=<dir>: each server writes a V8 CPU profile there when it stops.
  const profile = process.env.BENCH_CPU_PROF;
  const child = fork(fileURLToPath(import.meta.url), ['serve', column, redisUrl], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${column}: no port within 20 s`)), 20_000);
    child.once('exit', (code) => reject(new Error(`${column}: server exited (${code})`)));
    child.once('message', ({ port }) => {
      clearTimeout(timer);
      resolve({ column, child, url: `http://127.0.0.1:${port}/report` });
    });
  });
}

async function stopColumn({ child }) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send('stop');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(killer);
}

/** The server's CPU time so far (user + system), in µs. */
function cpuOf({ child }) {
  return new Promise((resolve) => {
    child.once('message', ({ cpuUs }) => resolve(cpuUs));
    child.send('cpu');
  });
}

/**
 * Loads a column for `seconds`: requests/s and latency, and the server's CPU time per request,
 * which other load on the machine disturbs much less than throughput.
 */
async function load(server, seconds) {
  const { default: autocannon } = await import('autocannon');
  const cpuBefore = await cpuOf(server);
  const result = await autocannon({ url: server.url, connections: CONNECTIONS, duration: seconds });
  const cpuUs = (await cpuOf(server)) - cpuBefore;
  if (result.errors > 0 || result.non2xx > 0)
    throw new Error(`${server.column}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUsPerRequest: cpuUs / result.requests.total,
  };
}

/** Checks that every column answers the same body, and that the cached ones answer hits. */
async function check(servers) {
  const expected = JSON.stringify(buildReport());
  for (const { column, url } of servers) {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(url);
      const body = await res.text();
      if (res.status !== 200 || body !== expected) throw new Error(`${column}: wrong answer`);
      if (i === 1 && column.startsWith('cachex') && res.headers.get('x-cache') !== 'HIT')
        throw new Error(`${column}: the second request was not a hit`);
    }
  }
  return expected.length;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (n) => Math.round(n).toLocaleString('en-US');

async function main() {
  const redis = await startServer();
  const servers = [];
  const loadAtStart = loadavg()[0];
  try {
    for (const column of COLUMNS) servers.push(await startColumn(column, redis.url));
    const bodyBytes = await check(servers);
    console.error(`body: ${bodyBytes} bytes; warming up…`);
    for (const server of servers) await load(server, 1);
    const figures = new Map(COLUMNS.map((column) => [column, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) {
        const result = await load(server, SECONDS);
        figures.get(server.column).push(result);
        console.error(
          `round ${round + 1}/${ROUNDS} ${server.column}: ${fmt(result.rps)} req/s, ` +
            `${result.cpuUsPerRequest.toFixed(0)} µs CPU per request`,
        );
      }
    }
    const summary = COLUMNS.map((column) => {
      const runs = figures.get(column);
      const rps = runs.map((run) => run.rps);
      return {
        column,
        medianRps: median(rps),
        minRps: Math.min(...rps),
        maxRps: Math.max(...rps),
        medianP50Ms: median(runs.map((run) => run.p50)),
        medianP99Ms: median(runs.map((run) => run.p99)),
        medianCpuUsPerRequest: median(runs.map((run) => run.cpuUsPerRequest)),
        runs,
      };
    });
    const by = Object.fromEntries(summary.map((row) => [row.column, row.medianRps]));
    // Requests per CPU-second of the server: its throughput on a core of its own.
    const cpu = Object.fromEntries(
      summary.map((row) => [row.column, 1e6 / row.medianCpuUsPerRequest]),
    );
    const ratiosOf = (figures) => ({
      memoryVsUncached: figures['cachex memory hit'] / figures.uncached,
      redisVsUncached: figures['cachex redis hit'] / figures.uncached,
      redisVsCacheManager: figures['cachex redis hit'] / figures['cache-manager + keyv-redis hit'],
    });
    const ratios = ratiosOf(by);
    const cpuRatios = ratiosOf(cpu);
    const goals = {};
    for (const [measure, r] of [
      ['req/s', ratios],
      ['requests per CPU-second', cpuRatios],
    ]) {
      goals[`${measure}: cachex redis hit ≥ 1.2× uncached`] = r.redisVsUncached >= 1.2;
      goals[`${measure}: cachex memory hit ≥ 1.2× uncached`] = r.memoryVsUncached >= 1.2;
      goals[`${measure}: cachex redis hit ahead of cache-manager + keyv-redis`] =
        r.redisVsCacheManager > 1;
    }

    console.log(
      `\nNest + Express, GET of a ${bodyBytes}-byte JSON route, autocannon ${CONNECTIONS} connections, ` +
        `${ROUNDS} × ${SECONDS} s per column (${cpus().length} cores)\n`,
    );
    console.log(
      '| column | req/s median (min–max) | p50 ms | p99 ms | server CPU µs per request | requests per CPU-second |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const row of summary)
      console.log(
        `| ${row.column} | ${fmt(row.medianRps)} (${fmt(row.minRps)}–${fmt(row.maxRps)}) | ${row.medianP50Ms} | ${row.medianP99Ms} | ` +
          `${row.medianCpuUsPerRequest.toFixed(0)} | ${fmt(cpu[row.column])} |`,
      );
    for (const [measure, r] of [
      ['req/s', ratios],
      ['per CPU-second', cpuRatios],
    ])
      console.log(
        `ratios (${measure}): memory hit / uncached ${r.memoryVsUncached.toFixed(2)}×, redis hit / uncached ` +
          `${r.redisVsUncached.toFixed(2)}×, redis hit / cache-manager ${r.redisVsCacheManager.toFixed(2)}×`,
      );
    for (const [goal, met] of Object.entries(goals))
      console.log(`${met ? 'met   ' : 'MISSED'} ${goal}`);
    console.log(
      `load average (1 min): ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end`,
    );

    mkdirSync(join(HERE, 'results'), { recursive: true });
    writeFileSync(
      join(HERE, 'results', 'http-cache-latest.json'),
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          node: process.version,
          cores: cpus().length,
          loadAverage: { start: loadAtStart, end: loadavg()[0] },
          settings: { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, bodyBytes },
          summary,
          ratios,
          cpuRatios,
          goals,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await Promise.allSettled(servers.map(stopColumn));
    await stopAllServers();
  }
}

if (process.argv[2] === 'serve') await serve(process.argv[3], process.argv[4]);
else await main();
