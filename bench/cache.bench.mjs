/**
 * nestjs-cachex benchmark: the library (memory and Redis backends) against raw ioredis doing the
 * equivalent commands, on private servers this script starts and always stops.
 *
 *   npm run bench                     # builds dist/ first, then runs this file
 *   node bench/cache.bench.mjs        # dist/ must be built
 *   node bench/cache.bench.mjs --quick          # 1/10 of the work, for a smoke run
 *   node bench/cache.bench.mjs --no-valkey      # skip valkey-server even if it is on PATH
 *
 * Traffic goes to 127.0.0.1 only; every loop is bounded. Results: a table on stdout and a JSON
 * summary in bench/results/latest.json. See bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { findExecutable, startServer, stopAllServers } from './support/redis-server.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const RESULTS_DIR = join(HERE, 'results');

const ARGS = new Set(process.argv.slice(2));
const SCALE = ARGS.has('--quick') ? 0.1 : 1;
const WITH_VALKEY = !ARGS.has('--no-valkey');
const n = (count) => Math.max(1, Math.round(count * SCALE));

/** The library's commit (and whether lib/ has uncommitted changes), or null outside a checkout. */
function libraryRevision() {
  const git = (...args) => spawnSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return null;
  const dirty = git('status', '--porcelain', '--', 'lib').stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? ' (lib/ modified)' : ''}`;
}

/** Work sizes. Warm-ups run the same code path on other keys before each measurement. */
const P = {
  seqOps: n(5_000),
  seqWarm: n(500),
  concGets: n(50_000),
  concBatch: 500,
  concWarm: n(5_000),
  manyKeys: 100,
  manyCalls: n(1_000),
  manyWarm: n(100),
  incrOps: n(20_000),
  incrBatch: 500,
  incrWarm: n(2_000),
  incrRepeats: 3,
  bulkKeys: n(20_000),
  keepKeys: n(1_000),
  deleteRuns: 5,
  deleteWarm: n(1_000),
  ttlMs: 60_000,
};
/** The library's SCAN COUNT for deletePattern (lib/cache/cache.service.ts); raw uses the same. */
const DELETE_SCAN_COUNT = 1_000;
/** Full keys as the library builds them for `keyPrefix: 'bench'`, version 1; raw uses the same. */
const FULL_PREFIX = 'bench:1:';

const hr = process.hrtime.bigint;
const log = (...parts) => console.error('·', ...parts);

// ---------------------------------------------------------------------------------------------
// Targets: the same operations through the library and through raw ioredis
// ---------------------------------------------------------------------------------------------

/** A small object, about 100 bytes of JSON. */
function value(i) {
  return {
    id: i,
    name: `user-${i}`,
    email: `user${i}@example.com`,
    active: i % 2 === 0,
    roles: ['reader', 'writer'],
    score: 0.75,
  };
}

/**
 * A target over a CacheService (memory or Redis backend). `tag`: a one-letter id for keys that
 * must not be shared by the targets of one server; `reset`: empties the database.
 */
function libTarget(label, tag, cache, server, reset = () => cache.clear()) {
  return {
    label,
    tag,
    kind: 'cachex',
    server,
    set: (key, v) => cache.set(key, v, { ttl: P.ttlMs }),
    get: (key) => cache.get(key),
    getMany: (keys) => cache.getMany(keys),
    setMany: (record) => cache.setMany(record, { ttl: P.ttlMs }),
    incr: (key) => cache.incr(key),
    deletePattern: (pattern) => cache.deletePattern(pattern),
    countKeys: async (pattern) => (await cache.keys(pattern)).length,
    reset,
  };
}

/** A target doing the same commands with a plain ioredis client (JSON by hand). */
function rawTarget(label, tag, redis, server) {
  const full = (key) => FULL_PREFIX + key;
  async function* scan(pattern, count) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', full(pattern), 'COUNT', count);
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }
  return {
    label,
    tag,
    kind: 'raw',
    server,
    set: async (key, v) => (await redis.set(full(key), JSON.stringify(v), 'PX', P.ttlMs)) === 'OK',
    get: async (key) => {
      const text = await redis.get(full(key));
      return text === null ? undefined : JSON.parse(text);
    },
    getMany: async (keys) => {
      const texts = await redis.mget(keys.map(full));
      const found = new Map();
      texts.forEach((text, i) => {
        if (text !== null) found.set(keys[i], JSON.parse(text));
      });
      return found;
    },
    setMany: async (record) => {
      const pipeline = redis.pipeline();
      for (const [key, v] of Object.entries(record))
        pipeline.set(full(key), JSON.stringify(v), 'PX', P.ttlMs);
      for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    },
    incr: (key) => redis.incr(full(key)),
    deletePattern: async (pattern) => {
      let deleted = 0;
      for await (const keys of scan(pattern, DELETE_SCAN_COUNT))
        deleted += await redis.unlink(keys);
      return deleted;
    },
    countKeys: async (pattern) => {
      let count = 0;
      for await (const keys of scan(pattern, 1_000)) count += keys.length;
      return count;
    },
    reset: () => redis.flushdb(),
  };
}

// ---------------------------------------------------------------------------------------------
// Measurements
//
// Each scenario is cut into slices, run target after target (forward, then backward, …), so
// that the library and raw ioredis see the same machine conditions even when other processes
// load it; a target's figures pool all its slices. Every slice starts from an empty database
// (untimed set-up), except incr's, which keep counting on the target's own counters.
// ---------------------------------------------------------------------------------------------

const checks = [];
function check(target, what, ok, detail = '') {
  checks.push({ target: target.label, check: what, ok, detail });
  if (!ok) log(`CHECK FAILED: ${target.label}: ${what} ${detail}`);
}

/** Nearest-rank percentile of durations in ns, in µs. */
function percentileUs(sortedNs, p) {
  const index = Math.min(sortedNs.length - 1, Math.max(0, Math.ceil(p * sortedNs.length) - 1));
  return sortedNs[index] / 1_000;
}

function latencyStats(durationsNs, totalNs) {
  const sorted = Float64Array.from(durationsNs).sort();
  return {
    opsPerSec: (sorted.length * 1e9) / totalNs,
    p50Us: percentileUs(sorted, 0.5),
    p99Us: percentileUs(sorted, 0.99),
  };
}

const since = (start) => Number(hr() - start);
const range = (from, to) => Array.from({ length: to - from }, (_, i) => from + i);

/** Writes `<prefix><i>` for i in [from, to), with setMany in chunks of 1,000 (untimed). */
async function seed(t, prefix, from, to, make = value) {
  for (let start = from; start < to; start += 1_000) {
    const keys = range(start, Math.min(to, start + 1_000));
    await t.setMany(Object.fromEntries(keys.map((i) => [`${prefix}${i}`, make(i)])));
  }
}

/** Runs `op(i)` for i < total, `batch` at a time (Promise.all); returns the elapsed ns. */
async function inBatches(total, batch, op, verify) {
  let elapsed = 0;
  for (let base = 0; base < total; base += batch) {
    const size = Math.min(batch, total - base);
    const start = hr();
    const promises = new Array(size);
    for (let j = 0; j < size; j++) promises[j] = op(base + j);
    const results = await Promise.all(promises);
    elapsed += since(start);
    verify?.(results, base);
  }
  return elapsed;
}

/** 100-key lists over `<prefix>0 … <prefix>(seqOps - 1)`. */
function keyLists(prefix, count) {
  const span = Math.max(1, Math.floor(P.seqOps / P.manyKeys));
  return range(0, count).map((c) =>
    range(0, P.manyKeys).map((j) => `${prefix}${(c % span) * P.manyKeys + j}`),
  );
}
const MANY_LISTS = keyLists('k:', 50);
const MANY_RECORDS = keyLists('m:', 50).map((keys, c) =>
  Object.fromEntries(keys.map((key, j) => [key, value(c * P.manyKeys + j)])),
);

/** Slice `s` of `total` operations cut in `slices`: [from, to). */
function sliceOf(total, slices, s) {
  const size = Math.ceil(total / slices);
  return [Math.min(total, s * size), Math.min(total, (s + 1) * size)];
}

/** 1. Sequential latency: awaited `set`s, then awaited `get`s of the same keys. */
const seqLatency = {
  id: 'seq',
  slices: 10,
  async warm(t) {
    await t.reset();
    for (let i = 0; i < P.seqWarm; i++) await t.set(`warm:${i}`, value(i));
    for (let i = 0; i < P.seqWarm; i++) await t.get(`warm:${i}`);
    const values = range(0, P.seqOps).map(value);
    return { values, setNs: [], getNs: [], setTotal: 0, getTotal: 0, wrong: 0 };
  },
  async slice(t, acc, s) {
    await t.reset();
    const [from, to] = sliceOf(P.seqOps, this.slices, s);
    let start = hr();
    for (let i = from; i < to; i++) {
      const t0 = hr();
      await t.set(`k:${i}`, acc.values[i]);
      acc.setNs.push(Number(hr() - t0));
    }
    acc.setTotal += since(start);
    start = hr();
    for (let i = from; i < to; i++) {
      const t0 = hr();
      const v = await t.get(`k:${i}`);
      acc.getNs.push(Number(hr() - t0));
      if (v?.id !== i) acc.wrong++;
    }
    acc.getTotal += since(start);
  },
  finish(t, acc) {
    check(t, 'sequential get returns what set wrote', acc.wrong === 0, `${acc.wrong} wrong`);
    return {
      set: latencyStats(acc.setNs, acc.setTotal),
      get: latencyStats(acc.getNs, acc.getTotal),
    };
  },
};

/** 2. Concurrent throughput: `get`s issued 500 at a time. */
const concurrentGets = {
  id: 'concurrentGet',
  slices: 10,
  async warm(t) {
    await t.reset();
    await seed(t, 'k:', 0, P.seqOps);
    await inBatches(P.concWarm, P.concBatch, (i) => t.get(`k:${i % P.seqOps}`));
    return { ops: 0, ns: 0, wrong: 0 };
  },
  async slice(t, acc, s) {
    await t.reset();
    await seed(t, 'k:', 0, P.seqOps);
    const [from, to] = sliceOf(P.concGets, this.slices, s);
    const key = (i) => `k:${(from + i) % P.seqOps}`;
    acc.ns += await inBatches(
      to - from,
      P.concBatch,
      (i) => t.get(key(i)),
      (results, base) => {
        results.forEach((v, j) => {
          if (v?.id !== (from + base + j) % P.seqOps) acc.wrong++;
        });
      },
    );
    acc.ops += to - from;
  },
  finish(t, acc) {
    check(t, 'concurrent gets all hit', acc.wrong === 0, `${acc.wrong} wrong`);
    return { opsPerSec: (acc.ops * 1e9) / acc.ns };
  },
};

/** 3. getMany / setMany of 100 keys, awaited one call at a time. */
const manyKeys = {
  id: 'many',
  slices: 10,
  async warm(t) {
    await t.reset();
    await seed(t, 'k:', 0, P.seqOps);
    for (let c = 0; c < P.manyWarm; c++) await t.getMany(MANY_LISTS[c % MANY_LISTS.length]);
    for (let c = 0; c < P.manyWarm; c++) await t.setMany(MANY_RECORDS[c % MANY_RECORDS.length]);
    return { calls: 0, getNs: 0, setNs: 0, short: 0, unwritten: 0 };
  },
  async slice(t, acc, s) {
    await t.reset();
    await seed(t, 'k:', 0, P.seqOps);
    const [from, to] = sliceOf(P.manyCalls, this.slices, s);
    let start = hr();
    for (let c = from; c < to; c++) {
      const found = await t.getMany(MANY_LISTS[c % MANY_LISTS.length]);
      if (found.size !== P.manyKeys) acc.short++;
    }
    acc.getNs += since(start);
    start = hr();
    for (let c = from; c < to; c++) await t.setMany(MANY_RECORDS[c % MANY_RECORDS.length]);
    acc.setNs += since(start);
    acc.calls += to - from;
    const written = await t.getMany(Object.keys(MANY_RECORDS[from % MANY_RECORDS.length]));
    if (written.size !== P.manyKeys) acc.unwritten++;
  },
  finish(t, acc) {
    check(t, `getMany returns all ${P.manyKeys} keys`, acc.short === 0, `${acc.short} short`);
    check(t, 'setMany writes all its keys', acc.unwritten === 0, `${acc.unwritten} incomplete`);
    return {
      getMany: { batchesPerSec: (acc.calls * 1e9) / acc.getNs },
      setMany: { batchesPerSec: (acc.calls * 1e9) / acc.setNs },
    };
  },
};

/**
 * 4. `incr` of one counter, 500 concurrent calls at a time, 20,000 in all; the final value must be
 * exact. A run takes ~0.1 s, so the scenario is repeated on fresh counters (`incrRepeats`) and
 * pooled, each counter checked.
 */
const concurrentIncr = {
  id: 'incr',
  slices: 10 * P.incrRepeats,
  async warm(t) {
    await t.reset();
    await inBatches(P.incrWarm, P.incrBatch, () => t.incr(`counter:warm:${t.tag}`));
    // Each target counts on its own keys: the slices of the targets of one server interleave.
    const keys = range(0, P.incrRepeats).map((r) => `counter:${t.tag}:${r}`);
    return { keys, highest: keys.map(() => 0), ops: 0, ns: 0 };
  },
  async slice(t, acc, s) {
    const repeat = Math.floor(s / 10);
    const [from, to] = sliceOf(P.incrOps, 10, s % 10);
    acc.ns += await inBatches(
      to - from,
      P.incrBatch,
      () => t.incr(acc.keys[repeat]),
      (results) => {
        for (const v of results) if (v > acc.highest[repeat]) acc.highest[repeat] = v;
      },
    );
    acc.ops += to - from;
  },
  async finish(t, acc) {
    const finals = [];
    for (const key of acc.keys) finals.push(await t.get(key));
    const exact = finals.every((v, r) => v === P.incrOps && acc.highest[r] === P.incrOps);
    check(
      t,
      `incr counters are exactly ${P.incrOps}`,
      exact,
      `read ${finals.join(', ')}; highest ${acc.highest.join(', ')}`,
    );
    return { opsPerSec: (acc.ops * 1e9) / acc.ns, finals, exact };
  },
};

/** 5. `deletePattern('bulk:*')` over 20,000 keys next to 1,000 that must survive; one run a slice. */
const deletePattern = {
  id: 'deletePattern',
  slices: P.deleteRuns,
  async warm(t) {
    await t.reset();
    await seed(t, 'bulk:', 0, P.deleteWarm, (i) => i);
    await seed(t, 'keep:', 0, 10, (i) => i);
    await t.deletePattern('bulk:*');
    return { runsMs: [], failures: [] };
  },
  async slice(t, acc) {
    await t.reset();
    await seed(t, 'bulk:', 0, P.bulkKeys, (i) => i);
    await seed(t, 'keep:', 0, P.keepKeys, (i) => i);
    const start = hr();
    const deleted = await t.deletePattern('bulk:*');
    acc.runsMs.push(since(start) / 1e6);
    const left = await t.countKeys('bulk:*');
    const kept = await t.getMany(range(0, P.keepKeys).map((i) => `keep:${i}`));
    if (deleted !== P.bulkKeys || left !== 0 || kept.size !== P.keepKeys)
      acc.failures.push(`deleted ${deleted}, ${left} bulk left, ${kept.size} kept`);
  },
  finish(t, acc) {
    check(
      t,
      `deletePattern removed ${P.bulkKeys} bulk keys and kept ${P.keepKeys}, every run`,
      acc.failures.length === 0,
      acc.failures.join('; '),
    );
    const sorted = [...acc.runsMs].sort((a, b) => a - b);
    return { ms: sorted[Math.floor(sorted.length / 2)], minMs: sorted[0], runsMs: acc.runsMs };
  },
};

// ---------------------------------------------------------------------------------------------
// Round trips: server-side command counts and client-side socket writes
// ---------------------------------------------------------------------------------------------

async function serverCounters(admin) {
  const commandstats = await admin.info('commandstats');
  const stats = await admin.info('stats');
  const commands = {};
  for (const match of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    commands[match[1]] = Number(match[2]);
  const reads = Number(/^total_reads_processed:(\d+)/m.exec(stats)?.[1] ?? NaN);
  return { commands, reads };
}

/**
 * Counts writes on the sockets to `port` except the admin connection's: one write is one request
 * sent (ioredis writes a pipeline, explicit or automatic, in a single write).
 */
function countClientWrites(port, adminSocket) {
  const original = Socket.prototype.write;
  const counter = { writes: 0 };
  Socket.prototype.write = function (...args) {
    if (this !== adminSocket && this.remotePort === port) counter.writes++;
    return original.apply(this, args);
  };
  counter.stop = () => {
    Socket.prototype.write = original;
  };
  return counter;
}

/** Commands, socket writes and server reads per call of `run` (which makes `calls` calls). */
async function measureRoundTrips(admin, port, baseline, calls, run) {
  const before = await serverCounters(admin);
  const counter = countClientWrites(port, admin.stream);
  try {
    await run();
  } finally {
    counter.stop();
  }
  const after = await serverCounters(admin);
  const perCall = {};
  for (const [name, total] of Object.entries(after.commands)) {
    const delta = total - (before.commands[name] ?? 0) - (baseline.commands[name] ?? 0);
    if (delta > 0) perCall[name.toUpperCase()] = delta / calls;
  }
  return {
    calls,
    commandsPerCall: perCall,
    writesPerCall: counter.writes / calls,
    serverReadsPerCall: (after.reads - before.reads - baseline.reads) / calls,
  };
}

async function roundTrips(t, admin, port) {
  // What two back-to-back snapshots cost by themselves (their own INFO commands and reads).
  const a = await serverCounters(admin);
  const b = await serverCounters(admin);
  const baseline = { commands: {}, reads: b.reads - a.reads };
  for (const [name, total] of Object.entries(b.commands))
    baseline.commands[name] = total - (a.commands[name] ?? 0);

  const seq = (calls, op) => async () => {
    for (let i = 0; i < calls; i++) await op(i);
  };
  const seedReads = () => seed(t, 'k:', 0, P.seqOps);
  const seedBulk = async () => {
    await seed(t, 'bulk:', 0, P.bulkKeys, (i) => i);
    await seed(t, 'keep:', 0, P.keepKeys, (i) => i);
  };
  // [operation, calls, untimed set-up, the calls]
  const cases = [
    ['get', 200, seedReads, seq(200, (i) => t.get(`k:${i}`))],
    ['set (ttl)', 200, null, seq(200, (i) => t.set(`s:${i}`, value(i)))],
    [
      `get ×${P.concBatch} concurrent (per batch)`,
      10,
      seedReads,
      () => inBatches(10 * P.concBatch, P.concBatch, (i) => t.get(`k:${i % P.seqOps}`)),
    ],
    [`getMany (${P.manyKeys} keys)`, 50, seedReads, seq(50, (c) => t.getMany(MANY_LISTS[c]))],
    [`setMany (${P.manyKeys} keys, ttl)`, 50, null, seq(50, (c) => t.setMany(MANY_RECORDS[c]))],
    ['incr', 200, null, seq(200, () => t.incr('rt:counter'))],
    [
      `deletePattern (${P.bulkKeys} of ${P.bulkKeys + P.keepKeys} keys)`,
      1,
      seedBulk,
      () => t.deletePattern('bulk:*'),
    ],
  ];
  const out = {};
  for (const [name, calls, setUp, run] of cases) {
    await t.reset();
    await setUp?.();
    out[name] = await measureRoundTrips(admin, port, baseline, calls, run);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

function fmt(x) {
  if (x === undefined || x === null || Number.isNaN(x)) return '–';
  if (typeof x === 'string') return x;
  const abs = Math.abs(x);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return x.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function table(headers, rows) {
  const cells = [headers, ...rows.map((row) => row.map(fmt))];
  const widths = headers.map((_, c) => Math.max(...cells.map((row) => String(row[c]).length)));
  const line = (row) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(cells[0]), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.slice(1).map(line)]
    .map((l) => l.trimEnd())
    .join('\n');
}

/**
 * JSON as Prettier prints it (so that `prettier --check .` passes on the results): indented by
 * two, with an array of plain values on one line when it fits in 100 columns.
 */
function toJson(value) {
  const lines = JSON.stringify(value, null, 2).split('\n');
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.endsWith('[')) {
      const end = lines.findIndex((l, j) => j > i && /^\s*\],?$/.test(l));
      const items = lines.slice(i + 1, end).map((l) => l.trim().replace(/,$/, ''));
      const plain = items.every((item) => !/^[[{\]}]/.test(item) && !item.endsWith('['));
      const joined = `${line}${items.join(', ')}${lines[end]?.trim()}`;
      if (end > i && plain && joined.length <= 100) {
        out.push(joined);
        i = end;
        continue;
      }
    }
    out.push(line);
  }
  return `${out.join('\n')}\n`;
}

/** An exact count as an integer, an average with two decimals. */
function count(x) {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

function describeRoundTrips(rt) {
  if (!rt) return '–';
  const commands = Object.entries(rt.commandsPerCall)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, perCall]) => `${count(perCall)} ${name}`)
    .join(' + ');
  return `${commands || 'none'} · ${count(rt.writesPerCall)} rt`;
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

const SCENARIOS = [seqLatency, concurrentGets, manyKeys, concurrentIncr, deletePattern];

/** Table rows: label and how to read the figure from a target's results. */
const ROWS = [
  ['1. set sequential (ops/s)', (r) => r.seq?.set.opsPerSec],
  ['   set p50 (µs)', (r) => r.seq?.set.p50Us],
  ['   set p99 (µs)', (r) => r.seq?.set.p99Us],
  ['1. get sequential (ops/s)', (r) => r.seq?.get.opsPerSec],
  ['   get p50 (µs)', (r) => r.seq?.get.p50Us],
  ['   get p99 (µs)', (r) => r.seq?.get.p99Us],
  [`2. get ×${P.concBatch} concurrent (ops/s)`, (r) => r.concurrentGet?.opsPerSec],
  [`3. getMany ${P.manyKeys} keys (batches/s)`, (r) => r.many?.getMany.batchesPerSec],
  [`3. setMany ${P.manyKeys} keys (batches/s)`, (r) => r.many?.setMany.batchesPerSec],
  [`4. incr ×${P.incrBatch} concurrent (ops/s)`, (r) => r.incr?.opsPerSec],
  ['   final counters exact', (r) => (r.incr ? (r.incr.exact ? 'yes' : 'NO') : undefined)],
  [`5. deletePattern ${P.bulkKeys} keys (ms)`, (r) => r.deletePattern?.ms],
];

async function main() {
  const started = hr();
  const loadAtStart = loadavg()[0];
  const redisPath = findExecutable('redis-server');
  if (!redisPath) {
    console.error(
      'redis-server was not found on PATH. The benchmark runs a private Redis server; install it:\n' +
        '    apt-get install redis-server',
    );
    process.exitCode = 1;
    return;
  }
  let lib;
  try {
    lib = await import('../dist/index.js');
  } catch (error) {
    console.error(`Cannot load dist/index.js (run \`npm run build\` first): ${error.message}`);
    process.exitCode = 1;
    return;
  }

  const servers = [];
  const registries = [];
  const clients = [];
  const targets = [];
  try {
    const binaries = ['redis-server'];
    if (WITH_VALKEY && findExecutable('valkey-server')) binaries.push('valkey-server');
    for (const binary of binaries) {
      let server;
      try {
        server = await startServer({ binary });
      } catch (error) {
        if (binary === 'redis-server') throw error;
        log(`${binary} skipped: ${error.message}`); // Valkey is optional.
        continue;
      }
      const admin = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true });
      clients.push(admin);
      await admin.connect();
      const info = await admin.info('server');
      server.name = binary === 'valkey-server' ? 'valkey' : 'redis';
      server.version =
        /^valkey_version:(\S+)/m.exec(info)?.[1] ?? /^redis_version:(\S+)/m.exec(info)?.[1];
      server.admin = admin;
      servers.push(server);
      log(`${binary} ${server.version} on 127.0.0.1:${server.port}`);
    }

    for (const server of servers) {
      const location = `redis://127.0.0.1:${server.port}/0`;
      const config = { default: { location, keyPrefix: 'bench' } };
      if (server.name === 'redis') config.mem = { location: 'memory://' };
      const registry = await lib.CacheRegistry.create(config);
      registries.push(registry);
      if (server.name === 'redis')
        targets.push(libTarget('memory', 'm', registry.get('mem'), null));
      // ioredis' defaults (auto-pipelining off), as the library's own client has them; the
      // library adds its same-tick batching and its command-timeout sweep on top.
      const raw = new Redis({ host: '127.0.0.1', port: server.port, db: 0 });
      clients.push(raw);
      const flush = () => server.admin.flushdb();
      targets.push(libTarget(`${server.name} cachex`, 'c', registry.get('default'), server, flush));
      targets.push(rawTarget(`${server.name} raw`, 'r', raw, server));
    }
    for (const target of targets) target.results = {};

    // Scenario by scenario: warm every target up, then run the slices, the targets taking turns
    // (forward for even slices, backward for odd ones); then pool each target's slices.
    for (const scenario of SCENARIOS) {
      const t0 = hr();
      const acc = new Map();
      for (const target of targets) acc.set(target, await scenario.warm(target));
      for (let s = 0; s < scenario.slices; s++) {
        for (const target of s % 2 === 0 ? targets : [...targets].reverse())
          await scenario.slice(target, acc.get(target), s);
      }
      for (const target of targets)
        target.results[scenario.id] = await scenario.finish(target, acc.get(target));
      for (const target of targets) await target.reset();
      log(`${scenario.id}: ${fmt(since(t0) / 1e6)} ms`);
    }

    for (const target of targets) {
      if (!target.server) continue;
      const t0 = hr();
      target.roundTrips = await roundTrips(target, target.server.admin, target.server.port);
      await target.reset();
      log(`round trips on ${target.label}: ${fmt(Number(hr() - t0) / 1e6)} ms`);
    }

    // Tables.
    const pairs = servers.map((server) => ({
      server: server.name,
      lib: targets.find((t) => t.server === server && t.kind === 'cachex'),
      raw: targets.find((t) => t.server === server && t.kind === 'raw'),
    }));
    const headers = ['scenario', ...targets.map((t) => t.label)];
    headers.push(...pairs.map((p) => `cachex÷raw ${p.server}`));
    const rows = ROWS.map(([label, read]) => {
      const row = [label, ...targets.map((t) => read(t.results))];
      for (const { lib: l, raw: r } of pairs) {
        const a = read(l.results);
        const b = read(r.results);
        row.push(typeof a === 'number' && typeof b === 'number' ? `${fmt(a / b)}×` : '–');
      }
      return row;
    });
    const seconds = Number(hr() - started) / 1e9;
    const cpuList = cpus();
    const machine =
      `${cpuList.length} cores (${cpuList[0]?.model ?? 'unknown CPU'}), ` +
      `${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}, Node ${process.version}`;
    const ioredisVersion = JSON.parse(
      readFileSync(join(ROOT, 'node_modules/ioredis/package.json'), 'utf8'),
    ).version;
    const revision = process.env.BENCH_REVISION ?? libraryRevision();
    console.log(`\nnestjs-cachex ${revision ?? '(unknown revision)'} benchmark — ${machine}`);
    console.log(
      `servers: ${servers.map((s) => `${s.name} ${s.version}`).join(', ')}; ioredis ${ioredisVersion}` +
        ` (autopipelining on for cachex and raw)` +
        `${SCALE !== 1 ? `; --quick (×${SCALE})` : ''}`,
    );
    // Other processes on the machine (a test run, a build) shift every figure: say how busy it was.
    console.log(
      `load average (1 min): ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end\n`,
    );
    console.log(table(headers, rows));
    console.log(
      '\ncachex÷raw: the library’s figure divided by raw ioredis’ (ops/s: below 1 = slower; µs, ms: above 1 = slower)',
    );

    const rtNames = Object.keys(targets.find((t) => t.roundTrips)?.roundTrips ?? {});
    const rtTargets = targets.filter((t) => t.roundTrips);
    console.log(
      '\nCommands per call (server INFO commandstats) · rt = round trips per call (client socket writes)',
    );
    console.log(
      table(
        ['operation', ...rtTargets.map((t) => t.label)],
        rtNames.map((name) => [
          name,
          ...rtTargets.map((t) => describeRoundTrips(t.roundTrips[name])),
        ]),
      ),
    );
    const failed = checks.filter((c) => !c.ok);
    console.log(
      `\nchecks: ${checks.length - failed.length}/${checks.length} passed` +
        (failed.length
          ? `\n${failed.map((c) => `  FAILED ${c.target}: ${c.check} (${c.detail})`).join('\n')}`
          : '') +
        `\ntotal ${seconds.toFixed(1)} s`,
    );
    if (failed.length) process.exitCode = 1;

    const summary = {
      date: new Date().toISOString(),
      machine: {
        cores: cpuList.length,
        cpu: cpuList[0]?.model,
        memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
        os: `${platform()} ${release()}`,
        node: process.version,
        loadAverage: { start: loadAtStart, end: loadavg()[0] },
      },
      servers: Object.fromEntries(servers.map((s) => [s.name, s.version])),
      ioredis: ioredisVersion,
      library: revision,
      quick: SCALE !== 1,
      slices: Object.fromEntries(SCENARIOS.map((s) => [s.id, s.slices])),
      parameters: { ...P, deleteScanCount: DELETE_SCAN_COUNT },
      durationSeconds: Number(seconds.toFixed(1)),
      results: Object.fromEntries(targets.map((t) => [t.label, t.results])),
      ratios: Object.fromEntries(
        pairs.map((p) => [
          p.server,
          Object.fromEntries(
            ROWS.map(([label, read]) => {
              const a = read(p.lib.results);
              const b = read(p.raw.results);
              return [label.trim(), typeof a === 'number' && typeof b === 'number' ? a / b : null];
            }),
          ),
        ]),
      ),
      roundTrips: Object.fromEntries(rtTargets.map((t) => [t.label, t.roundTrips])),
      checks,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'latest.json'), toJson(summary));
    console.log(`summary: ${join('bench', 'results', 'latest.json')}`);
  } finally {
    await Promise.allSettled(registries.map((r) => r.onApplicationShutdown()));
    await Promise.allSettled(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await stopAllServers();
  }
}

main().catch(async (error) => {
  console.error(error);
  await stopAllServers();
  process.exitCode = 1;
});
