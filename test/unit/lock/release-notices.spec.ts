/**
 * Release notices as a backend capability (issue 12): a backend without `notices` gives waiters
 * no notices, and they poll; closing a cache ends its pending waits.
 */
import type { CacheBackend } from '../../../lib/backends/backend.interface.js';
import { MemoryBackend } from '../../../lib/backends/memory/memory.backend.js';
import { MemoryStore } from '../../../lib/backends/memory/memory.store.js';
import { CacheXError } from '../../../lib/errors/cachex.error.js';
import { KeyBuilder } from '../../../lib/keys/key-builder.js';
import { createLock, type LockHost } from '../../../lib/lock/lock.js';
import { CacheCounters } from '../../../lib/metrics/cache-counters.js';
import { ACQUIRE_LOCK, RELEASE_LOCK } from '../../../lib/lock/lock.ops.js';
import { closeReleaseNotices, listenForRelease } from '../../../lib/lock/release-notices.js';

let n = 0;
const backends: MemoryBackend[] = [];

function memoryBackend(): MemoryBackend {
  const store = MemoryStore.acquire(`notices-${process.pid}-${++n}`, { sweepInterval: 60_000 });
  const backend = new MemoryBackend(store as MemoryStore, { binary: false });
  backends.push(backend);
  return backend;
}

/** The memory backend with its `notices` capability hidden: a backend that has none. */
function withoutNotices(backend: MemoryBackend): CacheBackend {
  return new Proxy(backend, {
    get: (target, property) =>
      property === 'notices' ? undefined : Reflect.get(target, property, target),
  });
}

function host(backend: CacheBackend): LockHost {
  return {
    name: 'default',
    backend,
    keyBuilder: new KeyBuilder(`notices-${n}`, 1),
    mapError: (error) => error as CacheXError,
    counters: new CacheCounters(),
  };
}

afterEach(async () => {
  for (const backend of backends.splice(0)) await backend.close();
});

describe('release notices, a backend capability', () => {
  it("the memory backend has it: a listener hears the release twin's PUBLISH, once waited for", async () => {
    const backend = memoryBackend();
    const keys = ['l:{x}', 'l:{x}:fence', 'l:{x}:waiters'];
    let heard = 0;
    const subscription = listenForRelease(backend, keys[0]!, () => heard++);
    expect(await subscription.ready).toBe(true);
    await backend.run(ACQUIRE_LOCK, keys, ['a', 10_000, 0]);
    await backend.run(RELEASE_LOCK, [keys[0]!, keys[2]!], ['a']);
    expect(heard).toBe(0); // nobody waited: no notice
    await backend.run(ACQUIRE_LOCK, keys, ['a', 10_000, 0]);
    await backend.run(ACQUIRE_LOCK, keys, ['b', 10_000, 5_000]); // b waits: marks the lock
    await backend.run(RELEASE_LOCK, [keys[0]!, keys[2]!], ['a']);
    expect(heard).toBe(1);
    subscription.stop();
    subscription.stop(); // idempotent
    await backend.run(ACQUIRE_LOCK, keys, ['a', 10_000, 0]);
    await backend.run(ACQUIRE_LOCK, keys, ['b', 10_000, 5_000]);
    await backend.run(RELEASE_LOCK, [keys[0]!, keys[2]!], ['a']);
    expect(heard).toBe(1);
  });

  it('a backend without it gives a subscription that is never ready', async () => {
    const subscription = listenForRelease(withoutNotices(memoryBackend()), 'chan', () => {});
    expect(await subscription.ready).toBe(false);
    subscription.stop();
  });

  it('on a backend without it, a waiter polls and still gets the lock soon after the release', async () => {
    const backend = withoutNotices(memoryBackend());
    const holder = createLock(host(backend), 'job', { lease: '1m' });
    expect(await holder.acquire()).toBe(true);
    const waiter = createLock(host(backend), 'job');
    const waiting = waiter.acquire({ wait: '10s' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const released = Date.now();
    await holder.release();
    expect(await waiting).toBe(true);
    // Polling every 100 ms (jittered), not the 1 s of a waiter that expects notices.
    expect(Date.now() - released).toBeLessThan(600);
    await waiter.release();
  });

  it("closing a cache ends its pending waits at once, and only that backend's", async () => {
    const closing = memoryBackend();
    const other = memoryBackend();
    for (const backend of [closing, other]) {
      expect(await createLock(host(backend), 'job', { lease: '1m' }).acquire()).toBe(true);
    }
    const ended = createLock(host(closing), 'job').acquire({ wait: '1m' });
    const controller = new AbortController();
    const goesOn = createLock(host(other), 'job').acquire({
      wait: '1m',
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await closeReleaseNotices(closing);
    const error = await ended.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheXError);
    expect((error as Error).message).toMatch(
      /the wait for lock 'job' ended because the cache was closed/,
    );
    expect(Date.now() - started).toBeLessThan(500);
    // The other cache's waiter still waits, until its signal stops it.
    controller.abort(new Error('stop'));
    await expect(goesOn).rejects.toThrow('stop');
  });
});
