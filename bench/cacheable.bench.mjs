/**
 * Method caching: a `@Cacheable` hit against a plain `cache.get()` of the same key, in the same
 * run, on Redis (1 and 50 calls in flight) and on memory; and a tagged hit (one tag: the entry
 * and the tag's version are read together) against the same plain get. Calls spread over 1,000
 * keys, so that the single flight of concurrent calls for one key does not flatter `@Cacheable`.
 * The template key `'user:{0}'` is remembered per argument (no new key string per call, see
 * lib/cacheable/call-keys.ts); a key function cannot be: its row (no goal) shows that path.
 * The two targets take turns slice by slice (forward, then backward); figures are medians of
 * the slices (min–max).
 *
 *   npm run bench:cacheable             # builds dist/ first
 *   node bench/cacheable.bench.mjs      # dist/ must be built
 *   node bench/cacheable.bench.mjs --quick
 *
 * Traffic goes to 127.0.0.1 only; every loop is bounded. Results: a table on stdout and
 * bench/results/cacheable-latest.json. See bench/README.md.
 */
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Cacheable, CacheRegistry } from '../dist/index.js';
import { startServer, stopAllServers } from './support/redis-server.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const SCALE = process.argv.includes('--quick') ? 0.1 : 1;
const KEYS = 1_000;
const SLICES = 10;
const TTL_MS = 600_000;
/** A ~100-byte value, as in bench/cache.bench.mjs. */
const VALUE = { id: 0, name: 'Ada Lovelace', email: 'ada@example.com', roles: ['admin', 'ops'] };

/** Operations per slice, by backend and calls in flight. */
function opsPerSlice(backend, inFlight) {
  const base =
    backend === 'memory' ? (inFlight === 1 ? 20_000 : 50_000) : inFlight === 1 ? 1_000 : 10_000;
  return Math.max(100, Math.round(base * SCALE));
}

/** Runs `op(i)` `count` times with `inFlight` calls at once; resolves to µs per call. */
async function slice(op, count, inFlight) {
  let next = 0;
  const worker = async () => {
    while (next < count) await op(next++);
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return ((performance.now() - started) * 1000) / count;
}

/** Alternates two targets slice by slice; resolves to each one's µs-per-call figures. */
async function compare(targets, count, inFlight) {
  for (const target of targets) await slice(target.op, Math.min(count, 2_000), inFlight); // warm-up
  const figures = targets.map(() => []);
  for (let s = 0; s < SLICES; s++) {
    const order = s % 2 === 0 ? [0, 1] : [1, 0];
    for (const t of order) figures[t].push(await slice(targets[t].op, count, inFlight));
  }
  return figures;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const us = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

function makeService(cacheName) {
  class Users {
    async plain(id) {
      return { ...VALUE, id };
    }
    async tagged(id) {
      return { ...VALUE, id };
    }
    async byFunction(id) {
      return { ...VALUE, id };
    }
  }
  const decorate = (name, decorator) => {
    const descriptor = Object.getOwnPropertyDescriptor(Users.prototype, name);
    Object.defineProperty(
      Users.prototype,
      name,
      Reflect.decorate([decorator], Users.prototype, name, descriptor),
    );
  };
  decorate('plain', Cacheable({ cache: cacheName, key: 'user:{0}', ttl: TTL_MS }));
  decorate('byFunction', Cacheable({ cache: cacheName, key: (id) => 'fn:' + id, ttl: TTL_MS }));
  decorate(
    'tagged',
    Cacheable({ cache: cacheName, key: 'tagged:{0}', ttl: TTL_MS, tags: ['users'] }),
  );
  return new Users();
}

async function main() {
  const redis = await startServer();
  const loadAtStart = loadavg()[0];
  const registry = await CacheRegistry.create({
    default: { location: redis.url, keyPrefix: 'bench' },
    memory: { location: 'memory://', keyPrefix: 'bench' },
  });
  registry.onModuleInit();
  const rows = [];
  try {
    for (const backend of ['redis', 'memory']) {
      const cacheName = backend === 'redis' ? 'default' : 'memory';
      const cache = registry.get(cacheName);
      const users = makeService(cacheName);
      // Fill the entries: every later call is a hit.
      for (let i = 0; i < KEYS; i++) {
        await users.plain(i);
        await users.tagged(i);
        await users.byFunction(i);
      }
      const before = cache.stats().methods;
      for (const inFlight of [1, 50]) {
        const count = opsPerSlice(backend, inFlight);
        for (const [scenario, method, key] of [
          ['@Cacheable hit', 'plain', 'user:'],
          ['@Cacheable hit, 1 tag', 'tagged', 'tagged:'],
          ['@Cacheable hit, key function', 'byFunction', 'fn:'],
        ]) {
          const [hit, get] = await compare(
            [{ op: (i) => users[method](i % KEYS) }, { op: (i) => cache.get(key + (i % KEYS)) }],
            count,
            inFlight,
          );
          rows.push({
            backend,
            inFlight,
            scenario,
            opsPerSlice: count,
            cacheableUs: median(hit),
            cacheableRangeUs: [Math.min(...hit), Math.max(...hit)],
            getUs: median(get),
            getRangeUs: [Math.min(...get), Math.max(...get)],
            ratio: median(hit) / median(get),
          });
          console.error(
            `${backend} ${inFlight} in flight, ${scenario}: ${us(median(hit))} µs vs get ${us(median(get))} µs`,
          );
        }
      }
      const after = cache.stats().methods;
      if (after.misses !== before.misses) throw new Error(`${backend}: a measured call missed`);
    }
  } finally {
    await registry.onApplicationShutdown();
    await stopAllServers();
  }

  const goals = {};
  for (const row of rows) {
    const name = `${row.backend}, ${row.inFlight} in flight, ${row.scenario}`;
    if (row.scenario === '@Cacheable hit') {
      goals[`${name}: ≤ 1.10× cache.get`] = row.ratio <= 1.1;
    } else if (row.scenario === '@Cacheable hit, 1 tag') {
      // One extra round trip's worth: what a plain get costs with 1 call in flight.
      const roundTrip = rows.find(
        (other) =>
          other.backend === row.backend && other.inFlight === 1 && other.scenario === row.scenario,
      ).getUs;
      row.extraUs = row.cacheableUs - row.getUs;
      goals[`${name}: ≤ cache.get + one round trip (${us(roundTrip)} µs)`] =
        row.extraUs <= roundTrip;
    }
  }
  console.log(
    `\n@Cacheable hit vs cache.get of the same key (${KEYS} keys, ${SLICES} slices, µs per call, median (min–max))\n`,
  );
  console.log('| backend | in flight | scenario | @Cacheable µs | cache.get µs | ratio |');
  console.log('| --- | ---: | --- | ---: | ---: | ---: |');
  for (const row of rows)
    console.log(
      `| ${row.backend} | ${row.inFlight} | ${row.scenario} | ${us(row.cacheableUs)} (${us(row.cacheableRangeUs[0])}–${us(row.cacheableRangeUs[1])}) | ` +
        `${us(row.getUs)} (${us(row.getRangeUs[0])}–${us(row.getRangeUs[1])}) | ${row.ratio.toFixed(2)}× |`,
    );
  console.log('');
  for (const [goal, met] of Object.entries(goals))
    console.log(`${met ? 'met   ' : 'MISSED'} ${goal}`);
  console.log(
    `load average (1 min): ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end`,
  );
  mkdirSync(join(HERE, 'results'), { recursive: true });
  writeFileSync(
    join(HERE, 'results', 'cacheable-latest.json'),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cores: cpus().length,
        loadAverage: { start: loadAtStart, end: loadavg()[0] },
        settings: { keys: KEYS, slices: SLICES, scale: SCALE },
        rows,
        goals,
      },
      null,
      2,
    )}\n`,
  );
}

await main();
