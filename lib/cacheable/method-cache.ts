import { Logger } from '@nestjs/common';
import type { CacheBackend, RawValue } from '../backends/backend.interface.js';
import { memoryNow } from '../backends/memory/memory.clock.js';
import { BUMP_VERSION } from '../cache/ops/key.ops.js';
import { MESSAGES } from '../cachex.messages.js';
import { CacheXConnectionError } from '../errors/connection.error.js';
import { SerializationError } from '../errors/serialization.error.js';
import type { CacheXError } from '../errors/cachex.error.js';
import type { OutageLog } from '../backends/outage-log.js';
import type { Lock } from '../lock/lock.js';
import type { LockOptions } from '../lock/lock-options.interface.js';
import type { CacheableStats, CacheLookupStatus } from './cacheable-options.interface.js';
import type { ResolvedCaching } from './cacheable.config.js';

/**
 * The first element of a stored entry: entries of method caching are a 5-tuple
 * `['~cx1', freshUntil, computeMs, tagVersions, value]`, encoded by the cache's serializer:
 * - `freshUntil`: epoch **ms** (the writer's clock) until which the value is fresh; `0` = forever;
 * - `computeMs`: how long the computation took, for early refresh;
 * - `tagVersions`: the versions of the entry's tags when the computation started (a tag
 *   invalidated since then makes the entry a miss);
 * - `value`: the result.
 * The key's TTL on the server is the fresh TTL plus the longest grace period, so that stale
 * values stay readable for `staleWhileRevalidate` / `staleIfError`.
 */
const ENVELOPE = '~cx1';

type Envelope = [typeof ENVELOPE, number, number, number[], unknown];

/** @internal What `MethodCache` needs of its cache. */
export interface MethodCacheHost {
  readonly name: string;
  readonly backend: CacheBackend;
  readonly defaultTtl: number | null;
  /** The full key of a user key; throws `InvalidArgumentError`. */
  fullKey(key: string): string;
  /** The full key of a tag's version counter (the namespace counter of the same name). */
  tagKey(tag: string): string;
  encode(value: unknown, key: string): RawValue;
  decode(raw: RawValue, key: string): unknown;
  /**
   * The decoded value at a full key (`undefined` for a miss), synchronously, from a backend that
   * keeps values decoded (the memory backend); absent for other backends.
   */
  readonly readDecoded?: (full: string) => unknown;
  lock(name: string, options: LockOptions): Lock;
  mapError(error: unknown, key?: string): CacheXError;
  /** The cache's outage log: an outage is logged once, whoever notices it. */
  readonly outage: OutageLog;
}

/** What a cached call answered. */
export interface CacheLookup<T> {
  value: T;
  status: CacheLookupStatus;
  /** Epoch **ms** until which the answered value is fresh; `null` = forever or not stored. */
  freshUntil: number | null;
}

/** A lookup in flight, and how it answered once settled (for the calls that share it). */
interface Flight {
  promise: Promise<unknown>;
  status: CacheLookupStatus;
  freshUntil: number | null;
  value?: unknown;
  /**
   * 0 while it runs; once settled, the {@link MethodCache.settles} count it settled at, while
   * reads that started before may still join it (see {@link MethodCache.fetch}).
   */
  settled: number;
}

interface Entry {
  value: unknown;
  freshUntil: number;
  computeMs: number;
}

/** One read: the entry if usable, and the current versions of the tags asked for. */
interface Read {
  entry: Entry | undefined;
  versions: number[];
  failed: boolean;
}

const NO_VERSIONS: number[] = [];

/** What a read that could not reach the server answers, in place of the server's reply. */
const FAILED: unique symbol = Symbol('cachex:read-failed');

/** What the server answered for a read ({@link MethodCache.request}), or {@link FAILED}. */
type Reply = RawValue | ReadonlyArray<RawValue | undefined> | undefined | typeof FAILED;

/** A tag's version from its counter's raw value, as the memory backend keeps it decoded. */
const versionOf = (raw: RawValue): number => Number(raw.toString());

/** What {@link MethodCache.freshAtHand} answers when it has no fresh value at hand. */
export const NOT_AT_HAND: unique symbol = Symbol('cachex:not-at-hand');
const NO_TAGS: readonly string[] = [];

/**
 * @internal The engine of `@Cacheable`, `@CachePut`, `cache.wrap()` and the HTTP response cache
 * of one cache: envelopes, tags, single flight in the process and across processes, stale
 * values, early refresh, and failing open when the server cannot be reached.
 */
export class MethodCache {
  /** Lookups in flight by full key: concurrent calls for one key share one read and one run. */
  private readonly inflight = new Map<string, Flight>();
  /** Reads of {@link fetch} awaiting the server. */
  private reading = 0;
  /** How many flights have settled while reads were awaiting the server. */
  private settles = 0;
  /**
   * The reads awaiting the server by the {@link settles} count they started at: `readsSince[i]`
   * reads started at `sinceBase + i`; the last element counts the reads starting now.
   */
  private readsSince: number[] = [0];
  private sinceBase = 0;
  /**
   * Settled flights kept in {@link inflight} (in the order they settled) while a read that
   * started before they settled awaits the server: that read joins one of its key.
   */
  private lingering: Array<{ full: string; flight: Flight }> = [];
  /** Full keys being refreshed in the background, so that a key has one refresh at a time. */
  private readonly refreshing = new Set<string>();
  /** The counter keys of fixed tag lists (see {@link tagKeys}). */
  private readonly fixedTagKeys = new WeakMap<readonly string[], readonly string[]>();
  private readonly logger: Logger;
  /** Set on shutdown: background refreshes still running then fail quietly. */
  private closed = false;
  readonly stats: CacheableStats = {
    hits: 0,
    misses: 0,
    staleServed: 0,
    refreshes: 0,
    evictions: 0,
    errors: 0,
  };

  constructor(private readonly host: MethodCacheHost) {
    this.logger = new Logger(`CacheX:${host.name}`);
  }

  /**
   * The cached value of `key`, or `compute()`'s result (stored unless `options` exclude it).
   * Concurrent calls for one key in this process run `compute` once. The hot path of
   * `@Cacheable` and `cache.wrap()`: a hit is one promise, no answer object, and (on a server)
   * no entry in {@link inflight}: see {@link fetch}.
   */
  value<T>(
    key: string,
    tags: readonly string[],
    compute: () => T | Promise<T>,
    options: ResolvedCaching<T>,
    full = this.host.fullKey(key),
  ): Promise<T> {
    // A call that shares a lookup is served by it: counted as what it answered.
    if (this.inflight.size > 0) {
      const pending = this.inflight.get(full);
      if (pending !== undefined && pending.settled === 0) return this.join(pending) as Promise<T>;
    }
    if (this.host.readDecoded !== undefined)
      return this.start(key, full, tags, compute, options).promise as Promise<T>;
    return this.fetch(key, full, this.tagKeys(tags), compute, options);
  }

  /**
   * A lookup on a server: the read first, shared with no one, so that a hit costs no
   * {@link inflight} entry (a `Map` write and delete cost more than the rest of a hit); the
   * first read that does not find a fresh value starts the flight that computes it, and the
   * other calls join it. A read that started before a flight of its key settled joins it too
   * (the flight lingers until no read is awaiting the server): a call made while the method
   * runs never runs it again, as when every call joined at once.
   */
  private async fetch<T>(
    key: string,
    full: string,
    tagKeys: readonly string[],
    compute: () => T | Promise<T>,
    options: ResolvedCaching<T>,
  ): Promise<T> {
    const since = this.settles;
    let read: Read;
    let pending: Flight | undefined;
    this.reading++;
    this.readsSince[this.readsSince.length - 1]!++;
    try {
      // NOTE: `read()`'s body, inlined: calling it would add an async frame (a promise) to
      // every hit on a server, the path this method exists to keep cheap.
      let reply: Reply;
      try {
        reply = await this.request(full, tagKeys);
        this.recovered();
      } catch (error) {
        this.failed(error, key);
        reply = FAILED;
      }
      read = this.readOf(key, tagKeys, reply);
      const { entry } = read;
      const now = entry === undefined || entry.freshUntil === 0 ? 0 : Date.now();
      if (entry !== undefined && (entry.freshUntil === 0 || now < entry.freshUntil)) {
        this.stats.hits++;
        if (options.early !== undefined && refreshEarly(entry, now, this.ttlOf(options), options))
          this.refresh(key, full, read.versions, compute, options);
        return entry.value as T;
      }
      pending = this.inflight.size > 0 ? this.inflight.get(full) : undefined;
      if (pending !== undefined && pending.settled !== 0 && pending.settled <= since)
        pending = undefined;
    } finally {
      this.readDone(since);
    }
    if (pending !== undefined) return (await this.join(pending)) as T;
    const flight: Flight = { promise: undefined!, status: 'miss', freshUntil: null, settled: 0 };
    this.inflight.set(full, flight);
    // NOTE: `promise` is set after `conclude`, which may land the flight at once (a stale value):
    // nothing runs in between that could join it.
    let concluded: T | Promise<T>;
    try {
      concluded = this.conclude(key, full, tagKeys, compute, options, read, flight);
    } catch (error) {
      concluded = Promise.reject(error as Error);
    }
    flight.promise = Promise.resolve(concluded);
    return flight.promise as Promise<T>;
  }

  /**
   * Ends a read of {@link fetch} that started at `since`, and lets go of the settled flights no
   * read awaiting the server started before (so that none lingers under constant load).
   */
  private readDone(since: number): void {
    this.reading--;
    const counts = this.readsSince;
    counts[since - this.sinceBase]!--;
    if (this.lingering.length === 0 || counts[0] !== 0) return;
    while (counts.length > 1 && counts[0] === 0) {
      counts.shift();
      this.sinceBase++;
    }
    // The oldest read awaiting the server started at `sinceBase` (or none awaits, if
    // `counts[0]` is 0 still): the flights settled by then are no longer needed.
    const oldest = counts[0] === 0 ? Infinity : this.sinceBase;
    let gone = 0;
    for (const { full, flight } of this.lingering) {
      if (flight.settled > oldest) break;
      if (this.inflight.get(full) === flight) this.inflight.delete(full);
      gone++;
    }
    this.lingering.splice(0, gone);
  }

  /** Removes a settled flight, or keeps it for the reads awaiting the server (see {@link fetch}). */
  private land(full: string, flight: Flight): void {
    if (this.inflight.get(full) !== flight) return;
    if (this.reading === 0) {
      this.inflight.delete(full);
      return;
    }
    flight.settled = ++this.settles;
    // Reads from now on start at the new count.
    this.readsSince.push(0);
    this.lingering.push({ full, flight });
  }

  /** A call served by another call's lookup. */
  private join(flight: Flight): Promise<unknown> {
    return flight.promise.then(() => this.joined(flight));
  }

  /** As {@link value}, with how the value was answered (for the HTTP response cache). */
  async lookup<T>(
    key: string,
    tags: readonly string[],
    compute: () => T | Promise<T>,
    options: ResolvedCaching<T>,
  ): Promise<CacheLookup<T>> {
    const full = this.host.fullKey(key);
    let pending = this.inflight.size > 0 ? this.inflight.get(full) : undefined;
    if (pending !== undefined && pending.settled !== 0) pending = undefined;
    const flight = pending ?? this.start(key, full, tags, compute, options);
    const value = (await flight.promise) as T;
    if (pending !== undefined) this.joined(pending);
    return { value, status: flight.status, freshUntil: flight.freshUntil };
  }

  private start<T>(
    key: string,
    full: string,
    tags: readonly string[],
    compute: () => T | Promise<T>,
    options: ResolvedCaching<T>,
  ): Flight {
    const flight: Flight = { promise: undefined!, status: 'miss', freshUntil: null, settled: 0 };
    // `run` removes it when it settles; it always awaits first, so after this `set`.
    flight.promise = this.run(key, full, this.tagKeys(tags), compute, options, flight);
    this.inflight.set(full, flight);
    return flight;
  }

  /** Counts a call served by another call's lookup as what that lookup answered. */
  private joined(flight: Flight): unknown {
    this.stats[
      flight.status === 'hit' ? 'hits' : flight.status === 'miss' ? 'misses' : 'staleServed'
    ]++;
    return flight.value;
  }

  /**
   * A fresh hit served synchronously, for a backend that keeps values decoded in the process
   * (the memory backend): no promise, no shared lookup; a tagged entry's versions are read the
   * same way, one in-process read per tag. Answers {@link NOT_AT_HAND} for anything else (a miss,
   * a stale value, an early refresh due, a lookup in flight, a failed read), which
   * {@link lookup} then handles in full.
   */
  freshAtHand<T>(
    key: string,
    tags: readonly string[],
    options: ResolvedCaching<T>,
    full?: string,
  ): unknown {
    const { readDecoded } = this.host;
    if (readDecoded === undefined || options.early !== undefined) return NOT_AT_HAND;
    full ??= this.host.fullKey(key);
    if (this.inflight.size > 0 && this.inflight.get(full)?.settled === 0) return NOT_AT_HAND;
    let stored: unknown;
    try {
      stored = readDecoded(full);
    } catch {
      return NOT_AT_HAND;
    }
    // The envelope is checked in place: no entry object for a hit.
    if (!isEnvelope(stored)) {
      // A value written by `cache.set()` is fresh, but proves no tag versions.
      if (stored === undefined || tags.length > 0) return NOT_AT_HAND;
      this.stats.hits++;
      return stored;
    }
    const freshUntil = stored[1];
    // The in-process backend's own clock (one reading per event-loop turn), which its expiry
    // reads too: `Date.now()` costs as much as the rest of a hit.
    if (freshUntil !== 0 && memoryNow() >= freshUntil) return NOT_AT_HAND;
    if (tags.length > 0 && !this.currentAtHand(stored[3], this.tagKeys(tags))) return NOT_AT_HAND;
    this.stats.hits++;
    return stored[4];
  }

  /**
   * The full key of `key` in this cache.
   * @throws InvalidArgumentError for a key that is not a well-formed string
   */
  fullKey(key: string): string {
    return this.host.fullKey(key);
  }

  /** Runs `compute()` and stores its result (for `@CachePut`); the write's failure is logged. */
  async put<T>(
    key: string,
    tags: readonly string[],
    compute: () => T | Promise<T>,
    options: ResolvedCaching<T>,
  ): Promise<T> {
    const full = this.host.fullKey(key);
    const tagKeys = this.tagKeys(tags);
    // The versions are read first, so that an invalidation during the run wins over this write.
    let versions = NO_VERSIONS;
    if (tagKeys.length > 0 && this.host.readDecoded !== undefined) {
      versions = this.versionsAtHand(tagKeys);
    } else if (tagKeys.length > 0) {
      try {
        versions = parseVersions(await this.host.backend.getMany(tagKeys), 0);
        this.recovered();
      } catch (error) {
        this.failed(error, key);
        return compute();
      }
    }
    const started = Date.now();
    const value = await compute();
    await this.store(key, full, value, versions, Date.now() - started, options);
    return value;
  }

  /** Bumps the version of each tag: every entry stored with one of them becomes a miss. */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    const { backend } = this.host;
    await Promise.all(
      tags.map((tag) =>
        backend.run(BUMP_VERSION, [this.host.tagKey(tag)], []).catch((error: unknown) => {
          throw this.host.mapError(error, tag);
        }),
      ),
    );
  }

  /** Logs a failed eviction (method caching fails open: the caller is not failed by it). */
  evictionFailed(error: unknown, what: string): void {
    this.failed(error, what);
  }

  /**
   * Reads and answers a lookup in one async step (a hit awaits the server once, nothing more),
   * notes in `flight` how it answered, and removes it from {@link inflight} when it settles.
   */
  private async run<T>(
    key: string,
    full: string,
    tagKeys: readonly string[],
    compute: () => T | Promise<T>,
    options: ResolvedCaching<T>,
    flight: Flight,
  ): Promise<T> {
    let read: Read;
    try {
      if (this.host.readDecoded !== undefined) {
        // Still a promise step first: the caller registers this lookup after it is made.
        await undefined;
        read = this.readAtHand(key, full, tagKeys);
      } else {
        read = await this.read(key, full, tagKeys);
      }
    } catch (error) {
      this.land(full, flight);
      throw error;
    }
    return this.conclude(key, full, tagKeys, compute, options, read, flight);
  }

  /**
   * Answers a read for the calls of `flight` (fresh, stale, or computed), notes in `flight` how
   * it answered, and lands it when it settles. `flight` is in {@link inflight} already. A hit or
   * a stale value is answered at once: no promise step.
   */
  private conclude<T>(
    key: string,
    full: string,
    tagKeys: readonly string[],
    compute: () => T | Promise<T>,
    options: ResolvedCaching<T>,
    read: Read,
    flight: Flight,
  ): T | Promise<T> {
    let answered: CacheLookup<T> | Promise<CacheLookup<T>>;
    try {
      answered = this.answer(key, full, tagKeys, compute, options, read);
    } catch (error) {
      this.land(full, flight);
      throw error;
    }
    if (answered instanceof Promise) return this.concludeLater(full, answered, flight);
    return this.noted(full, answered, flight);
  }

  private async concludeLater<T>(
    full: string,
    answered: Promise<CacheLookup<T>>,
    flight: Flight,
  ): Promise<T> {
    let result: CacheLookup<T>;
    try {
      result = await answered;
    } catch (error) {
      this.land(full, flight);
      throw error;
    }
    return this.noted(full, result, flight);
  }

  /** Notes in `flight` how it answered, for the calls that joined it, and lands it. */
  private noted<T>(full: string, result: CacheLookup<T>, flight: Flight): T {
    flight.status = result.status;
    flight.freshUntil = result.freshUntil;
    flight.value = result.value;
    this.land(full, flight);
    return result.value;
  }

  /** Serves a read entry (fresh or stale) as it is, or computes the value. */
  private answer<T>(
    key: string,
    full: string,
    tagKeys: readonly string[],
    compute: () => T | Promise<T>,
    options: ResolvedCaching<T>,
    read: Read,
  ): CacheLookup<T> | Promise<CacheLookup<T>> {
    const { entry } = read;
    const now = Date.now();
    if (entry !== undefined) {
      if (entry.freshUntil === 0 || now < entry.freshUntil) {
        this.stats.hits++;
        if (options.early !== undefined && refreshEarly(entry, now, this.ttlOf(options), options))
          this.refresh(key, full, read.versions, compute, options);
        return { value: entry.value as T, status: 'hit', freshUntil: nullIfZero(entry.freshUntil) };
      }
      if (now < entry.freshUntil + options.staleWhileRevalidate) {
        this.stats.staleServed++;
        this.refresh(key, full, read.versions, compute, options);
        return { value: entry.value as T, status: 'stale', freshUntil: entry.freshUntil };
      }
    }
    const stale =
      entry !== undefined && now < entry.freshUntil + options.staleIfError ? entry : undefined;
    return this.miss(key, full, tagKeys, compute, options, read, stale);
  }

  /** Computes a value nothing fresh was found for; `stale` may stand in for it. */
  private async miss<T>(
    key: string,
    full: string,
    tagKeys: readonly string[],
    compute: () => T | Promise<T>,
    options: ResolvedCaching<T>,
    read: Read,
    stale: Entry | undefined,
  ): Promise<CacheLookup<T>> {
    const work = read.failed
      ? // The server is unreachable: compute, and do not wait for a lock it cannot give.
        this.computeAndStore(key, full, read.versions, compute, options)
      : this.computeOnce(key, full, tagKeys, read.versions, compute, options);
    const result =
      stale === undefined ? await work : await this.withStaleFallback(key, work, stale, options);
    // A waiter of another process's computation may find its result: a hit after all.
    if (result.status === 'hit') this.stats.hits++;
    else if (result.status === 'miss') this.stats.misses++;
    return result;
  }

  /** Serves `stale` when the computation throws (with `staleIfError`) or exceeds `timeout`. */
  private async withStaleFallback<T>(
    key: string,
    work: Promise<CacheLookup<T>>,
    stale: Entry,
    options: ResolvedCaching<T>,
  ): Promise<CacheLookup<T>> {
    const served: CacheLookup<T> = {
      value: stale.value as T,
      status: 'stale',
      freshUntil: stale.freshUntil,
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut =
      options.timeout === undefined
        ? undefined
        : new Promise<'timeout'>((resolve) => {
            timer = setTimeout(() => resolve('timeout'), options.timeout);
          });
    try {
      const first = await (timedOut ? Promise.race([work, timedOut]) : work);
      if (first !== 'timeout') return first;
      this.stats.staleServed++;
      this.stats.refreshes++;
      // The computation goes on and refreshes the entry; its failure is only logged.
      work.catch((error: unknown) =>
        this.logger.warn(MESSAGES.refreshFailed(this.host.name, key, error)),
      );
      return served;
    } catch (error) {
      if (options.staleIfError === 0) throw error;
      this.logger.warn(MESSAGES.staleOnError(this.host.name, key, error));
      this.stats.staleServed++;
      return served;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Computes a missing value, once across processes when `lock` is on: the process that gets
   * the key's lock computes; the others wait for its release and read what it stored.
   */
  private async computeOnce<T>(
    key: string,
    full: string,
    tagKeys: readonly string[],
    versions: number[],
    compute: () => T | Promise<T>,
    options: ResolvedCaching<T>,
  ): Promise<CacheLookup<T>> {
    if (options.lock === undefined)
      return this.computeAndStore(key, full, versions, compute, options);
    let lock: Lock;
    let acquired: boolean;
    try {
      lock = this.host.lock(lockName(key), { lease: options.lock.lease });
      acquired = await lock.acquire({ wait: 0 });
      if (!acquired && (await lock.acquire({ wait: options.lock.wait }))) {
        // Another process held the key: it has most likely stored the value by now.
        const again = await this.read(key, full, tagKeys);
        const entry = again.entry;
        if (entry !== undefined && (entry.freshUntil === 0 || Date.now() < entry.freshUntil)) {
          await lock.release().catch(() => undefined);
          return {
            value: entry.value as T,
            status: 'hit',
            freshUntil: nullIfZero(entry.freshUntil),
          };
        }
        versions = again.versions;
        acquired = true;
      }
    } catch (error) {
      // The lock cannot be had (the server failed): compute without it.
      this.failed(error, key);
      return this.computeAndStore(key, full, versions, compute, options);
    }
    if (!acquired) return this.computeAndStore(key, full, versions, compute, options);
    try {
      return await this.computeAndStore(key, full, versions, compute, options);
    } finally {
      // NOTE: a lock lost meanwhile changes nothing for the caller: the value is computed.
      await lock.release().catch(() => undefined);
    }
  }

  private async computeAndStore<T>(
    key: string,
    full: string,
    versions: number[],
    compute: () => T | Promise<T>,
    options: ResolvedCaching<T>,
  ): Promise<CacheLookup<T>> {
    const started = Date.now();
    const value = await compute();
    const freshUntil = await this.store(key, full, value, versions, Date.now() - started, options);
    return { value, status: 'miss', freshUntil };
  }

  /** One background refresh per key at a time; its failure is logged, never thrown. */
  private refresh<T>(
    key: string,
    full: string,
    versions: number[],
    compute: () => T | Promise<T>,
    options: ResolvedCaching<T>,
  ): void {
    if (this.refreshing.has(full)) return;
    this.refreshing.add(full);
    this.stats.refreshes++;
    void this.refreshOnce(key, full, versions, compute, options)
      .catch((error: unknown) =>
        this.logger.warn(MESSAGES.refreshFailed(this.host.name, key, error)),
      )
      .finally(() => this.refreshing.delete(full));
  }

  private async refreshOnce<T>(
    key: string,
    full: string,
    versions: number[],
    compute: () => T | Promise<T>,
    options: ResolvedCaching<T>,
  ): Promise<void> {
    if (options.lock === undefined) {
      await this.computeAndStore(key, full, versions, compute, options);
      return;
    }
    // Across processes, one refresh: a process that cannot get the lock at once leaves it to
    // the holder.
    const lock = this.host.lock(lockName(key), { lease: options.lock.lease });
    if (!(await lock.acquire({ wait: 0 }))) return;
    try {
      await this.computeAndStore(key, full, versions, compute, options);
    } finally {
      await lock.release().catch(() => undefined);
    }
  }

  /** Reads the entry and its tags' versions from an in-process backend; a failure reads as a miss. */
  private readAtHand(key: string, full: string, tagKeys: readonly string[]): Read {
    let stored: unknown;
    try {
      stored = this.host.readDecoded!(full);
    } catch (error) {
      this.failed(error, key);
      return { entry: undefined, versions: NO_VERSIONS, failed: false };
    }
    const versions = tagKeys.length === 0 ? NO_VERSIONS : this.versionsAtHand(tagKeys);
    return { entry: entryOf(stored, tagKeys.length > 0, versions), versions, failed: false };
  }

  /**
   * The read of what the server answered for the entry (`GET`) or the entry and its tags'
   * versions (one `MGET`); {@link FAILED} when it could not be reached.
   */
  private readOf(key: string, tagKeys: readonly string[], reply: Reply): Read {
    if (reply === FAILED) return { entry: undefined, versions: NO_VERSIONS, failed: true };
    let raw: RawValue | undefined;
    let versions = NO_VERSIONS;
    if (tagKeys.length === 0) {
      raw = reply as RawValue | undefined;
    } else {
      const list = reply as ReadonlyArray<RawValue | undefined>;
      raw = list[0];
      versions = parseVersions(list, 1);
    }
    if (raw === undefined) return { entry: undefined, versions, failed: false };
    let stored: unknown;
    try {
      stored = this.host.decode(raw, key);
    } catch (error) {
      // An entry that cannot be read (written under another serializer, say) is recomputed.
      this.failed(error, key);
      return { entry: undefined, versions, failed: false };
    }
    return { entry: entryOf(stored, tagKeys.length > 0, versions), versions, failed: false };
  }

  /** Reads the entry and its tags' versions in one round trip; a failure reads as a miss. */
  private async read(key: string, full: string, tagKeys: readonly string[]): Promise<Read> {
    if (this.host.readDecoded !== undefined) return this.readAtHand(key, full, tagKeys);
    let reply: Reply;
    try {
      reply = await this.request(full, tagKeys);
      this.recovered();
    } catch (error) {
      this.failed(error, key);
      reply = FAILED;
    }
    return this.readOf(key, tagKeys, reply);
  }

  /** The server's read of an entry: `GET`, or one `MGET` of the entry and its tags' counters. */
  private request(
    full: string,
    tagKeys: readonly string[],
  ): Promise<RawValue | ReadonlyArray<RawValue | undefined> | undefined> {
    const { backend } = this.host;
    return tagKeys.length === 0 ? backend.get(full) : backend.getMany([full, ...tagKeys]);
  }

  /**
   * The current versions of tags on an in-process backend, read synchronously and decoded once
   * per counter value (the backend keeps the decoded number). A counter of another type reads as
   * missing, as `MGET` answers it.
   */
  private versionsAtHand(tagKeys: readonly string[]): number[] {
    const { backend } = this.host;
    const versions: number[] = [];
    for (const tagKey of tagKeys) {
      let version: unknown;
      try {
        version = backend.readDecoded!(tagKey, versionOf);
      } catch {
        version = undefined;
      }
      versions.push(version === undefined ? 1 : (version as number));
    }
    return versions;
  }

  /** Whether an entry's stamped versions are its tags' current ones, read in place (no list). */
  private currentAtHand(stamped: unknown, tagKeys: readonly string[]): boolean {
    if (!Array.isArray(stamped) || stamped.length !== tagKeys.length) return false;
    const { backend } = this.host;
    for (let i = 0; i < tagKeys.length; i++) {
      let version: unknown;
      try {
        version = backend.readDecoded!(tagKeys[i]!, versionOf);
      } catch {
        version = undefined;
      }
      if (stamped[i] !== (version === undefined ? 1 : version)) return false;
    }
    return true;
  }

  /**
   * The counter keys of a call's tags. A frozen list (a decorator's fixed `tags`) is mapped once
   * and remembered; a list made per call is mapped per call.
   */
  private tagKeys(tags: readonly string[]): readonly string[] {
    if (tags.length === 0) return NO_TAGS;
    if (!Object.isFrozen(tags)) return tags.map((tag) => this.host.tagKey(tag));
    let keys = this.fixedTagKeys.get(tags);
    if (keys === undefined) {
      keys = Object.freeze(tags.map((tag) => this.host.tagKey(tag)));
      this.fixedTagKeys.set(tags, keys);
    }
    return keys;
  }

  /**
   * Stores a computed value unless the options exclude it; a write that fails is logged and
   * dropped. Resolves to the value's `freshUntil` (`null` when not stored or without expiry).
   * @throws SerializationError when the value cannot be encoded (a bug to fix, not an outage)
   */
  private async store<T>(
    key: string,
    full: string,
    value: T,
    versions: number[],
    computeMs: number,
    options: ResolvedCaching<T>,
  ): Promise<number | null> {
    if (value === undefined || (value === null && !options.cacheNullish)) return null;
    if (options.unless !== undefined && options.unless(value)) return null;
    const ttl = this.ttlOf(options);
    const freshUntil = ttl === null ? 0 : Date.now() + ttl;
    const envelope: Envelope = [ENVELOPE, freshUntil, computeMs, versions, value];
    const raw = this.host.encode(envelope, key);
    const serverTtl = ttl === null ? null : ttl + options.keepStale;
    try {
      await this.host.backend.set(full, raw, { ttl: serverTtl });
      this.recovered();
    } catch (error) {
      this.failed(error, key);
      return null;
    }
    return nullIfZero(freshUntil);
  }

  private ttlOf(options: Pick<ResolvedCaching, 'ttl'>): number | null {
    return options.ttl === undefined ? this.host.defaultTtl : options.ttl;
  }

  /** Stops logging: the cache is closing, and refreshes still running may fail to write. */
  close(): void {
    this.closed = true;
  }

  /** Counts a failed cache operation and logs the first of an outage. */
  private failed(error: unknown, key: string): void {
    this.stats.errors++;
    if (this.closed) return;
    const mapped = error instanceof SerializationError ? error : this.host.mapError(error, key);
    if (!(mapped instanceof CacheXConnectionError)) {
      this.logger.warn(MESSAGES.cacheableBypassed(this.host.name, key, mapped.message));
      return;
    }
    this.host.outage.failed(MESSAGES.cacheableDown(this.host.name, mapped.message));
  }

  private recovered(): void {
    this.host.outage.recovered();
  }
}

/** The lock that makes one process compute a key (under the cache's prefix, like every lock). */
function lockName(key: string): string {
  return `cacheable:${key}`;
}

/**
 * The usable entry of a stored value: an envelope whose tag versions are current, or a value
 * written by `cache.set()` (fresh, but it proves no tag versions: a miss for a tagged read).
 */
function entryOf(stored: unknown, tagged: boolean, versions: readonly number[]): Entry | undefined {
  if (stored === undefined) return undefined;
  if (!isEnvelope(stored))
    return tagged ? undefined : { value: stored, freshUntil: 0, computeMs: 0 };
  const [, freshUntil, computeMs, stamped, value] = stored;
  return sameVersions(stamped, versions) ? { value, freshUntil, computeMs } : undefined;
}

function isEnvelope(value: unknown): value is Envelope {
  return Array.isArray(value) && value.length === 5 && value[0] === ENVELOPE;
}

/** Tag versions from raw counters (a missing counter is version 1, as `namespaceVersion`). */
function parseVersions(raws: ReadonlyArray<RawValue | undefined>, from: number): number[] {
  const versions: number[] = [];
  for (let i = from; i < raws.length; i++) {
    const raw = raws[i];
    versions.push(raw === undefined ? 1 : Number(raw.toString()));
  }
  return versions;
}

function sameVersions(stamped: unknown, current: readonly number[]): boolean {
  if (!Array.isArray(stamped) || stamped.length !== current.length) return false;
  for (let i = 0; i < current.length; i++) if (stamped[i] !== current[i]) return false;
  return true;
}

/**
 * Whether a fresh entry's read should refresh it now: past a fixed fraction of its TTL, or by
 * XFetch (Vattani et al., "Optimal Probabilistic Cache Stampede Prevention"):
 * `now - computeMs · β · ln(random) ≥ expiry`.
 */
function refreshEarly<T>(
  entry: Entry,
  now: number,
  ttl: number | null,
  options: ResolvedCaching<T>,
): boolean {
  if (entry.freshUntil === 0 || ttl === null) return false;
  const early = options.early!;
  if ('fraction' in early) return now >= entry.freshUntil - ttl * (1 - early.fraction);
  const gap = -Math.max(entry.computeMs, 1) * early.beta * Math.log(Math.random());
  return now + gap >= entry.freshUntil;
}

function nullIfZero(freshUntil: number): number | null {
  return freshUntil === 0 ? null : freshUntil;
}
