// Lock benchmark, on the built package (dist/): run `npm run build && node bench/lock.bench.mjs`.
// Spawns its own redis-server on a free loopback port (REDIS_SERVER=/path/to/binary to pick one,
// e.g. valkey-server) and stops it at the end. It measures:
//   1. hand-off latency: a holder calls release() while a waiter (another connection) is blocked
//      in acquire({ wait }); the time until the waiter holds the lock. Median and p99, on memory://,
//      on Redis (pub/sub release notices), and for comparison a waiter that polls with
//      acquire() every 50 ms, as a lock without release notices makes its users do;
//   2. uncontended acquire + release, sequential (one round trip each on Redis), and on Redis
//      where its time goes: interleaved slices of the raw floor (SET NX PX + compare-and-delete
//      Lua through raw ioredis), the floor with ioredis' own commandTimeout (a timer per command,
//      which is why the library keeps its timeout with one sweep per connection instead), raw ioredis running the library's own lock scripts (what the fencing token and
//      the waiters mark cost the server), the library without commandTimeout and batching, and
//      the library as configured by default; per pair: wall time, client CPU and server CPU;
//   3. a multi-process check: worker processes increment a counter under the lock with a
//      non-atomic read-modify-write; no update may be lost, and the fencing tokens must be
//      unique and increase in each process.
// Options: ROUNDS (hand-offs per scenario, default 300), WORKERS (default 4), PER_WORKER (default 50),
// PAIRS (pairs per slice of the breakdown, default 1000), SLICES (default 7).
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { clearInterval, setInterval } from 'node:timers';
import { Redis } from 'ioredis';
import { CacheRegistry } from '../dist/index.js';
import { ACQUIRE_LOCK, RELEASE_LOCK } from '../dist/lock/lock.ops.js';
import { startServer } from './support/redis-server.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 300);
const WORKERS = Number(process.env.WORKERS ?? 4);
const PER_WORKER = Number(process.env.PER_WORKER ?? 50);
const PAIRS = Number(process.env.PAIRS ?? 1_000);
const SLICES = Number(process.env.SLICES ?? 7);
const SELF = fileURLToPath(import.meta.url);
/** The floor's release: a bare compare-and-delete. */
const COMPARE_AND_DELETE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

if (process.argv[2] === '--worker') {
  await worker(process.argv[3], process.argv[4]);
} else {
  await main();
}

async function main() {
  const server = await startServer({ binary: process.env.REDIS_SERVER ?? 'redis-server' });
  const url = `redis://127.0.0.1:${server.port}`;
  try {
    console.log(`lock benchmark: ${server.binary} on ${url}, node ${process.version}\n`);
    console.log('hand-off latency (release() called -> waiter holds the lock), ms');
    report('memory://, in-process notice', await handOff('memory://', 'notices'));
    report('redis, pub/sub notice', await handOff(url, 'notices'));
    report('redis, polling every 50 ms', await handOff(url, 'polling'));
    console.log('\nuncontended acquire + release, sequential');
    await uncontended('memory://');
    await uncontended(url);
    console.log(
      '\nwhere an uncontended pair goes on Redis (µs per acquire + release, median of slices)',
    );
    await breakdown(server.port);
    console.log(`\n${WORKERS} processes x ${PER_WORKER} increments under one lock (redis)`);
    await processes(url);
  } finally {
    await server.stop();
  }
}

/** Median and p99 of the hand-off of one lock between two clients. */
async function handOff(location, mode) {
  const keyPrefix = `bench-lock-${process.pid}-${mode}`;
  const a = await CacheRegistry.create({ default: { location, keyPrefix } });
  const b = await CacheRegistry.create({ default: { location, keyPrefix } });
  const holderCache = a.get('default');
  const waiterCache = b.get('default');
  const samples = [];
  try {
    for (let i = 0; i < ROUNDS + 10; i++) {
      const holder = holderCache.lock('hand-off', { lease: '30s' });
      if (!(await holder.acquire())) throw new Error('holder could not acquire');
      const waiter = waiterCache.lock('hand-off', { lease: '30s' });
      const acquired =
        mode === 'polling' ? pollFor(waiter, 50, 10_000) : waiter.acquire({ wait: '10s' });
      const holdsAt = acquired.then((ok) => {
        if (!ok) throw new Error('waiter did not get the lock');
        return performance.now();
      });
      // Let the waiter block (and subscribe) first.
      await sleep(15);
      const releasedAt = performance.now();
      await holder.release();
      const t = (await holdsAt) - releasedAt;
      if (i >= 10) samples.push(t); // the first rounds warm up connections and scripts
      await waiter.release();
    }
  } finally {
    await a.onApplicationShutdown();
    await b.onApplicationShutdown();
  }
  return samples;
}

/** What a waiter does with a lock that cannot wait: try, sleep, try again. */
async function pollFor(lock, everyMs, waitMs) {
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (await lock.acquire()) return true;
    await sleep(everyMs);
  }
  return false;
}

async function uncontended(location) {
  const registry = await CacheRegistry.create({
    default: { location, keyPrefix: `bench-lock-${process.pid}-u` },
  });
  const cache = registry.get('default');
  const n = location.startsWith('memory') ? 20_000 : 5_000;
  try {
    for (let i = 0; i < 200; i++) await cycle(cache, i);
    const start = performance.now();
    for (let i = 0; i < n; i++) await cycle(cache, i);
    const ms = performance.now() - start;
    console.log(
      `  ${location.padEnd(28)} ${fmt((ms * 1000) / n)} µs per acquire+release  (${Math.round((n * 1000) / ms)} cycles/s)`,
    );
  } finally {
    await registry.onApplicationShutdown();
  }
}

async function cycle(cache, i) {
  const lock = cache.lock(`u-${i % 16}`);
  if (!(await lock.acquire())) throw new Error('uncontended acquire failed');
  await lock.release();
}

/**
 * Interleaved slices of serial acquire + release pairs, from the raw floor to the library as
 * configured by default; each step adds one cost. Client CPU is this process' (process.cpuUsage),
 * server CPU the server's (INFO cpu), both per pair.
 */
async function breakdown(port) {
  const url = `redis://127.0.0.1:${port}`;
  const prefix = `bench-lock-${process.pid}-b`;
  const registry = await CacheRegistry.create({
    bare: { location: url, keyPrefix: `${prefix}-bare`, commandTimeout: null, batching: 'off' },
    default: { location: url, keyPrefix: `${prefix}-default` },
  });
  const raw = new Redis({ port, host: '127.0.0.1' });
  raw.defineCommand('compareAndDelete', { numberOfKeys: 1, lua: COMPARE_AND_DELETE });
  // ioredis' own commandTimeout (1 s, the library's default): a timer armed and cleared per command.
  const timed = new Redis({ port, host: '127.0.0.1', commandTimeout: 1_000 });
  timed.defineCommand('compareAndDelete', { numberOfKeys: 1, lua: COMPARE_AND_DELETE });
  const admin = new Redis({ port, host: '127.0.0.1' });
  for (const op of [ACQUIRE_LOCK, RELEASE_LOCK]) await raw.script('LOAD', op.script.lua);
  let seq = 0;
  const floor = (client, tag) => async (i) => {
    const key = `${prefix}:${tag}:${i % 16}`;
    const token = String(++seq);
    if ((await client.set(key, token, 'PX', 30_000, 'NX')) !== 'OK')
      throw new Error('floor failed');
    await client.compareAndDelete(key, token);
  };
  const library = (cache) => async (i) => {
    const lock = cache.lock(`b-${i % 16}`, { lease: 30_000 });
    if (!(await lock.acquire())) throw new Error('uncontended acquire failed');
    await lock.release();
  };
  const columns = {
    'raw floor': floor(raw, 'floor'),
    '+ commandTimeout': floor(timed, 'timed'),
    // The same, with Node's 1 s timer list kept alive by an idle interval: each command's timer
    // is then appended to and unlinked from a live list, without re-arming the event loop's timer.
    '+ commandTimeout, list kept': floor(timed, 'kept'),
    'raw, lock scripts': async (i) => {
      const key = `${prefix}:{s${i % 16}}`;
      const token = String(++seq);
      const keys = [key, `${key}:fence`, `${key}:waiters`];
      const fence = await raw.evalsha(ACQUIRE_LOCK.script.sha, 3, ...keys, token, 30_000, 0);
      if (fence < 0) throw new Error('script acquire failed');
      await raw.evalsha(RELEASE_LOCK.script.sha, 2, key, keys[2], token);
    },
    'cachex, no timeout/batching': library(registry.get('bare')),
    'cachex, defaults': library(registry.get('default')),
  };
  const serverCpu = async () => {
    const info = await admin.info('cpu');
    const field = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)[1]);
    return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
  };
  const samples = Object.fromEntries(Object.keys(columns).map((c) => [c, []]));
  try {
    for (const op of Object.values(columns)) for (let i = 0; i < 200; i++) await op(i);
    for (let slice = 0; slice < SLICES; slice++) {
      for (const [column, op] of Object.entries(columns)) {
        const keeper = column.endsWith('list kept') ? setInterval(() => {}, 1_000) : undefined;
        const server = await serverCpu();
        const client = process.cpuUsage();
        const start = performance.now();
        for (let i = 0; i < PAIRS; i++) await op(i);
        const wall = ((performance.now() - start) * 1000) / PAIRS;
        const used = process.cpuUsage(client);
        const serverUsed = ((await serverCpu()) - server) / PAIRS;
        clearInterval(keeper);
        samples[column].push({
          wall,
          client: (used.user + used.system) / PAIRS,
          server: serverUsed,
        });
      }
    }
    const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
    for (const [column, rows] of Object.entries(samples)) {
      const [wall, client, server] = ['wall', 'client', 'server'].map((f) =>
        median(rows.map((r) => r[f])),
      );
      console.log(
        `  ${column.padEnd(28)} ${fmt(wall).padStart(6)} µs   client CPU ${fmt(client).padStart(6)} µs   server CPU ${fmt(server).padStart(6)} µs`,
      );
    }
  } finally {
    raw.disconnect();
    timed.disconnect();
    admin.disconnect();
    await registry.onApplicationShutdown();
  }
}

async function processes(url) {
  const keyPrefix = `bench-lock-${process.pid}-p`;
  const children = Array.from({ length: WORKERS }, () =>
    fork(SELF, ['--worker', url, keyPrefix], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  const results = await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve, reject) => {
          child.once('message', resolve);
          child.once('exit', (code) => code !== 0 && reject(new Error(`worker exited ${code}`)));
        }),
    ),
  );
  // From the first critical section to the last, without the workers' start-up.
  const ms = Math.max(...results.map((r) => r.end)) - Math.min(...results.map((r) => r.start));
  const client = new Redis(url);
  try {
    const counter = Number(JSON.parse(await client.get(`${keyPrefix}:1:counter`)));
    const tokens = results.flatMap((r) => r.tokens);
    const increasing = results.every((r) =>
      r.tokens.every((t, i) => i === 0 || t > r.tokens[i - 1]),
    );
    const unique = new Set(tokens).size === tokens.length;
    const expected = WORKERS * PER_WORKER;
    console.log(
      `  counter ${counter} / ${expected} expected: ${counter === expected ? 'ok' : 'LOST UPDATES'}`,
    );
    console.log(
      `  fencing tokens unique: ${unique ? 'ok' : 'NO'}, increasing per process: ${increasing ? 'ok' : 'NO'}`,
    );
    console.log(`  ${fmt(ms)} ms in all, ${fmt(ms / expected)} ms per critical section`);
    if (counter !== expected || !unique || !increasing) process.exitCode = 1;
    const keys = await client.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await client.del(...keys);
  } finally {
    await client.quit();
  }
}

/** A worker process: PER_WORKER read-modify-write increments under the lock. */
async function worker(url, keyPrefix) {
  const registry = await CacheRegistry.create({ default: { location: url, keyPrefix } });
  const cache = registry.get('default');
  const tokens = [];
  let start;
  try {
    await cache.get('counter'); // connected before the clock starts
    start = Date.now();
    for (let i = 0; i < PER_WORKER; i++) {
      await cache.withLock(
        'counter',
        async (lock) => {
          tokens.push(lock.fencingToken);
          const value = (await cache.get('counter')) ?? 0;
          await cache.set('counter', value + 1, { ttl: '5m' });
        },
        { wait: '60s' },
      );
    }
  } finally {
    await registry.onApplicationShutdown();
  }
  process.send({ tokens, start, end: Date.now() }, () => process.exit(0));
}

function report(label, samples) {
  const sorted = [...samples].sort((x, y) => x - y);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  console.log(
    `  ${label.padEnd(32)} median ${fmt(at(0.5)).padStart(7)}   p99 ${fmt(at(0.99)).padStart(7)}   (n=${sorted.length})`,
  );
}

function fmt(x) {
  return x.toFixed(x < 10 ? 2 : 1);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
