// The peer benchmark of issue 10: nestjs-cachex next to raw clients and the libraries people use
// instead of it, in one run, on servers this script starts (redis-server on free loopback ports).
// Each row's columns take turns slice by slice (forward, then backward), so that other load on
// the machine hits them alike; a cell is the median ops/s of its slices (min–max), and the ratio
// is to the row's baseline column. Then each of the goals is stated met or not met, and
// everything is written to bench/results/<date>-peers.json.
//
//   npm run bench                     # builds dist/, then runs this
//   node bench/peers.bench.mjs        # dist/ already built
//   node bench/peers.bench.mjs --quick   # a smoke run: 1/5 of the work
//   BENCH_ONLY=cache,memory,rate-limit,lock,http   # sections to run (default: all)
//
// Peers: bench/package.json (`cd bench && npm install`), or BENCH_PEERS_DIR (see bench/README.md).
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startServer, stopAllServers } from './support/redis-server.mjs';
import { loadPeer } from './support/peers.mjs';

const SELF = fileURLToPath(import.meta.url);
const HERE = dirname(SELF);

// -- measuring ----------------------------------------------------------------------------------

const QUICK = process.argv.includes('--quick');
const SCALE = QUICK ? 0.2 : 1;
const SLICES = QUICK ? 3 : 7;
const ONLY = new Set((process.env.BENCH_ONLY ?? 'cache,memory,rate-limit,lock,http').split(','));
const KEYS = 1_000;
/** A ~100-byte JSON-like value, as the other benchmarks use. */
const VALUE = {
  id: 42,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  roles: ['admin', 'dev'],
  active: true,
  score: 1.5,
};

/**
 * Runs `op(i, worker)` `ops` times with `concurrency` calls in flight (each worker awaits its
 * own calls); answers ops/s.
 */
let lastCpuUs = 0;

async function slice(op, ops, concurrency, cpu = false) {
  let next = 0;
  const worker = async (w) => {
    while (next < ops) await op(next++, w);
  };
  // With --expose-gc, each slice starts on a clean heap: it does not pay for the garbage of the
  // column before it.
  globalThis.gc?.();
  const started = performance.now();
  const usage = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const { user, system } = process.cpuUsage(usage);
  // This process' CPU µs per call, kept beside the ops/s: on a shared machine it shows the
  // client-side cost that other load does not inflate.
  lastCpuUs = (user + system) / ops;
  // In-process work: per CPU second of this process, which other processes do not inflate.
  if (cpu) return ops / ((user + system) / 1e6);
  return ops / ((performance.now() - started) / 1000);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = [];

/**
 * One row: every column runs `ops` calls per slice at `concurrency`, columns interleaved slice by
 * slice. `columns` maps a column name to `op(i, worker)` (or null: not offered by that library).
 */
async function row(section, name, { baseline, ops, concurrency, columns, cpu = false }) {
  const n = Math.max(50, Math.round(ops * SCALE));
  const live = Object.entries(columns).filter(([, op]) => op);
  const samples = Object.fromEntries(live.map(([col]) => [col, []]));
  const cpuUs = Object.fromEntries(live.map(([col]) => [col, []]));
  // Warm-up: JIT, connections, scripts loaded.
  for (const [, op] of live) await slice(op, Math.min(n, 500), concurrency, cpu);
  for (let s = 0; s < SLICES; s++) {
    const order = s % 2 ? [...live].reverse() : live;
    for (const [col, op] of order) {
      samples[col].push(await slice(op, n, concurrency, cpu));
      cpuUs[col].push(lastCpuUs);
    }
  }
  const cells = {};
  for (const [col] of Object.entries(columns)) {
    const xs = samples[col];
    cells[col] = xs
      ? {
          median: median(xs),
          min: Math.min(...xs),
          max: Math.max(...xs),
          samples: xs,
          cpuUsPerOp: median(cpuUs[col]),
        }
      : null;
  }
  const base = cells[baseline]?.median;
  for (const cell of Object.values(cells)) if (cell && base) cell.ratio = cell.median / base;
  const result = { section, name, baseline, ops: n, concurrency, perCpuSecond: cpu, cells };
  results.push(result);
  print(result);
  return result;
}

const fmt = (x) =>
  x >= 100_000
    ? `${Math.round(x / 1000)}k`
    : x >= 1000
      ? `${(x / 1000).toFixed(1)}k`
      : `${Math.round(x)}`;

let lastHeader = '';
function print({ section, name, baseline, cells }) {
  const cols = Object.keys(cells);
  const header = `${section}|${cols.join('|')}`;
  if (header !== lastHeader) {
    lastHeader = header;
    console.log(`\n## ${section} (ops/s: median (min–max) ×baseline)`);
    console.log(['row'.padEnd(26), ...cols.map((c) => c.padStart(30))].join(' '));
  }
  const text = cols.map((col) => {
    const c = cells[col];
    if (!c) return '—'.padStart(30);
    const mark = col === baseline ? ' base' : ` ${c.ratio.toFixed(2)}×`;
    return `${fmt(c.median)} (${fmt(c.min)}–${fmt(c.max)})${mark}`.padStart(30);
  });
  console.log([name.padEnd(26), ...text].join(' '));
  const cpu = cols.map((col) => {
    const us = cells[col]?.cpuUsPerOp;
    return (us === undefined ? '—' : `${us.toFixed(1)} µs`).padStart(30);
  });
  console.log(['  CPU per call'.padEnd(26), ...cpu].join(' '));
}

// -- the sections -------------------------------------------------------------------------------

async function main() {
  const timeout = setTimeout(() => {
    console.error('peers benchmark: over 15 minutes, stopping');
    void stopAllServers().finally(() => process.exit(2));
  }, 15 * 60_000);
  timeout.unref();
  const started = Date.now();
  const lib = await import('../dist/index.js');
  const server = await startServer();
  const load = loadavg();
  console.log(
    `peers benchmark: Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? '?'}, ` +
      `load ${load.map((l) => l.toFixed(1)).join(' ')}, ${SLICES} slices per cell${QUICK ? ' (quick)' : ''}`,
  );
  try {
    if (ONLY.has('cache')) await cacheRows(lib, server);
    if (ONLY.has('memory')) await memoryRows(lib);
    if (ONLY.has('rate-limit')) await rateLimitRows(lib, server);
    if (ONLY.has('lock')) await lockRows(lib, server);
    if (ONLY.has('http')) await httpRows(server);
  } finally {
    await stopAllServers();
  }
  const goals = checkGoals();
  console.log('\n## goals of issue 10');
  for (const goal of goals) {
    console.log(
      `${goal.met === null ? 'n/a    ' : goal.met ? 'met    ' : 'NOT MET'}  ${goal.text}: ${goal.detail}`,
    );
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`\n${seconds.toFixed(0)} s`);
  const file = join(HERE, 'results', `${new Date().toISOString().slice(0, 10)}-peers.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpus: `${cpus().length}× ${cpus()[0]?.model ?? '?'}`,
        loadStart: load,
        loadEnd: loadavg(),
        seconds,
        quick: QUICK,
        slices: SLICES,
        rows: results,
        goals,
      },
      null,
      2,
    ),
  );
  console.log(`written: ${file}`);
}

/** Cache operations on Redis: 1 and 50 in flight. */
async function cacheRows(lib, server) {
  const registry = await lib.CacheRegistry.create({
    default: { location: server.url, keyPrefix: 'bx' },
    // The same values, without the hold of a busy connection's commands until setImmediate.
    coalesce: { location: server.url, keyPrefix: 'bxc', batching: 'coalesce' },
  });
  const cachex = registry.get('default');
  const coalesce = registry.get('coalesce');
  // The library's full keys and TTL, so that every column sends the same commands.
  const full = (k) => `bx:1:${k}`;
  const apOff = new Redis({ port: server.port, host: server.host });
  const apOn = new Redis({ port: server.port, host: server.host, enableAutoPipelining: true });
  const { createClient } = await loadPeer('redis');
  const nodeRedis = await createClient({ url: server.url })
    .on('error', () => {}) // a failure shows as the failing row's error
    .connect();
  const { CacheModule, CACHE_MANAGER } = await loadPeer('@nestjs/cache-manager');
  const { default: KeyvRedis } = await loadPeer('@keyv/redis');
  const { Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const keyvStore = new KeyvRedis(server.url);
  class CmModule {}
  Module({ imports: [CacheModule.register({ stores: [keyvStore] })] })(CmModule);
  const app = await NestFactory.createApplicationContext(CmModule, { logger: false });
  const cm = app.get(CACHE_MANAGER);

  const key = (i) => `k:${i % KEYS}`;
  const many = (i) => Array.from({ length: 10 }, (_, j) => key(i + j * 97));
  for (let i = 0; i < KEYS; i++) {
    await cachex.set(key(i), VALUE, { ttl: 600_000 });
    await coalesce.set(key(i), VALUE, { ttl: 600_000 });
    await cm.set(key(i), VALUE, 600_000);
  }
  const ops = {
    get: {
      cachex: (i) => cachex.get(key(i)),
      'cachex coalesce': (i) => coalesce.get(key(i)),
      'ioredis AP off': async (i) => JSON.parse(await apOff.get(full(key(i)))),
      'ioredis AP on': async (i) => JSON.parse(await apOn.get(full(key(i)))),
      'node-redis 5': async (i) => JSON.parse(await nodeRedis.get(full(key(i)))),
      'cache-manager+keyv': (i) => cm.get(key(i)),
    },
    'get-miss': {
      cachex: (i) => cachex.get(`miss:${i % KEYS}`),
      'cachex coalesce': (i) => coalesce.get(`miss:${i % KEYS}`),
      'ioredis AP off': (i) => apOff.get(full(`miss:${i % KEYS}`)),
      'ioredis AP on': (i) => apOn.get(full(`miss:${i % KEYS}`)),
      'node-redis 5': (i) => nodeRedis.get(full(`miss:${i % KEYS}`)),
      'cache-manager+keyv': (i) => cm.get(`miss:${i % KEYS}`),
    },
    set: {
      cachex: (i) => cachex.set(key(i), VALUE, { ttl: 600_000 }),
      'cachex coalesce': (i) => coalesce.set(key(i), VALUE, { ttl: 600_000 }),
      'ioredis AP off': (i) => apOff.set(full(key(i)), JSON.stringify(VALUE), 'PX', 600_000),
      'ioredis AP on': (i) => apOn.set(full(key(i)), JSON.stringify(VALUE), 'PX', 600_000),
      'node-redis 5': (i) =>
        nodeRedis.set(full(key(i)), JSON.stringify(VALUE), {
          expiration: { type: 'PX', value: 600_000 },
        }),
      'cache-manager+keyv': (i) => cm.set(key(i), VALUE, 600_000),
    },
    'getMany (10 keys)': {
      cachex: (i) => cachex.getMany(many(i)),
      'cachex coalesce': (i) => coalesce.getMany(many(i)),
      'ioredis AP off': async (i) =>
        (await apOff.mget(many(i).map(full))).map((v) => v && JSON.parse(v)),
      'ioredis AP on': async (i) =>
        (await apOn.mget(many(i).map(full))).map((v) => v && JSON.parse(v)),
      'node-redis 5': async (i) =>
        (await nodeRedis.mGet(many(i).map(full))).map((v) => v && JSON.parse(v)),
      'cache-manager+keyv': (i) => cm.mget(many(i)),
    },
    incr: {
      cachex: (i) => cachex.incr(`n:${i % 16}`),
      'cachex coalesce': (i) => coalesce.incr(`n:${i % 16}`),
      'ioredis AP off': (i) => apOff.incrby(full(`n:${i % 16}`), 1),
      'ioredis AP on': (i) => apOn.incrby(full(`n:${i % 16}`), 1),
      'node-redis 5': (i) => nodeRedis.incrBy(full(`n:${i % 16}`), 1),
      'cache-manager+keyv': null, // cache-manager has no counter
    },
    delete: {
      cachex: (i) => cachex.delete(`d:${i % KEYS}`),
      'cachex coalesce': (i) => coalesce.delete(`d:${i % KEYS}`),
      'ioredis AP off': (i) => apOff.unlink(full(`d:${i % KEYS}`)),
      'ioredis AP on': (i) => apOn.unlink(full(`d:${i % KEYS}`)),
      'node-redis 5': (i) => nodeRedis.unlink(full(`d:${i % KEYS}`)),
      'cache-manager+keyv': (i) => cm.del(`d:${i % KEYS}`),
    },
  };
  try {
    for (const [op, columns] of Object.entries(ops)) {
      await row('cache ops on Redis, 1 in flight', op, {
        baseline: 'ioredis AP off',
        ops: 1_500,
        concurrency: 1,
        columns,
      });
    }
    for (const [op, columns] of Object.entries(ops)) {
      await row('cache ops on Redis, 50 in flight', op, {
        baseline: 'node-redis 5',
        ops: 15_000,
        concurrency: 50,
        columns,
      });
    }
  } finally {
    await app.close();
    await keyvStore.disconnect?.().catch(() => {});
    await nodeRedis.quit();
    apOff.disconnect();
    apOn.disconnect();
    await registry.onApplicationShutdown();
  }
}

/** The memory backend next to a plain Map and cache-manager's memory store. */
async function memoryRows(lib) {
  const registry = await lib.CacheRegistry.create({ default: { location: 'memory://peers' } });
  const cachex = registry.get('default');
  const { createCache } = await loadPeer('cache-manager');
  const cm = createCache(); // its default store: an in-memory Keyv
  const map = new Map();
  // The Map behind the same async surface every cache API has.
  const plain = {
    get: async (k) => map.get(k),
    set: async (k, v) => void map.set(k, v),
  };
  const key = (i) => `k:${i % KEYS}`;
  for (let i = 0; i < KEYS; i++) {
    await cachex.set(key(i), VALUE);
    await cm.set(key(i), VALUE);
    await plain.set(key(i), VALUE);
  }
  const columns = (op) => ({
    'cachex memory': op === 'get' ? (i) => cachex.get(key(i)) : (i) => cachex.set(key(i), VALUE),
    Map: op === 'get' ? (i) => plain.get(key(i)) : (i) => plain.set(key(i), VALUE),
    'cache-manager memory': op === 'get' ? (i) => cm.get(key(i)) : (i) => cm.set(key(i), VALUE),
  });
  try {
    for (const op of ['get', 'set']) {
      await row('memory, 1 in flight (per CPU second)', op, {
        baseline: 'cache-manager memory',
        ops: 100_000,
        concurrency: 1,
        cpu: true,
        columns: columns(op),
      });
    }
  } finally {
    await registry.onApplicationShutdown();
  }
}

// The same algorithms as bare Lua scripts through raw ioredis: what one round trip costs at least.
const BARE_LUA = {
  'sliding-log': `local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return 1`,
  'fixed-window': `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n > tonumber(ARGV[2]) then return 0 end
return 1`,
  'token-bucket': `local now = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local per_ms = capacity / tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - at) * per_ms)
if tokens < 1 then return 0 end
redis.call('HSET', KEYS[1], 't', tokens - 1, 'at', now)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`,
};

/** Rate limiting: the library's algorithms next to the peers, on Redis and in memory. */
async function rateLimitRows(lib, server) {
  const LIMIT = 1_000_000_000; // every request admitted: the cost of counting, not of refusing
  const WINDOW = 60_000;
  const registry = await lib.CacheRegistry.create({
    default: { location: server.url, keyPrefix: 'rl' },
    // Auto-pipelining off: what the limiter itself costs, without ioredis' turn of delay.
    noap: { location: server.url, keyPrefix: 'rlnoap', redis: { enableAutoPipelining: false } },
    mem: { location: 'memory://rl' },
  });
  const limiter = new lib.RateLimiter(registry);
  const { ThrottlerStorageRedisService } = await loadPeer('@nest-lab/throttler-storage-redis');
  const { ThrottlerStorageService } = await loadPeer('@nestjs/throttler');
  const { RateLimiterRedis, RateLimiterMemory } = await loadPeer('rate-limiter-flexible');
  const throttlerRedis = new ThrottlerStorageRedisService(server.url);
  const throttlerMemory = new ThrottlerStorageService();
  const rlfClient = new Redis({ port: server.port, host: server.host });
  const rlfRedis = new RateLimiterRedis({
    storeClient: rlfClient,
    points: LIMIT,
    duration: WINDOW / 1000,
    keyPrefix: 'rlf',
  });
  const rlfMemory = new RateLimiterMemory({ points: LIMIT, duration: WINDOW / 1000 });
  const raw = new Redis({ port: server.port, host: server.host });
  for (const [name, lua] of Object.entries(BARE_LUA)) {
    raw.defineCommand(name.replace('-', ''), { numberOfKeys: 1, lua });
  }
  let seq = 0;
  const bare = {
    'sliding-log': (k) =>
      raw.slidinglog(`bare:sl:${k}`, Date.now(), WINDOW, LIMIT, `${Date.now()}-${seq++}`),
    'fixed-window': (k) => raw.fixedwindow(`bare:fw:${k}`, WINDOW, LIMIT),
    'token-bucket': (k) => raw.tokenbucket(`bare:tb:${k}`, Date.now(), LIMIT, WINDOW),
  };
  const who = (i) => `client:${i % KEYS}`;
  const throttle = (i) => throttlerRedis.increment(who(i), WINDOW, LIMIT, WINDOW, 'default');
  const rlf = (i) => rlfRedis.consume(who(i));
  try {
    for (const [label, concurrency, ops] of [
      ['50 in flight', 50, 10_000],
      ['serial', 1, 1_500],
    ]) {
      for (const algorithm of ['sliding-log', 'fixed-window', 'token-bucket']) {
        const options = { limit: LIMIT, window: WINDOW, algorithm };
        const noAp = { ...options, cache: 'noap' };
        await row(`rate limit on Redis, ${label}`, algorithm, {
          baseline: concurrency === 1 ? 'bare Lua, same algorithm' : 'throttler-storage-redis',
          ops,
          concurrency,
          columns: {
            cachex: (i) => limiter.consume(who(i), options),
            'cachex AP off': (i) => limiter.consume(who(i), noAp),
            'bare Lua, same algorithm': (i) => bare[algorithm](who(i)),
            'throttler-storage-redis': throttle,
            'rate-limiter-flexible': rlf,
          },
        });
      }
    }
    const memOptions = { limit: LIMIT, window: WINDOW, algorithm: 'fixed-window', cache: 'mem' };
    await row('rate limit in memory, serial (per CPU second)', 'fixed-window', {
      baseline: '@nestjs/throttler memory',
      ops: 50_000,
      concurrency: 1,
      cpu: true,
      columns: {
        cachex: (i) => limiter.consume(who(i), memOptions),
        '@nestjs/throttler memory': (i) =>
          throttlerMemory.increment(who(i), WINDOW, LIMIT, WINDOW, 'default'),
        'rate-limiter-flexible memory': (i) => rlfMemory.consume(who(i)),
      },
    });
  } finally {
    throttlerMemory.onApplicationShutdown?.();
    throttlerRedis.onModuleDestroy();
    rlfClient.disconnect();
    raw.disconnect();
    await limiter.onApplicationShutdown();
    await registry.onApplicationShutdown();
  }
}

const COMPARE_AND_DELETE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Uncontended acquire + release: the library, a raw floor, redis-semaphore, redlock. */
async function lockRows(lib, server) {
  const LEASE = 30_000;
  const registry = await lib.CacheRegistry.create({
    default: { location: server.url, keyPrefix: 'lk' },
    // The library's own share of the cost, without ioredis' auto-pipelining (a turn per round
    // trip), as the floor runs.
    apOff: { location: server.url, keyPrefix: 'lk-ap-off', redis: { enableAutoPipelining: false } },
  });
  const cache = registry.get('default');
  const cacheApOff = registry.get('apOff');
  const raw = new Redis({ port: server.port, host: server.host });
  raw.defineCommand('compareAndDelete', { numberOfKeys: 1, lua: COMPARE_AND_DELETE });
  const semClient = new Redis({ port: server.port, host: server.host });
  const { Mutex } = await loadPeer('redis-semaphore');
  const { default: Redlock } = await loadPeer('redlock');
  const redlockClient = new Redis({ port: server.port, host: server.host });
  const redlock = new Redlock([redlockClient], { retryCount: 0 });
  let token = 0;
  // Worker w uses its own keys: the locks are never contended.
  const name = (i, w) => `w${w}:${i % 4}`;
  const columns = {
    cachex: async (i, w) => {
      const lock = cache.lock(name(i, w), { lease: LEASE });
      if (!(await lock.acquire())) throw new Error('cachex: uncontended acquire failed');
      await lock.release();
    },
    'cachex AP off': async (i, w) => {
      const lock = cacheApOff.lock(name(i, w), { lease: LEASE });
      if (!(await lock.acquire())) throw new Error('cachex: uncontended acquire failed');
      await lock.release();
    },
    'raw SET NX + Lua floor': async (i, w) => {
      const key = `floor:${name(i, w)}`;
      const mine = String(++token);
      if ((await raw.set(key, mine, 'PX', LEASE, 'NX')) !== 'OK') throw new Error('floor failed');
      await raw.compareAndDelete(key, mine);
    },
    'redis-semaphore': async (i, w) => {
      const mutex = new Mutex(semClient, `sem:${name(i, w)}`, {
        lockTimeout: LEASE,
        acquireAttemptsLimit: 1,
        refreshInterval: 0,
      });
      await mutex.acquire();
      await mutex.release();
    },
    redlock: async (i, w) => {
      const lock = await redlock.lock(`rl:${name(i, w)}`, LEASE);
      await lock.unlock();
    },
  };
  try {
    await countCommands(raw, {
      cachex: columns['cachex AP off'],
      floor: columns['raw SET NX + Lua floor'],
      'redis-semaphore': columns['redis-semaphore'],
    });
    for (const [label, concurrency, ops] of [
      ['serial', 1, 1_000],
      ['c10', 10, 4_000],
    ]) {
      await row(`locks on Redis, ${label}`, 'acquire + release', {
        baseline: 'raw SET NX + Lua floor',
        ops,
        concurrency,
        columns,
      });
    }
  } finally {
    raw.disconnect();
    semClient.disconnect();
    redlockClient.disconnect();
    await registry.onApplicationShutdown();
  }
}

/**
 * Server commands per acquire + release pair (INFO commandstats: a script's calls count as
 * commands too) and the server process' CPU time per pair in µs (INFO cpu: commands, scripts and
 * socket I/O): what each column costs the server, apart from round trips, and less sensitive to
 * other load on the machine than ops/s.
 */
async function countCommands(raw, columns) {
  const PAIRS = 500;
  const calls = async () => {
    const info = await raw.info('commandstats');
    let n = 0;
    for (const [, name, c] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      if (!name.startsWith('info') && !name.startsWith('config')) n += Number(c);
    }
    return n;
  };
  const cpu = async () => {
    const info = await raw.info('cpu');
    const field = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)[1]);
    return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
  };
  const counts = {};
  for (const [column, op] of Object.entries(columns)) {
    await op(0, 99); // scripts loaded
    await raw.config('RESETSTAT');
    const before = await cpu();
    for (let i = 0; i < PAIRS; i++) await op(i, 99);
    const micros = ((await cpu()) - before) / PAIRS;
    counts[column] = { commands: (await calls()) / PAIRS, serverCpuMicros: Math.round(micros) };
  }
  console.log(
    `\nper acquire + release, on the server: ` +
      Object.entries(counts)
        .map(([column, c]) => `${column} ${c.commands} commands, ${c.serverCpuMicros} µs CPU`)
        .join('; '),
  );
  results.push({ section: 'locks on Redis', name: 'server commands per pair', counts });
}

/** HTTP: a Nest + Express app in a child process, 20 connections from autocannon. */
async function httpRows(server) {
  const { default: autocannon } = await loadPeer('autocannon');
  const child = fork(SELF, ['--http-server', server.url], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const port = await new Promise((resolve, reject) => {
      child.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m.port)));
      child.once('exit', (code) => reject(new Error(`HTTP server exited (${code})`)));
    });
    const seconds = QUICK ? 1 : 3;
    // The app's CPU time (µs) so far: per request, the steadier measure on a busy machine, which
    // slows every column's req/s but adds little to the CPU each request costs the app.
    const appCpu = () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m.cpuMicros));
        child.send('cpu');
      });
    const cpuPerRequest = {};
    const route = (path) => async () => {
      const cpuBefore = await appCpu();
      const r = await autocannon({
        url: `http://127.0.0.1:${port}${path}`,
        connections: 20,
        duration: seconds,
        idReplacement: true,
      });
      const cpu = (await appCpu()) - cpuBefore;
      if (r.non2xx > 0 || r.errors > 0) {
        throw new Error(`${path}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
      }
      (cpuPerRequest[path] ??= []).push(cpu / r.requests.total);
      return r.requests.average;
    };
    const paths = {
      plain: '/plain',
      '@RateLimit': '/rate-limit',
      '@RateLimit coalesce': '/rate-limit-coalesce',
      '@WithLock': '/lock/[<id>]',
      '@WithLock coalesce': '/lock-coalesce/[<id>]',
      'ThrottlerGuard+Redis': '/throttled',
    };
    const columns = Object.fromEntries(Object.entries(paths).map(([c, p]) => [c, route(p)]));
    // Each slice is one autocannon run (seconds long): request/s stand for ops/s here.
    const samples = Object.fromEntries(Object.keys(columns).map((c) => [c, []]));
    for (const run of Object.values(columns)) await run(); // warm-up
    for (const path of Object.values(paths)) cpuPerRequest[path] = [];
    const slices = QUICK ? 2 : 3;
    for (let s = 0; s < slices; s++) {
      const order = Object.entries(columns);
      for (const [col, run] of s % 2 ? order.reverse() : order) samples[col].push(await run());
    }
    const cells = {};
    for (const [col, xs] of Object.entries(samples)) {
      cells[col] = { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), samples: xs };
    }
    for (const cell of Object.values(cells)) cell.ratio = cell.median / cells.plain.median;
    for (const [col, path] of Object.entries(paths)) {
      cells[col].appCpuMicrosPerRequest = median(cpuPerRequest[path]);
    }
    const result = {
      section: 'HTTP, Nest + Express, 20 connections (req/s)',
      name: 'GET',
      baseline: 'plain',
      seconds,
      cells,
    };
    results.push(result);
    print(result);
    console.log(
      `${'app CPU per request'.padEnd(26)} ` +
        Object.values(cells)
          .map((c) => `${c.appCpuMicrosPerRequest.toFixed(0)} µs`.padStart(30))
          .join(' '),
    );
  } finally {
    child.kill('SIGTERM');
  }
}

/** The HTTP app of {@link httpRows}, in its own process. */
async function httpServer(url) {
  try {
    // The Nest that the library itself uses (the repository's), so that there is one Nest in
    // the app; the peers must resolve the same copy (see bench/README.md).
    const nest = createRequire(join(HERE, '..', 'dist', 'index.js'));
    nest('reflect-metadata');
    const { Controller, Get, Module, Param, UseGuards } = nest('@nestjs/common');
    const { NestFactory } = nest('@nestjs/core');
    const { CacheXModule, RateLimit, WithLock } = await import('../dist/index.js');
    const { ThrottlerGuard, ThrottlerModule } = await loadPeer('@nestjs/throttler');
    const { ThrottlerStorageRedisService } = await loadPeer('@nest-lab/throttler-storage-redis');
    class BenchController {
      plain() {
        return 'ok';
      }
      rateLimited() {
        return 'ok';
      }
      async locked(id) {
        return id;
      }
      rateLimitedCoalesce() {
        return 'ok';
      }
      async lockedCoalesce(id) {
        return id;
      }
      throttled() {
        return 'ok';
      }
    }
    const decorate = (method, decorators) => {
      const proto = BenchController.prototype;
      const descriptor = Object.getOwnPropertyDescriptor(proto, method);
      Object.defineProperty(proto, method, Reflect.decorate(decorators, proto, method, descriptor));
    };
    decorate('plain', [Get('plain')]);
    decorate('rateLimited', [Get('rate-limit'), RateLimit({ limit: 1_000_000_000, window: '1m' })]);
    Param('id')(BenchController.prototype, 'locked', 0);
    Reflect.defineMetadata('design:paramtypes', [String], BenchController.prototype, 'locked');
    decorate('locked', [Get('lock/:id'), WithLock((id) => `req:${id}`, { lease: '10s' })]);
    // The same routes on a cache with `batching: 'coalesce'` (nothing held while it is busy).
    decorate('rateLimitedCoalesce', [
      Get('rate-limit-coalesce'),
      RateLimit({ limit: 1_000_000_000, window: '1m', cache: 'coalesce' }),
    ]);
    Param('id')(BenchController.prototype, 'lockedCoalesce', 0);
    Reflect.defineMetadata(
      'design:paramtypes',
      [String],
      BenchController.prototype,
      'lockedCoalesce',
    );
    decorate('lockedCoalesce', [
      Get('lock-coalesce/:id'),
      WithLock((id) => `req:${id}`, { lease: '10s', cache: 'coalesce' }),
    ]);
    decorate('throttled', [Get('throttled'), UseGuards(ThrottlerGuard)]);
    Controller()(BenchController);
    class AppModule {}
    Module({
      imports: [
        CacheXModule.forRoot({
          default: { location: url, keyPrefix: 'http' },
          coalesce: { location: url, keyPrefix: 'httpc', batching: 'coalesce' },
        }),
        ThrottlerModule.forRoot({
          throttlers: [{ ttl: 60_000, limit: 1_000_000_000 }],
          storage: new ThrottlerStorageRedisService(url),
        }),
      ],
      controllers: [BenchController],
    })(AppModule);
    const app = await NestFactory.create(AppModule, { logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    process.on('message', (m) => {
      if (m !== 'cpu') return;
      const { user, system } = process.cpuUsage();
      process.send({ cpuMicros: user + system });
    });
    process.send({ port: app.getHttpServer().address().port });
    process.once('SIGTERM', () => void app.close().finally(() => process.exit(0)));
  } catch (error) {
    process.send({ error: String(error?.stack ?? error) });
    process.exit(1);
  }
}

// -- the goals ----------------------------------------------------------------------------------

function cell(section, name, column) {
  return results.find((r) => r.section === section && r.name === name)?.cells[column];
}

function checkGoals() {
  const goals = [];
  const goal = (text, checks) => {
    const known = checks.filter((c) => c.value !== undefined);
    const met = known.length === 0 ? null : known.every((c) => c.value >= c.min);
    const detail = known.length
      ? known.map((c) => `${c.label} ${c.value.toFixed(2)}× (≥ ${c.min})`).join(', ')
      : 'not measured';
    goals.push({ text, met, detail, checks: known });
  };
  const ratio = (section, name, column, base) => {
    const a = cell(section, name, column);
    const b = cell(section, name, base);
    return a && b ? a.median / b.median : undefined;
  };
  const cacheOps = ['get', 'get-miss', 'set', 'getMany (10 keys)', 'incr', 'delete'];
  goal(
    '1. cache ops on Redis, 1 in flight ≥ 0.95× raw ioredis (AP off)',
    cacheOps.map((op) => ({
      label: op,
      min: 0.95,
      value: ratio('cache ops on Redis, 1 in flight', op, 'cachex', 'ioredis AP off'),
    })),
  );
  goal(
    '2. cache ops on Redis, 50 in flight ≥ 1.0× node-redis 5',
    cacheOps.map((op) => ({
      label: op,
      min: 1.0,
      value: ratio('cache ops on Redis, 50 in flight', op, 'cachex', 'node-redis 5'),
    })),
  );
  const mem = 'memory, 1 in flight (per CPU second)';
  goal('3. memory: get ≥ 0.5× Map and ≥ 2× cache-manager; set ≥ 3× cache-manager', [
    { label: 'get/Map', min: 0.5, value: ratio(mem, 'get', 'cachex memory', 'Map') },
    {
      label: 'get/cache-manager',
      min: 2,
      value: ratio(mem, 'get', 'cachex memory', 'cache-manager memory'),
    },
    {
      label: 'set/cache-manager',
      min: 3,
      value: ratio(mem, 'set', 'cachex memory', 'cache-manager memory'),
    },
  ]);
  const rl50 = 'rate limit on Redis, 50 in flight';
  const rl1 = 'rate limit on Redis, serial';
  goal(
    '4. rate limits: sliding-log ≥ 1.0×, fixed-window/token-bucket ≥ 1.2× throttler-storage-redis (50 in flight); serial ≥ 0.95× bare Lua; memory fixed-window ≥ 1.5× @nestjs/throttler',
    [
      {
        label: 'sliding-log',
        min: 1.0,
        value: ratio(rl50, 'sliding-log', 'cachex', 'throttler-storage-redis'),
      },
      {
        label: 'fixed-window',
        min: 1.2,
        value: ratio(rl50, 'fixed-window', 'cachex', 'throttler-storage-redis'),
      },
      {
        label: 'token-bucket',
        min: 1.2,
        value: ratio(rl50, 'token-bucket', 'cachex', 'throttler-storage-redis'),
      },
      ...['sliding-log', 'fixed-window', 'token-bucket'].map((a) => ({
        label: `${a} serial/bare Lua`,
        min: 0.95,
        value: ratio(rl1, a, 'cachex', 'bare Lua, same algorithm'),
      })),
      {
        label: 'memory fixed-window',
        min: 1.5,
        value: ratio(
          'rate limit in memory, serial (per CPU second)',
          'fixed-window',
          'cachex',
          '@nestjs/throttler memory',
        ),
      },
    ],
  );
  goal(
    '5. locks: acquire+release ≥ 0.95× the raw floor, serial and c10',
    ['serial', 'c10'].map((l) => ({
      label: l,
      min: 0.95,
      value: ratio(`locks on Redis, ${l}`, 'acquire + release', 'cachex', 'raw SET NX + Lua floor'),
    })),
  );
  const http = 'HTTP, Nest + Express, 20 connections (req/s)';
  const h = (col, base) => ratio(http, 'GET', col, base);
  goal('6. HTTP: @RateLimit and @WithLock ≥ 0.85× plain and ahead of ThrottlerGuard + Redis', [
    { label: '@RateLimit/plain', min: 0.85, value: h('@RateLimit', 'plain') },
    { label: '@WithLock/plain', min: 0.85, value: h('@WithLock', 'plain') },
    { label: '@RateLimit/Throttler', min: 1.0, value: h('@RateLimit', 'ThrottlerGuard+Redis') },
    { label: '@WithLock/Throttler', min: 1.0, value: h('@WithLock', 'ThrottlerGuard+Redis') },
  ]);
  return goals;
}

if (process.argv[2] === '--http-server') {
  await httpServer(process.argv[3]);
} else {
  await main();
}
