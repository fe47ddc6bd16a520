import { jest } from '@jest/globals';
import {
  CacheRegistry,
  CacheXError,
  InvalidArgumentError,
  LockAcquireTimeoutError,
  LockLostError,
  currentLock,
  type CacheConfig,
  type CacheService,
  type Lock,
} from '../../lib/index.js';
import { ACQUIRE_LOCK } from '../../lib/lock/lock.ops.js';
import { escapeGlob } from '../../lib/utils/glob.js';
import { uniquePrefix } from './cache.contract.js';

/**
 * The lock contract: one suite, run unchanged on every backend. Each test opens its caches with
 * a unique key prefix. Contenders that must exclude each other use caches of separate
 * registries (separate connections on a server), as separate processes would.
 */
export function lockContract(label: string, base: () => CacheConfig): void {
  describe(`lock contract: ${label}`, () => {
    const registries: CacheRegistry[] = [];
    const held: Lock[] = [];
    let prefix: string;
    let cache: CacheService;

    /** A cache on the test's prefix, in a registry (and so a connection) of its own. */
    async function client(): Promise<CacheService> {
      const registry = await CacheRegistry.create({ default: { ...base(), keyPrefix: prefix } });
      registries.push(registry);
      return registry.get('default');
    }

    /** A lock that the test does not release itself; released (if still held) after the test. */
    function track(lock: Lock): Lock {
      held.push(lock);
      return lock;
    }

    /** The stored key of a lock, as the README documents it. */
    const lockKey = (c: CacheService, name: string) => c.keyBuilder.internal('lock', `{${name}}`);

    beforeEach(async () => {
      prefix = uniquePrefix();
      cache = await client();
    });

    afterEach(async () => {
      await Promise.allSettled(held.splice(0).map((lock) => lock.release()));
      for (const registry of registries.splice(0)) {
        const c = registry.get('default');
        await c.clear();
        // Fencing counters never expire: remove this test's from the shared servers.
        for await (const keys of c.backend.scan(
          `${escapeGlob(c.keyBuilder.prefix)}:cachex:*`,
          100,
        )) {
          await c.backend.delete(keys);
        }
        await registry.onApplicationShutdown();
      }
    });

    describe('acquire and release', () => {
      it('excludes a second holder until the first releases', async () => {
        const other = await client();
        const first = cache.lock('job');
        const second = other.lock('job');
        expect(await first.acquire()).toBe(true);
        expect(first.held).toBe(true);
        expect(first.token).toEqual(expect.any(String));
        expect(await second.acquire()).toBe(false);
        expect(second.held).toBe(false);
        expect(second.fencingToken).toBeUndefined();

        await first.release();
        expect(first.held).toBe(false);
        expect(await track(second).acquire()).toBe(true);
        expect(second.token).not.toBe(first.token);
      });

      it('locks of different names, or of caches with other prefixes, are independent', async () => {
        const elsewhere = await CacheRegistry.create({
          default: { ...base(), keyPrefix: uniquePrefix() },
        });
        registries.push(elsewhere);
        expect(await track(cache.lock('a')).acquire()).toBe(true);
        expect(await track(cache.lock('b')).acquire()).toBe(true);
        expect(await track(elsewhere.get('default').lock('a')).acquire()).toBe(true);
      });

      it('hands out strictly increasing fencing tokens across holders and clients', async () => {
        const clients = [cache, await client(), await client()];
        const tokens: number[] = [];
        for (let i = 0; i < 9; i++) {
          const lock = clients[i % 3]!.lock('fenced');
          expect(await lock.acquire()).toBe(true);
          tokens.push(lock.fencingToken!);
          await lock.release();
          // The token stays readable after the release, for logs.
          expect(lock.fencingToken).toBe(tokens.at(-1));
        }
        for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBeGreaterThan(tokens[i - 1]!);
        // Tokens are at least the server's clock in microseconds, so that they still increase
        // after the counter is lost (see test/integration/faults/lock-faults.spec.ts).
        expect(tokens[0]).toBeGreaterThan((Date.now() - 60_000) * 1000);
      });

      it('keeps the fencing counter without expiry, so that tokens never go back', async () => {
        const lock = cache.lock('fenced', { lease: '10s' });
        await lock.acquire();
        await lock.release();
        const fence = `${lockKey(cache, 'fenced')}:fence`;
        expect(await cache.backend.command({ name: 'pttl', keys: [fence], args: [] })).toBe(-1);
      });

      it('counts on from a counter ahead of the clock (a clock set back), as integers', async () => {
        const fence = `${lockKey(cache, 'fenced')}:fence`;
        // Ten days ahead of the clock, in microseconds.
        const ahead = (Date.now() + 10 * 86_400_000) * 1000;
        await cache.backend.command({ name: 'set', keys: [fence], args: [String(ahead)] });
        const lock = cache.lock('fenced');
        for (const expected of [ahead + 1, ahead + 2]) {
          expect(await lock.acquire()).toBe(true);
          expect(lock.fencingToken).toBe(expected);
          await lock.release();
        }
        // Stored as decimal digits (not 1.7e+15), so that the next acquisition reads it back.
        const stored = await cache.backend.command({ name: 'get', keys: [fence], args: [] });
        expect(String(stored)).toBe(String(ahead + 2));
      });

      it('release is a no-op when nothing is held; a Lock is not re-entrant', async () => {
        const lock = cache.lock('job');
        await lock.release();
        expect(await lock.acquire()).toBe(true);
        await expect(lock.acquire()).rejects.toThrow(CacheXError);
        await lock.release();
        await lock.release();
        // It may be acquired again once released, with a new token and fencing token.
        const { token, fencingToken } = lock;
        expect(await lock.acquire()).toBe(true);
        expect(lock.token).not.toBe(token);
        expect(lock.fencingToken).toBeGreaterThan(fencingToken!);
        await lock.release();
      });

      it('releases at the end of an `await using` block', async () => {
        {
          await using lock = cache.lock('scoped');
          expect(await lock.acquire()).toBe(true);
          expect(await cache.lock('scoped').acquire()).toBe(false);
        }
        expect(await track(cache.lock('scoped')).acquire()).toBe(true);
      });

      it('lock keys are internal: keys(), deletePattern and clear() do not release a lock', async () => {
        const lock = track(cache.lock('job'));
        await lock.acquire();
        await cache.set('user-key', 1);
        expect(await cache.keys()).toEqual(['user-key']);
        await cache.deletePattern('*');
        await cache.clear();
        expect(await cache.lock('job').acquire()).toBe(false);
        expect(await cache.backend.exists(lockKey(cache, 'job'))).toBe(true);
        await lock.release();
      });
    });

    describe('waiting', () => {
      it('a waiter gets the lock as soon as the holder releases it: told, not polling', async () => {
        const holder = cache.lock('job', { lease: '1m' });
        await holder.acquire();
        const waiterCache = await client();
        const run = jest.spyOn(waiterCache.backend, 'run');
        const attempts = () =>
          run.mock.calls.flatMap(([op], i) =>
            op === ACQUIRE_LOCK ? [run.mock.results[i]!.value as Promise<unknown>] : [],
          );
        const waiter = track(waiterCache.lock('job'));
        const waiting = waiter.acquire({ wait: '20s' });
        // The waiter tries once, listens for release notices, tries again once listening, and
        // then sleeps: at least 500 ms, as the holder's lease is long, unless a notice wakes it.
        await until(() => attempts().length >= 2);
        await attempts()[1];
        expect(waiter.held).toBe(false);
        const released = Date.now();
        await holder.release();
        expect(await waiting).toBe(true);
        // Far below the 500 ms a waiter that missed the notice would still be asleep.
        expect(Date.now() - released).toBeLessThan(300);
        expect(attempts()).toHaveLength(3);
        expect(waiter.fencingToken).toBeGreaterThan(holder.fencingToken!);
        run.mockRestore();
      });

      it('answers false after `wait` when the holder keeps the lock', async () => {
        const holder = track(cache.lock('job'));
        await holder.acquire();
        const started = Date.now();
        expect(await cache.lock('job').acquire({ wait: 300 })).toBe(false);
        expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      });

      it("uses the lock's default wait, and acquire's own wait over it", async () => {
        const holder = cache.lock('job', { lease: 200 });
        await holder.acquire();
        expect(await cache.lock('job', { wait: '3s' }).acquire({ wait: 0 })).toBe(false);
        expect(await track(cache.lock('job', { wait: '3s' })).acquire()).toBe(true);
      });

      it('stops waiting when the signal aborts, with its reason', async () => {
        const holder = track(cache.lock('job'));
        await holder.acquire();
        const controller = new AbortController();
        const waiter = cache.lock('job');
        const waiting = waiter.acquire({ wait: '20s', signal: controller.signal });
        setTimeout(() => controller.abort(new Error('shutting down')), 100);
        await expect(waiting).rejects.toThrow('shutting down');
        expect(waiter.held).toBe(false);
        // An aborted signal stops even the first try.
        await expect(waiter.acquire({ signal: controller.signal })).rejects.toThrow(
          'shutting down',
        );
      });
    });

    describe('lease expiry', () => {
      it('replaces a holder that never releases after its lease; its release then fails and deletes nothing', async () => {
        const successor = track((await client()).lock('job'));
        // Before the SET: the server (on this machine's clock) lets a successor in 300 ms after
        // it, whatever time the test takes between the two acquisitions.
        const started = Date.now();
        const crashed = cache.lock('job', { lease: 300 });
        await crashed.acquire();
        expect(await successor.acquire({ wait: '10s' })).toBe(true);
        // Not before the lease ran out (1 ms of slack for the clocks' rounding).
        expect(Date.now() - started).toBeGreaterThanOrEqual(299);
        expect(successor.fencingToken).toBeGreaterThan(crashed.fencingToken!);

        // The old holder learnt it when its lease ran out.
        expect(crashed.held).toBe(false);
        expect(crashed.signal.aborted).toBe(true);
        expect(crashed.signal.reason).toBeInstanceOf(LockLostError);

        await expect(crashed.extend('10s')).rejects.toBeInstanceOf(LockLostError);
        const error = await crashed.release().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(LockLostError);
        expect(error).toMatchObject({ reason: 'replaced', lock: 'job', cache: 'default' });
        // The successor still holds it.
        expect(await cache.lock('job').acquire()).toBe(false);
        await successor.release();
      });

      it('a release after the lease ran out (nobody took over) fails with reason expired', async () => {
        const lock = cache.lock('job', { lease: 100 });
        await lock.acquire();
        await sleep(250);
        await expect(lock.release()).rejects.toMatchObject({
          name: 'LockLostError',
          reason: 'expired',
        });
      });

      it('once the signal has aborted, withLock throws LockLostError even if the key is still there', async () => {
        // The signal aborts a drift margin before the server lets a successor in: work that
        // stops on it and returns at once is released while the key still holds its token. The
        // work was told the lock was lost, so the caller must not be told it succeeded.
        let aborted: unknown;
        const error = await cache
          .withLock(
            'job',
            async (lock) => {
              await new Promise<void>((resolve) =>
                lock.signal.addEventListener('abort', () => resolve(), { once: true }),
              );
              aborted = lock.signal.reason;
              return 'stopped early';
            },
            { lease: 1_000 },
          )
          .catch((e: unknown) => e);
        expect(aborted).toBeInstanceOf(LockLostError);
        expect(error).toBeInstanceOf(LockLostError);
        expect(error).toMatchObject({ lock: 'job', cache: 'default' });
        // The lock was given back all the same, for the next holder.
        expect(await track(cache.lock('job')).acquire()).toBe(true);
      });

      it('extend(by) adds to the remaining lease, only for the holder', async () => {
        const lock = track(cache.lock('job', { lease: 300 }));
        await lock.acquire();
        const remaining = await lock.extend('2s');
        expect(remaining).toBeGreaterThan(2_000);
        expect(remaining).toBeLessThanOrEqual(2_300);
        await sleep(500);
        expect(lock.held).toBe(true);
        expect(lock.signal.aborted).toBe(false);
        expect(await cache.lock('job').acquire()).toBe(false);
        await expect(cache.lock('job').extend()).rejects.toThrow(CacheXError);
        await lock.release();
      });

      it('the watchdog keeps a lock past its lease while the work runs', async () => {
        const lock = cache.lock('job', { lease: 300, autoExtend: true });
        await lock.acquire();
        await sleep(1_000);
        expect(lock.held).toBe(true);
        expect(lock.signal.aborted).toBe(false);
        expect(await cache.lock('job').acquire()).toBe(false);
        await lock.release();
        expect(await track(cache.lock('job')).acquire()).toBe(true);
      });

      it('the watchdog aborts the signal when the key is deleted, and withLock throws LockLostError after the work', async () => {
        let aborted: unknown;
        const run = cache.withLock(
          'job',
          async (lock) => {
            await cache.backend.delete([lockKey(cache, 'job')]);
            await new Promise<void>((resolve) =>
              lock.signal.addEventListener('abort', () => resolve(), { once: true }),
            );
            aborted = lock.signal.reason;
            return 'done';
          },
          { lease: 300, autoExtend: true },
        );
        const error = await run.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(LockLostError);
        expect((error as LockLostError).reason).toBe('expired');
        expect(aborted).toBeInstanceOf(LockLostError);
      });
    });

    describe('withLock', () => {
      it('runs the work with the lock held and returns its result', async () => {
        const result = await cache.withLock('job', async (lock) => {
          expect(lock.held).toBe(true);
          expect(currentLock()).toBe(lock);
          expect(await cache.lock('job').acquire()).toBe(false);
          return 42;
        });
        expect(result).toBe(42);
        expect(currentLock()).toBeUndefined();
        expect(await track(cache.lock('job')).acquire()).toBe(true);
      });

      it('throws LockAcquireTimeoutError without running the work when the lock is taken', async () => {
        const holder = track(cache.lock('job'));
        await holder.acquire();
        let ran = false;
        const error = await cache
          .withLock('job', () => (ran = true), { wait: 100 })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(LockAcquireTimeoutError);
        expect(error).toMatchObject({ lock: 'job', cache: 'default', wait: 100 });
        expect(ran).toBe(false);
      });

      it('releases the lock and rethrows when the work fails', async () => {
        await expect(
          cache.withLock('job', async () => {
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await track(cache.lock('job')).acquire()).toBe(true);
      });

      it('currentLock() is the innermost lock, also across awaits', async () => {
        await cache.withLock('outer', async (outer) => {
          await sleep(1);
          expect(currentLock()).toBe(outer);
          await cache.withLock('inner', async (inner) => {
            await sleep(1);
            expect(currentLock()).toBe(inner);
            expect(inner.name).toBe('inner');
          });
          expect(currentLock()).toBe(outer);
        });
      });

      it('throws LockLostError when the work outlives the lease, not a silent success', async () => {
        const error = await cache
          .withLock('job', () => sleep(300).then(() => 'late'), { lease: 100 })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(LockLostError);
      });
    });

    describe('contention', () => {
      it('many contenders on separate clients never overlap and lose no update', async () => {
        const contenders = await Promise.all(Array.from({ length: 8 }, () => client()));
        const rounds = 5;
        let inside = 0;
        let maxInside = 0;
        await cache.set('counter', 0);
        await Promise.all(
          contenders.map(async (c) => {
            for (let i = 0; i < rounds; i++) {
              await c.withLock(
                'counter-lock',
                async () => {
                  maxInside = Math.max(maxInside, ++inside);
                  // A read-modify-write that loses updates unless it is exclusive.
                  const value = (await c.get<number>('counter'))!;
                  await sleep(Math.random() * 5);
                  await c.set('counter', value + 1);
                  inside--;
                },
                { wait: '30s' },
              );
            }
          }),
        );
        expect(maxInside).toBe(1);
        expect(await cache.get('counter')).toBe(contenders.length * rounds);
      }, 30_000);

      it('with leases expiring mid-run, every stale holder is detected by fencing and by LockLostError', async () => {
        const contenders = await Promise.all(Array.from({ length: 6 }, () => client()));
        const store = new FencedStore();
        const runs: Array<{ token: number; overlapped: boolean; outcome?: unknown }> = [];
        const active = new Set<(typeof runs)[number]>();
        await Promise.all(
          contenders.map(async (c) => {
            for (let i = 0; i < 4; i++) {
              let run: (typeof runs)[number] | undefined;
              try {
                await c.withLock(
                  'fenced-job',
                  async (lock) => {
                    run = { token: lock.fencingToken!, overlapped: false };
                    runs.push(run);
                    for (const other of active) other.overlapped = true;
                    active.add(run);
                    // Some runs outlive the 60 ms lease, so a successor gets in meanwhile.
                    await sleep(Math.random() < 0.5 ? 5 : 120);
                    active.delete(run);
                    store.write(lock.fencingToken!, `written by ${lock.fencingToken}`);
                  },
                  { lease: 60, wait: '30s' },
                );
                run!.outcome = 'ok';
              } catch (error) {
                if (!run) throw error;
                run.outcome = error;
              }
            }
          }),
        );
        const overlapped = runs.filter((r) => r.overlapped);
        expect(overlapped.length).toBeGreaterThan(0);
        // A holder that a successor overtook never reports success.
        for (const run of overlapped) expect(run.outcome).toBeInstanceOf(LockLostError);
        // Holders got their fencing tokens in the order they entered, so the store refused
        // exactly the late writes of overtaken holders, never a write of a holder that succeeded.
        const tokens = runs.map((r) => r.token);
        expect(tokens).toEqual([...tokens].sort((a, b) => a - b));
        expect(new Set(tokens).size).toBe(tokens.length);
        for (const token of store.rejected) {
          expect(overlapped.map((r) => r.token)).toContain(token);
        }
        const succeeded = runs.filter((r) => r.outcome === 'ok');
        expect(succeeded.length).toBeGreaterThan(0);
        for (const run of succeeded) expect(store.accepted).toContain(run.token);
      }, 30_000);
    });

    describe('arguments', () => {
      it('refuses invalid names and options with InvalidArgumentError, naming them', async () => {
        const cases: Array<[() => unknown, string]> = [
          [() => cache.lock(''), 'name'],
          [() => cache.lock('}x'), 'name'],
          [() => cache.lock('job', { lease: 'soon' }), 'lease'],
          [() => cache.lock('job', { lease: 0 }), 'lease'],
          [() => cache.lock('job', { wait: -1 }), 'wait'],
          [() => cache.lock('job', { autoExtend: 'yes' as never }), 'autoExtend'],
        ];
        for (const [make, argument] of cases) {
          let error: unknown;
          try {
            make();
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(InvalidArgumentError);
          expect((error as InvalidArgumentError).argument).toBe(argument);
        }
        await expect(cache.lock('job').acquire({ wait: 'later' })).rejects.toBeInstanceOf(
          InvalidArgumentError,
        );
        await expect(cache.withLock('', () => 1)).rejects.toBeInstanceOf(InvalidArgumentError);
      });
    });
  });
}

/**
 * A downstream store that fences writes: it remembers the highest fencing token it accepted and
 * refuses writes with a lower one (a stale holder's).
 */
class FencedStore {
  readonly accepted: number[] = [];
  readonly rejected: number[] = [];
  private highest = 0;

  write(token: number, _value: string): void {
    if (token < this.highest) {
      this.rejected.push(token);
      return;
    }
    this.highest = token;
    this.accepted.push(token);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until a condition holds (bounded). */
async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}
