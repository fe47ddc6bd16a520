import { randomUUID } from 'node:crypto';
import type { AtomicOp, OpArg } from '../backends/atomic-op.js';
import type { CacheBackend } from '../backends/backend.interface.js';
import { MESSAGES } from '../cachex.messages.js';
import { CacheXError } from '../errors/cachex.error.js';
import { CacheXConnectionError } from '../errors/connection.error.js';
import { CommandOutcomeUnknownError } from '../errors/outcome-unknown.error.js';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { LockLostError, type LockLostReason } from '../errors/lock-lost.error.js';
import type { KeyBuilder } from '../keys/key-builder.js';
import type { CacheCounters } from '../metrics/cache-counters.js';
import { describe, parseDuration, type Duration } from '../utils/duration.js';
import type { LockAcquireOptions, LockOptions } from './lock-options.interface.js';
import {
  ACQUIRE_LOCK,
  EXTEND_LOCK,
  RELEASE_LOCK,
  type AcquireResult,
  type ReleaseResult,
} from './lock.ops.js';
import { listenForRelease, trackWait } from './release-notices.js';

/** The default lease of a lock: 30 s. */
export const DEFAULT_LEASE_MS = 30_000;

/** @internal What a lock runs on: one cache's name, backend and keys, and its error mapping. */
export interface LockHost {
  readonly name: string;
  readonly backend: CacheBackend;
  readonly keyBuilder: KeyBuilder;
  /** Turns what the backend rejected with into the cache's typed error. */
  mapError(error: unknown): CacheXError;
  /** The cache's counters: locks acquired, timed out, lost. */
  readonly counters: CacheCounters;
}

/** @internal A lock's options after validation, durations in ms. */
export interface ResolvedLockOptions {
  lease: number;
  wait: number;
  autoExtend: boolean;
}

/**
 * @internal Validates lock options and applies the defaults; answers the option at fault and the
 * problem instead when one is invalid.
 */
export function resolveLockOptions(
  options: LockOptions = {},
): ResolvedLockOptions | { option: string; problem: string } {
  const lease = parseDuration(options.lease ?? DEFAULT_LEASE_MS);
  if (typeof lease === 'string') return { option: 'lease', problem: lease };
  if (lease < 1) return { option: 'lease', problem: 'must be at least 1 ms' };
  const wait = parseDuration(options.wait ?? 0);
  if (typeof wait === 'string') return { option: 'wait', problem: wait };
  const autoExtend = options.autoExtend ?? false;
  if (typeof autoExtend !== 'boolean') {
    return { option: 'autoExtend', problem: `must be a boolean, got ${describe(autoExtend)}` };
  }
  return { lease, wait, autoExtend };
}

/**
 * @internal Builds a lock of a cache, validating its name and options.
 * @throws InvalidArgumentError for an empty name or an invalid option
 */
export function createLock(host: LockHost, name: string, options?: LockOptions): Lock {
  const resolved = resolveLockOptions(options);
  if ('problem' in resolved) throw invalid(host, resolved.option, resolved.problem);
  return lockWith(host, name, resolved);
}

/**
 * @internal Builds a lock from options validated beforehand (`@WithLock` validates its options
 * once, when the class is defined), validating its name.
 * @throws InvalidArgumentError for an empty name
 */
export function lockWith(host: LockHost, name: string, options: ResolvedLockOptions): Lock {
  if (typeof name !== 'string' || name === '') {
    throw invalid(host, 'name', `must be a non-empty string, got ${describe(name)}`);
  }
  return new Lock(host, name, options);
}

type LockState = 'idle' | 'acquiring' | 'held' | 'lost' | 'released';

/** The longest delay `setTimeout` honours (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay `setTimeout` can take. */
function clamp(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MS);
}

/** How many times one acquisition is sent when its replies are lost (the first run included). */
const OUTCOME_UNKNOWN_RUNS = 3;

/** Retry delays of a waiter, in ms: release notices make the long one the usual case. */
const RETRY_MS = { subscribed: 1_000, polling: 100, jitter: 10 } as const;

/**
 * A distributed lock on one cache: mutual exclusion between every process that uses the same
 * cache (same server and key prefix) and lock name. Get one from `cache.lock(name, options)`;
 * each `Lock` is one would-be holder and is not re-entrant.
 *
 * - `acquire()` answers whether it got the lock (waiting up to `wait`); `release()` gives it
 *   back. Release and extension compare a random token first, so a holder whose lease ran out
 *   cannot release or extend another holder's lock.
 * - Each acquisition gets a {@link Lock.fencingToken} that strictly increases per lock name,
 *   for downstream stores to reject writes of a stale holder.
 * - {@link Lock.signal} aborts when the lock is known to be lost (lease run out, taken over, or
 *   not renewable), so that long work can stop early.
 * - `await using lock = cache.lock(...)` releases it at the end of the block.
 *
 * @example
 * const lock = cache.lock('process-payments', { lease: '30s' });
 * if (await lock.acquire({ wait: '5s' })) {
 *   try {
 *     await processPendingPayments(lock.signal);
 *   } finally {
 *     await lock.release();
 *   }
 * }
 */
export class Lock implements AsyncDisposable {
  /** The lock's name, as given to `cache.lock()`. */
  readonly name: string;
  /** The lease, in **milliseconds**: how long the lock lives unless released or extended. */
  readonly lease: number;
  /** How long `acquire()` waits unless told otherwise, in **milliseconds** (0: one try). */
  readonly wait: number;
  /** Whether a watchdog renews the lease while the lock is held. */
  readonly autoExtend: boolean;
  private readonly key: string;
  /**
   * The acquire script's keys: the lock, its fence and its waiters mark (which makes the release
   * PUBLISH, see `RELEASE_LOCK`); built once, not per acquisition.
   */
  private readonly acquireKeys: readonly [string, string, string];
  /** The release script's keys: the lock and its waiters mark. */
  private readonly releaseKeys: readonly [string, string];
  private state: LockState = 'idle';
  private currentToken: string | undefined;
  private currentFence: number | undefined;
  /** The signal's controller, made when first needed (most locks never hand out a signal). */
  private controller: AbortController | undefined;
  private lostError: LockLostError | undefined;
  /**
   * When the lease ends as this process sees it (ms since the epoch). A timer acts on it only
   * while someone can observe the loss at once (the signal was handed out, or the watchdog
   * runs); otherwise the loss is found when the lock is next used, which saves a timer per
   * acquisition on the hot path.
   */
  private leaseEndsAt = 0;
  private leaseTimer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  /** The last renewal's failure, while the watchdog cannot reach the server. */
  private renewalError: unknown;
  private renewing = false;

  /** @internal Use `cache.lock(name, options)`. */
  constructor(
    private readonly host: LockHost,
    name: string,
    options: ResolvedLockOptions,
  ) {
    this.name = name;
    this.lease = options.lease;
    this.autoExtend = options.autoExtend;
    this.wait = options.wait;
    // One hash tag for both keys, so that one script may touch them on a cluster.
    this.key = host.keyBuilder.internal('lock', `{${name}}`);
    const waitersKey = `${this.key}:waiters`;
    this.acquireKeys = [this.key, `${this.key}:fence`, waitersKey];
    this.releaseKeys = [this.key, waitersKey];
    if (!hasHashTag(this.key)) {
      throw invalid(
        host,
        'name',
        `'${name}' puts the lock's keys in different hash slots (an empty '{}' in the key ` +
          "prefix, or a name starting with '}'); choose another name",
      );
    }
  }

  /** Whether this object holds the lock now, as far as it knows (acquired, not released or lost). */
  get held(): boolean {
    this.checkLease();
    return this.state === 'held';
  }

  /** The random token of the current (or last) acquisition; `undefined` before the first. */
  get token(): string | undefined {
    return this.currentToken;
  }

  /**
   * The fencing token of the current (or last) acquisition: a number that strictly increases
   * with each acquisition of this lock name, by any process. Pass it with writes to a store that
   * keeps the highest token seen and refuses lower ones, so that a holder whose lease ran out
   * cannot overwrite its successor's work. `undefined` before the first acquisition.
   */
  get fencingToken(): number | undefined {
    return this.currentFence;
  }

  /**
   * Aborts when the lock is known to be lost while held: its lease ran out (without `autoExtend`
   * or `extend()`), the watchdog found it taken over or deleted, or could not reach the server
   * before the lease ran out. The reason is a `LockLostError`. A new signal comes with each
   * acquisition.
   */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      this.checkLease();
      if (this.state === 'held') this.armLeaseTimer();
    }
    return this.controller.signal;
  }

  /**
   * Tries to acquire the lock, waiting up to `wait` for its holder to release it (a waiter is
   * told of a release at once, and also retries when the holder's lease ends).
   * @returns `true` when acquired, `false` when another holder kept it for the whole wait
   * @throws CacheXError when this object already holds the lock (or is acquiring it)
   * @throws InvalidArgumentError for an invalid `wait`
   * @throws CacheXConnectionError when the server cannot be reached (with `wait`: still
   * unreachable at the deadline; a waiter keeps trying through an outage until then)
   * @throws the signal's reason when `signal` aborts the wait
   * @example if (await lock.acquire({ wait: '5s' })) { ... }
   */
  async acquire(options: LockAcquireOptions = {}): Promise<boolean> {
    if (this.state === 'held' || this.state === 'acquiring') {
      throw new CacheXError(MESSAGES.lockAlreadyHeld(this.host.name, this.name));
    }
    let wait = this.wait;
    if (options.wait !== undefined) {
      const ms = parseDuration(options.wait);
      if (typeof ms === 'string') throw invalid(this.host, 'wait', ms);
      wait = ms;
    }
    options.signal?.throwIfAborted();
    const previous = this.state;
    this.state = 'acquiring';
    try {
      const deadline = Date.now() + wait;
      let first: AcquireResult;
      try {
        first = await this.attempt(wait);
      } catch (error) {
        // A waiter rides out an outage (a restart, a failover) until its deadline.
        if (wait === 0 || !(error instanceof CacheXConnectionError)) throw error;
        first = { acquired: false, pttl: RETRY_MS.polling };
      }
      if (!first.acquired && wait === 0) this.host.counters.lockTimedOut();
      if (first.acquired || wait === 0) return first.acquired;
      return await this.waitFor(deadline, first.pttl, options.signal);
    } finally {
      if (this.state === 'acquiring') this.state = previous;
    }
  }

  /**
   * Releases the lock, if it still holds this object's token (another holder's lock is never
   * deleted), and wakes the waiters. Does nothing when the lock is not held (never acquired, or
   * released already).
   * @throws LockLostError when the lock was no longer held: its lease ran out, another holder
   * took it, or the server could not be reached (the lock then expires after its lease); also
   * when {@link Lock.signal} has aborted, even if the key was still there to delete
   * @example await lock.release();
   */
  async release(): Promise<void> {
    this.checkLease();
    if (this.state !== 'held' && this.state !== 'lost') return;
    const token = this.currentToken!;
    const lost = this.state === 'lost' ? this.lostError : undefined;
    this.state = 'released';
    this.stopTimers();
    let result: ReleaseResult;
    try {
      result = await this.run(RELEASE_LOCK, this.releaseKeys, [token]);
    } catch (error) {
      throw this.lose('unreachable', error);
    }
    if (result !== 'released') throw this.lose(result);
    // NOTE: the signal already told the work the lock was lost (it aborts a drift margin before
    // the lease ends, so the key may still be there): the caller must not be told otherwise.
    if (lost) throw lost;
  }

  /**
   * Extends the lease of the held lock: adds `by` to its remaining time.
   * @param by - **milliseconds** or a duration string; default: the lock's `lease`
   * @returns the new remaining lease, in **milliseconds**
   * @throws LockLostError when the lock is no longer held (nothing is extended)
   * @throws CacheXError when the lock was not acquired or is released
   * @throws CacheXConnectionError when the server cannot be reached (the lock may still be held
   * until its lease runs out)
   * @example await lock.extend('30s');
   */
  async extend(by: Duration = this.lease): Promise<number> {
    const ms = parseDuration(by);
    if (typeof ms === 'string') throw invalid(this.host, 'by', ms);
    if (ms < 1) throw invalid(this.host, 'by', 'must be at least 1 ms');
    this.checkLease();
    if (this.state === 'lost') throw this.lostError!;
    if (this.state !== 'held') {
      throw new CacheXError(MESSAGES.lockNotHeld(this.host.name, this.name));
    }
    const token = this.currentToken!;
    const started = Date.now();
    const result = await this.run(EXTEND_LOCK, [this.key], [token, ms, 'add']).catch(
      (error: unknown) => {
        throw this.host.mapError(error);
      },
    );
    if (!result.held) throw this.lose(result.reason);
    if (this.isCurrent(token)) this.leaseEndsIn(started, result.pttl);
    return result.pttl;
  }

  /** Releases the lock if held, for `await using`; throws as {@link Lock.release} does. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  /**
   * One run of the acquire script with a new token; on success the lock is held from the moment
   * the request left. `waitMs`: how much longer the caller waits if the lock is held (0: it does
   * not), for the waiters mark. When the reply was lost (the connection dropped after the request
   * was sent), runs it again with the same token: the script answers success when the first run
   * took the lock, so the lock is never left held for a whole lease by a caller told `false`.
   */
  private async attempt(waitMs: number): Promise<AcquireResult> {
    const token = randomUUID();
    const started = Date.now();
    const args = [token, this.lease, waitMs > 0 ? Math.ceil(waitMs) : 0];
    let result: AcquireResult;
    for (let run = 1; ; run++) {
      try {
        result = await this.run(ACQUIRE_LOCK, this.acquireKeys, args);
        break;
      } catch (error) {
        const mapped = this.host.mapError(error);
        if (!(mapped instanceof CommandOutcomeUnknownError) || run >= OUTCOME_UNKNOWN_RUNS) {
          throw mapped;
        }
      }
    }
    if (result.acquired) this.onAcquired(token, result.fencingToken, started);
    return result;
  }

  /**
   * Waits for the lock until `deadline`: wakes on a release notice, when the holder's lease
   * ends, or on a jittered timer (in case a notice was missed), and tries again each time.
   */
  private async waitFor(
    deadline: number,
    holderPttl: number,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const waiter = new Waiter();
    const untrack = trackWait(this.host.backend, () =>
      waiter.end(new CacheXError(MESSAGES.lockWaitClosed(this.host.name, this.name))),
    );
    const subscription = listenForRelease(this.host.backend, this.key, () => waiter.wake());
    let subscribed = false;
    const ready = subscription.ready.then((ok) => (subscribed = ok));
    try {
      // Try again once subscribed: a release between the first try and the subscription sent
      // its notice to nobody.
      await waiter.sleep(
        Math.min(holderPttl, RETRY_MS.subscribed, deadline - Date.now()),
        signal,
        ready,
      );
      for (;;) {
        let result: AcquireResult;
        let outage: CacheXConnectionError | undefined;
        try {
          result = await this.attempt(deadline - Date.now());
        } catch (error) {
          // The server is down or restarting: keep trying, briefly, until the deadline.
          if (!(error instanceof CacheXConnectionError)) throw error;
          outage = error;
          result = { acquired: false, pttl: RETRY_MS.polling };
        }
        if (result.acquired) return true;
        const remaining = deadline - Date.now();
        // Still unreachable at the deadline: whether the lock is free cannot be known.
        if (remaining <= 0) {
          if (outage) throw outage;
          this.host.counters.lockTimedOut();
          return false;
        }
        await waiter.sleep(Math.min(retryDelay(result.pttl, subscribed), remaining), signal);
      }
    } finally {
      subscription.stop();
      untrack();
    }
  }

  private onAcquired(token: string, fencingToken: number, started: number): void {
    // A new signal with each acquisition.
    if (this.currentToken !== undefined) this.controller = undefined;
    this.state = 'held';
    this.currentToken = token;
    this.currentFence = fencingToken;
    this.lostError = undefined;
    this.renewalError = undefined;
    this.host.counters.lockAcquired();
    this.leaseEndsIn(started, this.lease);
    if (this.autoExtend) this.scheduleRenewal();
  }

  /**
   * Notes when the lease ends, as this process sees it: counted from before the request left,
   * less a margin for timer and clock drift (1 % of the lease + 2 ms, as Redlock), so that the
   * signal aborts before the server lets another holder in.
   */
  private leaseEndsIn(started: number, pttl: number): void {
    this.expireAt(started + pttl - (Math.floor(this.lease / 100) + 2));
  }

  private expireAt(at: number): void {
    this.leaseEndsAt = at;
    if (this.controller || this.autoExtend) this.armLeaseTimer();
  }

  /** Aborts the signal when the lease ends (see {@link Lock.leaseEndsAt}). */
  private armLeaseTimer(): void {
    clearTimeout(this.leaseTimer);
    const delay = this.leaseEndsAt - Date.now();
    this.leaseTimer = setTimeout(() => {
      // Timers cap at about 24.8 days; a longer lease is waited out in steps.
      if (delay > MAX_TIMER_MS) this.armLeaseTimer();
      else this.leaseEnded();
    }, clamp(delay));
    this.leaseTimer.unref();
  }

  /** Notes a loss that no timer has reported yet: the lease ended while the lock was held. */
  private checkLease(): void {
    if (this.state === 'held' && Date.now() >= this.leaseEndsAt) this.leaseEnded();
  }

  private leaseEnded(): void {
    this.lose(this.renewalError || this.renewing ? 'unreachable' : 'expired', this.renewalError);
  }

  private scheduleRenewal(): void {
    this.renewTimer = setTimeout(() => void this.renew(), clamp(Math.floor(this.lease / 3)));
    this.renewTimer.unref();
  }

  /** The watchdog's tick: raises the remaining lease back to `lease` if still held. */
  private async renew(): Promise<void> {
    const token = this.currentToken!;
    if (!this.isCurrent(token)) return;
    const started = Date.now();
    this.renewing = true;
    try {
      const result = await this.run(EXTEND_LOCK, [this.key], [token, this.lease, 'renew']);
      if (!this.isCurrent(token)) return;
      if (!result.held) {
        this.lose(result.reason);
        return;
      }
      this.renewalError = undefined;
      this.leaseEndsIn(started, result.pttl);
    } catch (error) {
      // Keep trying: the server may be back before the lease runs out.
      if (!this.isCurrent(token)) return;
      this.renewalError = error;
    } finally {
      this.renewing = false;
    }
    this.scheduleRenewal();
  }

  private isCurrent(token: string): boolean {
    return this.state === 'held' && this.currentToken === token;
  }

  /**
   * Records that the lock is lost: stops the timers and aborts the signal (once). Returns the
   * error to throw.
   */
  private lose(reason: LockLostReason, cause?: unknown): LockLostError {
    const error = new LockLostError(
      MESSAGES.lockLost(this.host.name, this.name, reason, this.lease),
      this.host.name,
      this.name,
      reason,
      cause === undefined ? undefined : { cause: this.host.mapError(cause) },
    );
    if (this.state === 'held') this.state = 'lost';
    this.lostError = error;
    this.stopTimers();
    this.controller ??= new AbortController();
    if (!this.controller.signal.aborted) this.host.counters.lockLost();
    if (!this.controller.signal.aborted) this.controller.abort(error);
    return error;
  }

  private stopTimers(): void {
    clearTimeout(this.leaseTimer);
    clearTimeout(this.renewTimer);
    this.leaseTimer = this.renewTimer = undefined;
  }

  private run<R>(op: AtomicOp<R>, keys: readonly string[], args: OpArg[]): Promise<R> {
    return this.host.backend.run(op, keys, args);
  }
}

/**
 * How long a waiter sleeps before trying again, in ms. When the holder's lease ends sooner than
 * the usual interval, until then (plus jitter, so that waiters do not all try at once); otherwise
 * a jittered interval, long when release notices arrive, short when they cannot.
 */
function retryDelay(holderPttl: number, subscribed: boolean): number {
  const interval = subscribed ? RETRY_MS.subscribed : RETRY_MS.polling;
  if (holderPttl < interval) return Math.max(0, holderPttl) + Math.random() * RETRY_MS.jitter;
  return interval * (0.5 + Math.random() / 2);
}

/**
 * A waiter's sleep that a release notice cuts short. A notice that arrives while the waiter is
 * not sleeping (it is trying) makes the next sleep return at once. {@link Waiter.end} (the cache
 * closes) makes the current and every later sleep reject.
 */
class Waiter {
  private woken = false;
  private ended: unknown;
  private wakeSleeper: ((error?: unknown) => void) | undefined;

  wake(): void {
    if (this.wakeSleeper) this.wakeSleeper();
    else this.woken = true;
  }

  end(error: unknown): void {
    this.ended = error;
    this.wakeSleeper?.(error);
  }

  /** Sleeps up to `ms`, until woken, or until `until` settles; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal, until?: Promise<unknown>): Promise<void> {
    if (this.ended !== undefined) return Promise.reject(this.ended);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.wakeSleeper = undefined;
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = () => settle(signal!.reason);
      // NOTE: not unref()'d: a pending wait is work the caller awaits, and must keep a process
      // with nothing else to do alive until it ends (the wait is bounded; closing the cache
      // ends it at once).
      const timer = setTimeout(() => settle(), clamp(ms));
      this.wakeSleeper = settle;
      signal?.addEventListener('abort', onAbort, { once: true });
      until?.then(
        () => settle(),
        () => settle(),
      );
    });
  }
}

/**
 * Whether a key has a Redis Cluster hash tag (a `{` and, after it, a `}` with at least one byte
 * between them): then the key with a suffix (`:fence`, `:waiters`) hashes to the same slot.
 */
function hasHashTag(key: string): boolean {
  const open = key.indexOf('{');
  return open !== -1 && key.indexOf('}', open + 1) > open + 1;
}

function invalid(host: LockHost, argument: string, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(
    MESSAGES.invalidArgument(host.name, argument, problem),
    host.name,
    argument,
  );
}
