/**
 * Issue 11, fault test 6: load. 100k get/set with 500 in flight on Redis (a private server, so
 * that its CLIENT LIST and PUBSUB counts are this file's alone) and on memory with `maxEntries`:
 * no error, and the heap after a full GC within a stated margin of the heap after warm-up. Then
 * 10k lock cycles (with contention, so that waiters subscribe to release notices): no leaked
 * listeners, timers, sockets, server connections or subscriptions, during the run (bounded) and
 * after the cache is closed (back to the start).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import { CacheRegistry, type CacheConfig, type CacheService } from '../../../lib/index.js';
import { spawnRedis, type SpawnedRedis } from '../../harness/index.js';

/** Operations per load run: half set, half get. */
const OPERATIONS = 100_000;
const IN_FLIGHT = 500;
/** How much the heap may grow from warm-up to the end of a load run, after a full GC: 8 MiB. */
const HEAP_MARGIN = 8 * 1024 * 1024;
const LOCK_CYCLES = 10_000;
const LOCK_NAMES = 20;
/**
 * Two contenders per lock. NOTE: with five (100 in flight) a few acquisitions on Redis waited
 * more than 10 s (60 of 10k in one run) while the lock changed hands every millisecond or two:
 * waiting is not fair; reported to the locks work, not a leak.
 */
const LOCKS_IN_FLIGHT = 40;

// A full GC on demand without starting Node with --expose-gc (the flag is read when `gc` is
// made, so a fresh context gets it).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'major'; execution: 'sync' }) => void;

async function heapAfterGc(): Promise<number> {
  // Twice, with a turn of the event loop between: finalizers of the first free more.
  for (let i = 0; i < 2; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/** Runs `total` calls of `op(i)` with `inFlight` of them pending at any time; counts failures. */
async function run(
  total: number,
  inFlight: number,
  op: (i: number) => Promise<unknown>,
): Promise<{ failed: number; firstError?: unknown }> {
  let next = 0;
  const result: { failed: number; firstError?: unknown } = { failed: 0 };
  const lane = async () => {
    for (let i = next++; i < total; i = next++) {
      try {
        await op(i);
      } catch (error) {
        result.failed++;
        result.firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return result;
}

/** A value like a cached record: about 120 bytes of JSON. */
const record = (i: number) => ({ id: i, name: `user ${i}`, roles: ['reader'], score: i * 1.5 });

/** Handles of this process by kind (TCPSocketWrap, Timeout, …), without Jest's own churn. */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/**
 * The kinds of handle of which `after` has more than `before`, with both counts. Fewer is fine:
 * a timer of an earlier test (a closed memory store's sweep) may end meanwhile.
 */
function grown(before: Record<string, number>, after: Record<string, number>) {
  return Object.entries(after)
    .filter(([kind, n]) => n > (before[kind] ?? 0))
    .map(([kind, n]) => `${kind}: ${before[kind] ?? 0} → ${n}`);
}

/** The handles once none has grown over `before`, or after `ms` if some stay (a leak). */
async function handlesSettled(before: Record<string, number>, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const now = handles();
    if (grown(before, now).length === 0 || Date.now() > deadline) return now;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Listeners on an ioredis client, over all events. */
function listeners(client: Redis): number {
  return client.eventNames().reduce((sum, event) => sum + client.listenerCount(event), 0);
}

function report(label: string, figures: object): void {
  // The figures of the README's "Failover, load and bad input" section come from here.
  process.stderr.write(`[load] ${label}: ${JSON.stringify(figures)}\n`);
}

describe.each<[string, () => CacheConfig]>([
  ['memory with maxEntries 10000', () => ({ location: 'memory://load', maxEntries: 10_000 })],
  ['redis', () => ({ location: server.url })],
])('load on %s', (label, config) => {
  it(`${OPERATIONS} get/set with ${IN_FLIGHT} in flight: no error, heap bounded`, async () => {
    const registry = await CacheRegistry.create({
      default: { ...config(), keyPrefix: 'load' },
    });
    try {
      const cache = registry.get('default');
      // Keys cycle over 50k: on memory twice the bound, so that evictions run all along.
      const op = (i: number) =>
        i % 2 === 0
          ? cache.set(`user:${(i >> 1) % 50_000}`, record(i))
          : cache.get(`user:${i >> 1}`);
      // Warm-up: connections open, code optimised.
      await run(OPERATIONS / 5, IN_FLIGHT, op);
      const before = await heapAfterGc();
      const started = Date.now();
      const { failed, firstError } = await run(OPERATIONS, IN_FLIGHT, op);
      const ms = Date.now() - started;
      const after = await heapAfterGc();
      report(label, {
        operations: OPERATIONS,
        inFlight: IN_FLIGHT,
        failed,
        ms,
        heapBeforeMiB: +(before / 2 ** 20).toFixed(1),
        heapAfterMiB: +(after / 2 ** 20).toFixed(1),
      });
      expect(firstError).toBeUndefined();
      expect(failed).toBe(0);
      expect(after - before).toBeLessThan(HEAP_MARGIN);
      if (cache.kind === 'memory') expect((await cache.keys()).length).toBeLessThanOrEqual(10_000);
    } finally {
      await registry.get('default').clear();
      await registry.onApplicationShutdown();
    }
  }, 60_000);
});

let server: SpawnedRedis;
let admin: Redis;
beforeAll(async () => {
  server = await spawnRedis();
  admin = new Redis({ host: server.host, port: server.port });
  await admin.client('SETNAME', 'admin');
}, 30_000);
afterAll(async () => {
  admin?.disconnect();
  await server?.stop();
});

/** What a leak would grow on the server: connections and subscriptions. */
async function serverCounts() {
  const clients = ((await admin.client('LIST')) as string).trim().split('\n').length;
  const numpat = await admin.pubsub('NUMPAT');
  const channels = ((await admin.pubsub('CHANNELS')) as string[]).length;
  return { clients, channels, numpat };
}

describe.each<[string, () => CacheConfig]>([
  ['memory', () => ({ location: 'memory://locks' })],
  ['redis', () => ({ location: server.url })],
])('%s: lock cycles leak nothing', (label, config) => {
  it(`${LOCK_CYCLES} acquire/release cycles on ${LOCK_NAMES} contended locks`, async () => {
    const startHandles = handles();
    const startServer = await serverCounts();
    const registry = await CacheRegistry.create({
      default: { ...config(), keyPrefix: 'locks' },
    });
    const cache: CacheService = registry.get('default');
    try {
      const cycle = (i: number) =>
        cache.withLock(`job-${i % LOCK_NAMES}`, () => undefined, { wait: '10s', lease: '10s' });
      // Warm-up: connections (the cache's, the release notices' subscriber) are open.
      await run(LOCK_CYCLES / 10, LOCKS_IN_FLIGHT, cycle);
      const warmHandles = handles();
      const warmServer = await serverCounts();
      const client = (cache.backend as unknown as { client?: Redis }).client;
      const warmListeners = client ? listeners(client) : 0;
      const started = Date.now();
      const { failed, firstError } = await run(LOCK_CYCLES, LOCKS_IN_FLIGHT, cycle);
      const ms = Date.now() - started;
      // Waiters' timers and subscriptions end with their waits, but an UNSUBSCRIBE may still be
      // on its way (with its command timer): a leak is what is still there after 2 s.
      const endHandles = await handlesSettled(warmHandles, 2_000);
      const endServer = await serverCounts();
      const endListeners = client ? listeners(client) : 0;
      report(`${label} locks`, {
        cycles: LOCK_CYCLES,
        inFlight: LOCKS_IN_FLIGHT,
        failed,
        ms,
        handles: { start: startHandles, warm: warmHandles, end: endHandles },
        server: { start: startServer, warm: warmServer, end: endServer },
        listeners: { warm: warmListeners, end: endListeners },
      });
      expect(firstError).toBeUndefined();
      expect(failed).toBe(0);
      expect(grown(warmHandles, endHandles)).toEqual([]);
      expect(endServer).toEqual(warmServer);
      expect(endListeners).toBe(warmListeners);
    } finally {
      await registry.onApplicationShutdown();
    }
    // Closed: everything the cache opened is gone (sockets and their timers may take a moment
    // to wind down on a loaded machine: a leak stays, a transient does not).
    for (let i = 0; i < 20 && grown(startHandles, handles()).length > 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(grown(startHandles, handles())).toEqual([]);
    expect(await serverCounts()).toEqual(startServer);
  }, 60_000);
});
