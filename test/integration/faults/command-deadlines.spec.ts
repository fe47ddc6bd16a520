/**
 * The cache option `commandTimeout` is kept by one sweep per connection (command-deadlines.ts)
 * instead of ioredis' timer per command: a command fails between the timeout and a tenth more,
 * whether it waits for a reply (server paused) or for a connection (server gone), and a command
 * that failed is never applied later.
 */
import { keyHashSlot } from '../../../lib/keys/key-slot.js';
import type { Cluster, Redis } from 'ioredis';
import { CacheRegistry, CacheXConnectionError, type CacheService } from '../../../lib/index.js';
import { spawnCluster, spawnRedis, type SpawnedRedis } from '../../harness/index.js';
import { serverPid, timeUntil } from './outage-support.js';

const TIMEOUT_MS = 200;
/** What the sweep may add (a tenth of the timeout) plus a loaded machine's scheduling slack. */
const LATE_MS = 20 + 150;

async function failure(call: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  try {
    await call();
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
  throw new Error('the call did not fail');
}

describe('commandTimeout (one sweep per connection)', () => {
  let server: SpawnedRedis;
  let registry: CacheRegistry;
  let cache: CacheService;

  beforeAll(async () => {
    server = await spawnRedis();
    registry = await CacheRegistry.create({
      default: { location: server.url, commandTimeout: TIMEOUT_MS, keyPrefix: 'deadlines' },
    });
    cache = registry.get('default');
  }, 30_000);

  afterAll(async () => {
    await registry?.onApplicationShutdown();
    await server?.stop();
  });

  it('leaves ioredis without a per-command timer', () => {
    const client = (cache as unknown as { backend: { client: Redis } }).backend.client;
    expect(client.options.commandTimeout).toBeUndefined();
  });

  it('fails a command without a reply after the timeout, and later commands get their own replies', async () => {
    await cache.set('k', 'before');
    const pid = await serverPid(server);
    process.kill(pid, 'SIGSTOP');
    let result: { ms: number; error: unknown };
    try {
      result = await failure(() => cache.get('k'));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(result.error).toBeInstanceOf(CacheXConnectionError);
    expect((result.error as Error).message).toContain(
      `no reply from the server within commandTimeout (${TIMEOUT_MS} ms)`,
    );
    expect(result.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(result.ms).toBeLessThan(TIMEOUT_MS + LATE_MS);
    // The late reply of the failed GET is read and dropped: replies stay matched to commands.
    await cache.set('k', 'after');
    expect(await cache.get('k')).toBe('after');
    expect(await cache.incr('n')).toBe(1);
  });

  it('fails a command queued while disconnected after the timeout, and never sends it', async () => {
    await server.stop();
    const result = await failure(() => cache.set('queued', 'never'));
    expect(result.error).toBeInstanceOf(CacheXConnectionError);
    expect((result.error as Error).message).toContain('it was not sent');
    expect(result.ms).toBeLessThan(TIMEOUT_MS + LATE_MS);
    await server.restart();
    await timeUntil(() => cache.set('probe', 1));
    expect(await cache.get('queued')).toBeUndefined();
  }, 20_000);

  it('bounds each node of a cluster: a paused master fails its commands in time', async () => {
    const spawned = await spawnCluster({ masters: 3 });
    const cluster = await CacheRegistry.create({
      default: {
        location: spawned.urls,
        cluster: true,
        commandTimeout: TIMEOUT_MS,
        keyPrefix: 'deadlines',
      },
    });
    try {
      const c = cluster.get('default');
      await c.set('k', 1);
      const client = (c as unknown as { backend: { client: Cluster } }).backend.client;
      for (const node of client.nodes('all')) expect(node.options.commandTimeout).toBeUndefined();
      // The master that holds the key (the cache's full key: prefix and version).
      const fullKey = 'deadlines:1:k';
      const owner = spawned.masters.find(
        (m) => client.slots[keyHashSlot(fullKey)]?.[0] === `${m.host}:${m.port}`,
      )!;
      const pid = await serverPid(owner as unknown as SpawnedRedis);
      process.kill(pid, 'SIGSTOP');
      let result: { ms: number; error: unknown };
      try {
        result = await failure(() => c.get('k'));
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      expect(result.error).toBeInstanceOf(CacheXConnectionError);
      expect(result.ms).toBeLessThan(TIMEOUT_MS + LATE_MS);
      expect(await c.get('k')).toBe(1);
    } finally {
      await cluster.onApplicationShutdown();
      await spawned.stop();
    }
  }, 60_000);
});
