/**
 * nestjs-cachex codec benchmark: encode/decode throughput and stored size of every serializer ×
 * compressor, on a ~1 KB and a ~50 KB JSON-like value. No server: it runs the codecs that the
 * caches use (`createCodec`, from dist/) in process.
 *
 *   npm run bench:codecs                  # builds dist/ first, then runs this file
 *   node bench/codecs.bench.mjs           # dist/ must be built
 *   node bench/codecs.bench.mjs --quick   # 1/10 of the time per measurement, for a smoke run
 *
 * Output: markdown tables on stdout (progress on stderr). Every loop is bounded by time and count.
 */
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { gunzip, gunzipSync, gzip, gzipSync } from 'node:zlib';
import { cpus, loadavg, platform, release } from 'node:os';
import { createCodec } from '../dist/codecs/create-codec.js';

const QUICK = process.argv.includes('--quick');
/**
 * Time of one measuring round, and rounds per figure. The best round is kept: on a shared
 * machine, other processes only ever slow a round down, so the best is the closest to the
 * codec's own speed.
 */
const ROUND_MS = QUICK ? 20 : 100;
const ROUNDS = 7;
const MAX_ITERATIONS = 2_000_000;
const log = (...parts) => console.error('·', ...parts);

// ---------------------------------------------------------------------------------------------
// Values: deterministic, JSON-like, about as compressible as API responses (not one repeated row)
// ---------------------------------------------------------------------------------------------

let seed = 42;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const pick = (list) => list[Math.floor(random() * list.length)];
const WORDS =
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea commodo consequat'.split(
    ' ',
  );
const sentence = (n) => Array.from({ length: n }, () => pick(WORDS)).join(' ');

function order(id) {
  return {
    id,
    reference: `ORD-${Math.floor(random() * 1e9)
      .toString(36)
      .toUpperCase()}`,
    status: pick(['pending', 'paid', 'shipped', 'delivered', 'cancelled']),
    createdAt: new Date(1_700_000_000_000 + Math.floor(random() * 3e10)).toISOString(),
    customer: {
      id: Math.floor(random() * 1e6),
      name: `${pick(['Ada', 'Alan', 'Grace', 'Linus', 'Margaret'])} ${pick(['Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton'])}`,
      email: `user${Math.floor(random() * 1e5)}@example.com`,
    },
    lines: Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
      sku: `SKU-${Math.floor(random() * 1e5)}`,
      quantity: 1 + Math.floor(random() * 5),
      price: Math.round(random() * 10_000) / 100,
    })),
    note: sentence(4 + Math.floor(random() * 8)),
    flags: { gift: random() < 0.2, express: random() < 0.3 },
  };
}

/** Orders until the JSON text reaches `bytes`. */
function valueOf(bytes) {
  const orders = [];
  while (JSON.stringify({ page: 1, orders }).length < bytes) orders.push(order(orders.length + 1));
  return { page: 1, orders };
}

const SIZES = [
  ['~1 KB', valueOf(1_000)],
  ['~50 KB', valueOf(50_000)],
];
const SERIALIZERS = ['json', 'msgpack', 'v8'];
const COMPRESSORS = ['none', 'gzip', 'deflate', 'brotli', 'zstd', 'lz4'];

// ---------------------------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------------------------

/** Operations per second of a synchronous function: the best of several rounds, after a warm-up. */
function opsPerSecond(fn) {
  const round = (ms) => {
    const start = performance.now();
    const deadline = start + ms;
    let done = 0;
    // Check the clock every few calls: a 50 KB brotli call is slow, a 1 KB JSON parse is not.
    while (done < MAX_ITERATIONS) {
      for (let i = 0; i < 8; i++) fn();
      done += 8;
      if (performance.now() >= deadline) break;
    }
    return done / ((performance.now() - start) / 1000);
  };
  round(ROUND_MS);
  return Math.max(...Array.from({ length: ROUNDS }, () => round(ROUND_MS)));
}

/** Operations per second of an async function, `concurrency` calls in flight at a time. */
async function asyncOpsPerSecond(fn, concurrency) {
  const round = async (ms) => {
    const start = performance.now();
    let done = 0;
    while (done < MAX_ITERATIONS && performance.now() < start + ms) {
      await Promise.all(Array.from({ length: concurrency }, fn));
      done += concurrency;
    }
    return done / ((performance.now() - start) / 1000);
  };
  await round(ROUND_MS);
  const results = [];
  for (let i = 0; i < ROUNDS; i++) results.push(await round(ROUND_MS));
  return Math.max(...results);
}

const format = (ops) =>
  ops >= 100_000
    ? `${Math.round(ops / 1000)}k`
    : ops >= 1000
      ? `${(ops / 1000).toFixed(1)}k`
      : `${Math.round(ops)}`;
const bytes = (n) => (n >= 2048 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

function table(header, rows) {
  const lines = [header, header.map(() => '---'), ...rows];
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------------------------

console.log(
  `# nestjs-cachex codecs — node ${process.version}, ${platform()} ${release()}, ${cpus()[0]?.model ?? '?'} × ${cpus().length}\n`,
);
console.log(
  `Encode/decode: operations per second of the cache's codec (\`createCodec\`), one core, compressMinSize 0. ` +
    `Size: the stored bytes. Best of ${ROUNDS} rounds of ${ROUND_MS} ms; load average at start: ${loadavg()[0].toFixed(2)}.\n`,
);

for (const [label, value] of SIZES) {
  const jsonBytes = Buffer.byteLength(JSON.stringify(value));
  const rows = [];
  const baseline = JSON.stringify(value);
  rows.push([
    'JSON.stringify/parse (reference)',
    'none',
    format(opsPerSecond(() => JSON.stringify(value))),
    format(opsPerSecond(() => JSON.parse(baseline))),
    bytes(jsonBytes),
    '100%',
  ]);
  for (const serializer of SERIALIZERS) {
    for (const compressor of COMPRESSORS) {
      log(label, serializer, compressor);
      const codec = await createCodec('bench', {
        serializers: [serializer],
        compressors: [compressor],
        compressMinSize: 0,
      });
      const stored = codec.encode(value);
      const size = Buffer.byteLength(stored);
      rows.push([
        serializer,
        compressor,
        format(opsPerSecond(() => codec.encode(value))),
        format(opsPerSecond(() => codec.decode(stored))),
        bytes(size),
        `${Math.round((size / jsonBytes) * 100)}%`,
      ]);
    }
  }
  console.log(`## ${label} (${bytes(jsonBytes)} of JSON)\n`);
  console.log(
    table(['serializer', 'compressor', 'encode ops/s', 'decode ops/s', 'size', 'vs JSON'], rows),
  );
  console.log();
}

// Extended JSON: the same value with its `createdAt` strings as Dates.
{
  const rows = [];
  for (const [label, value] of SIZES) {
    const withDates = {
      ...value,
      orders: value.orders.map((o) => ({ ...o, createdAt: new Date(o.createdAt) })),
    };
    const codec = await createCodec('bench', {
      serializers: ['json'],
      compressors: [],
      compressMinSize: 0,
    });
    const plain = codec.encode(value);
    const extended = codec.encode(withDates);
    rows.push([
      label,
      `${format(opsPerSecond(() => codec.encode(value)))} / ${format(opsPerSecond(() => codec.decode(plain)))}`,
      `${format(opsPerSecond(() => codec.encode(withDates)))} / ${format(opsPerSecond(() => codec.decode(extended)))}`,
    ]);
  }
  console.log('## json serializer: plain values vs values holding Dates (extended JSON)\n');
  console.log(
    table(['value', 'plain: encode / decode ops/s', 'with Dates: encode / decode ops/s'], rows),
  );
  console.log();
}

// Synchronous zlib (what the codec uses) against the thread-pool variants.
{
  const gzipAsync = promisify(gzip);
  const gunzipAsync = promisify(gunzip);
  const rows = [];
  for (const [label, value] of SIZES) {
    log('zlib sync/async', label);
    const input = Buffer.from(JSON.stringify(value));
    const compressed = gzipSync(input);
    rows.push([
      label,
      `${format(opsPerSecond(() => gzipSync(input)))} / ${format(opsPerSecond(() => gunzipSync(compressed)))}`,
      `${format(await asyncOpsPerSecond(() => gzipAsync(input), 1))} / ${format(await asyncOpsPerSecond(() => gunzipAsync(compressed), 1))}`,
      `${format(await asyncOpsPerSecond(() => gzipAsync(input), 16))} / ${format(await asyncOpsPerSecond(() => gunzipAsync(compressed), 16))}`,
    ]);
  }
  console.log('## gzip: synchronous vs thread pool (gzip / gunzip ops/s)\n');
  console.log(
    table(
      [
        'value',
        'sync (used)',
        'async, one at a time',
        'async, 16 in flight (UV_THREADPOOL_SIZE 4)',
      ],
      rows,
    ),
  );
  console.log();
}
