import type { CacheBackend, RawValue } from '../backends/backend.interface.js';
import { MESSAGES } from '../cachex.messages.js';
import type { ValueCodec } from '../codecs/value-codec.js';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { KeyNotFoundError } from '../errors/key-not-found.error.js';
import { SerializationError } from '../errors/serialization.error.js';
import { describe, parseDuration, type Duration } from '../utils/duration.js';
import type {
  CacheKeyOptions,
  CacheScanOptions,
  CacheSetOptions,
  CacheWriteOptions,
} from './cache-options.interface.js';
import type { KeyBuilder } from '../keys/key-builder.js';
import { mapBackendError } from './map-error.js';
import { createLock, type Lock, type LockHost } from '../lock/lock.js';
import type { LockOptions, WithLockOptions } from '../lock/lock-options.interface.js';
import { closeReleaseNotices } from '../lock/release-notices.js';
import { runWithLock } from '../lock/with-lock.js';

/** What a {@link CacheService} is made of; built by the registry from a cache's configuration. */
export interface CacheParts {
  name: string;
  /** Default TTL in ms; `null` = no expiry. */
  ttl: number | null;
  keys: KeyBuilder;
  codec: ValueCodec;
  backend: CacheBackend;
}

const SCAN_COUNT = 250;
const DELETE_PATTERN_COUNT = 1000;

/**
 * One named cache. Inject the `default` cache by class (`constructor(cache: CacheService)`) and
 * the others with `@InjectCache('name')`. Every method applies the cache's key prefix and version,
 * encodes values (JSON by default), and behaves the same on every backend. A miss reads as
 * `undefined`, so `null` is a cacheable value. Durations are **milliseconds** or strings such as
 * `'30s'`.
 *
 * Errors: `InvalidArgumentError` for bad arguments (nothing touched), `SerializationError` for a
 * value that cannot be encoded (nothing written) or decoded, `WrongTypeError` for a key of the
 * wrong type, `CacheXConnectionError` when the server cannot be reached.
 */
export class CacheService {
  /** The cache's name (`'default'`, `'sessions'`, …). */
  readonly name: string;
  /** The default time to live in **milliseconds**; `null` = entries never expire. */
  readonly defaultTtl: number | null;
  /** @internal The backend, for the library's features (locks, rate limits). */
  readonly backend: CacheBackend;
  /** @internal The key builder, for the library's features. */
  readonly keyBuilder: KeyBuilder;
  private readonly codec: ValueCodec;
  /** Loads in flight, by full key, so that concurrent `getOrSet` calls run one factory. */
  private readonly loading = new Map<string, Promise<unknown>>();

  /** @internal Built by `CacheRegistry`; applications inject caches instead. */
  constructor(parts: CacheParts) {
    this.name = parts.name;
    this.defaultTtl = parts.ttl;
    this.backend = parts.backend;
    this.keyBuilder = parts.keys;
    this.codec = parts.codec;
  }

  /** Which backend the cache runs on. */
  get kind(): CacheBackend['kind'] {
    return this.backend.kind;
  }

  /**
   * Reads a value.
   * @returns the value, or `undefined` on a miss
   * @example const user = await cache.get<User>('user:42');
   */
  async get<T = unknown>(key: string, options?: CacheKeyOptions): Promise<T | undefined> {
    const full = this.fullKey(key, options);
    const raw = await this.backend.get(full).catch((e) => this.fail(e, key));
    return raw === undefined ? undefined : (this.decode(raw, key) as T);
  }

  /**
   * Writes a value, with the cache's default TTL unless `ttl` says otherwise.
   * @returns whether the value was written (`false` when `nx` or `xx` prevented it)
   * @throws SerializationError when the value cannot be encoded; nothing is written
   * @example await cache.set('user:42', user, { ttl: '1h' });
   */
  async set(key: string, value: unknown, options?: CacheSetOptions): Promise<boolean> {
    const full = this.fullKey(key, options);
    const ttl = this.resolveTtl(options?.ttl);
    if (options?.nx && options.xx) throw this.invalid('options', 'cannot have both `nx` and `xx`');
    const condition = options?.nx ? 'nx' : options?.xx ? 'xx' : undefined;
    const raw = this.encode(value, key);
    return this.backend.set(full, raw, { ttl, condition }).catch((e) => this.fail(e, key));
  }

  /**
   * Writes a value only if the key does not exist yet.
   * @param ttl - **milliseconds** or a duration string; `null` = never expires; default: the cache's TTL
   * @returns whether the value was written
   * @example if (await cache.add('welcome-mail:42', true, '1d')) await sendWelcomeMail();
   */
  async add(key: string, value: unknown, ttl?: Duration | null): Promise<boolean> {
    return this.set(key, value, { ttl, nx: true });
  }

  /**
   * Reads a value or, on a miss, computes it with `factory`, stores it and returns it. Concurrent
   * calls for the same missing key in this process share one read and one factory run. A factory
   * result of `undefined` is returned but not stored.
   * @example const report = await cache.getOrSet('report:today', () => buildReport(), { ttl: '10m' });
   */
  async getOrSet<T>(
    key: string,
    factory: () => T | Promise<T>,
    options?: CacheWriteOptions,
  ): Promise<T> {
    const full = this.fullKey(key, options);
    const pending = this.loading.get(full);
    if (pending) return pending as Promise<T>;
    const load = this.load(key, factory, options).finally(() => this.loading.delete(full));
    this.loading.set(full, load);
    return load;
  }

  /**
   * Deletes a key.
   * @returns whether it existed
   */
  async delete(key: string, options?: CacheKeyOptions): Promise<boolean> {
    const full = this.fullKey(key, options);
    return (await this.backend.delete([full]).catch((e) => this.fail(e, key))) === 1;
  }

  /** Whether a key exists (and has not expired). */
  async has(key: string, options?: CacheKeyOptions): Promise<boolean> {
    const full = this.fullKey(key, options);
    return this.backend.exists(full).catch((e) => this.fail(e, key));
  }

  /**
   * Reads many keys in one round trip (per hash slot on a cluster).
   * @returns a Map of the keys found to their values; misses are absent
   * @example const users = await cache.getMany<User>(['user:1', 'user:2']);
   */
  async getMany<T = unknown>(
    keys: readonly string[],
    options?: CacheKeyOptions,
  ): Promise<Map<string, T>> {
    const fulls = keys.map((key) => this.fullKey(key, options));
    const raws = await this.backend.getMany(fulls).catch((e) => this.fail(e));
    const found = new Map<string, T>();
    raws.forEach((raw, i) => {
      if (raw !== undefined) found.set(keys[i]!, this.decode(raw, keys[i]!) as T);
    });
    return found;
  }

  /**
   * Writes many values with one TTL in one round trip (per node on a cluster). Every value is
   * encoded before anything is written, so a value that cannot be encoded writes nothing.
   * @example await cache.setMany({ 'user:1': u1, 'user:2': u2 }, { ttl: '1h' });
   */
  async setMany(
    entries: Record<string, unknown> | Iterable<readonly [string, unknown]>,
    options?: CacheWriteOptions,
  ): Promise<void> {
    const ttl = this.resolveTtl(options?.ttl);
    const pairs = Symbol.iterator in entries ? [...entries] : Object.entries(entries);
    const encoded = pairs.map(
      ([key, value]) => [this.fullKey(key, options), this.encode(value, key)] as const,
    );
    await this.backend.setMany(encoded, ttl).catch((e) => this.fail(e));
  }

  /**
   * Deletes many keys in one round trip (per hash slot on a cluster).
   * @returns how many existed
   */
  async deleteMany(keys: readonly string[], options?: CacheKeyOptions): Promise<number> {
    const fulls = keys.map((key) => this.fullKey(key, options));
    return this.backend.delete(fulls).catch((e) => this.fail(e));
  }

  /**
   * Adds `delta` to an integer value atomically. A missing key counts from 0 (as Redis' INCRBY)
   * and is created without expiry; an existing key keeps its TTL.
   * @returns the new value
   * @throws WrongTypeError when the stored value is not an integer (it is left unchanged)
   * @example const views = await cache.incr('views:home');
   */
  async incr(key: string, delta = 1, options?: CacheKeyOptions): Promise<number> {
    if (!Number.isSafeInteger(delta))
      throw this.invalid('delta', `must be an integer, got ${describe(delta)}`);
    const full = this.fullKey(key, options);
    return this.backend.incrBy(full, delta).catch((e) => this.fail(e, key));
  }

  /** Subtracts `delta` from an integer value atomically; see {@link CacheService.incr}. */
  async decr(key: string, delta = 1, options?: CacheKeyOptions): Promise<number> {
    if (!Number.isSafeInteger(delta))
      throw this.invalid('delta', `must be an integer, got ${describe(delta)}`);
    return this.incr(key, -delta, options);
  }

  /**
   * Resets a key's time to live.
   * @param ttl - **milliseconds** or a duration string; `null` removes the expiry; default: the cache's TTL
   * @returns whether the key exists
   */
  async touch(key: string, ttl?: Duration | null, options?: CacheKeyOptions): Promise<boolean> {
    const full = this.fullKey(key, options);
    const ms = this.resolveTtl(ttl);
    return this.backend.touch(full, ms).catch((e) => this.fail(e, key));
  }

  /**
   * The remaining time to live of a key.
   * @returns **milliseconds**; `null` when the key never expires; `undefined` when it is missing
   */
  async ttl(key: string, options?: CacheKeyOptions): Promise<number | null | undefined> {
    const full = this.fullKey(key, options);
    const ms = await this.backend.pttl(full).catch((e) => this.fail(e, key));
    return ms === -2 ? undefined : ms === -1 ? null : ms;
  }

  /**
   * Sets a key's time to live; `0` expires it now.
   * @param ttl - **milliseconds** or a duration string
   * @returns whether the key exists
   */
  async expire(key: string, ttl: Duration, options?: CacheKeyOptions): Promise<boolean> {
    const ms = parseDuration(ttl);
    if (typeof ms === 'string') throw this.invalid('ttl', ms);
    const full = this.fullKey(key, options);
    return this.backend.pexpire(full, ms).catch((e) => this.fail(e, key));
  }

  /**
   * Makes a key expire at a moment; a moment in the past deletes it.
   * @param when - a `Date`, or **milliseconds** since the Unix epoch
   * @returns whether the key exists
   */
  async expireAt(key: string, when: Date | number, options?: CacheKeyOptions): Promise<boolean> {
    const epochMs = when instanceof Date ? when.getTime() : when;
    if (!Number.isFinite(epochMs))
      throw this.invalid('when', `must be a Date or epoch milliseconds, got ${describe(when)}`);
    const full = this.fullKey(key, options);
    return this.backend.pexpireAt(full, Math.round(epochMs)).catch((e) => this.fail(e, key));
  }

  /**
   * Removes a key's expiry, so that it lives until deleted.
   * @returns whether an expiry was removed (`false` for a missing key or one without expiry)
   */
  async persist(key: string, options?: CacheKeyOptions): Promise<boolean> {
    const full = this.fullKey(key, options);
    return this.backend.persist(full).catch((e) => this.fail(e, key));
  }

  /**
   * Iterates over this cache's keys matching a glob pattern (`*`, `?`, `[a-z]`, `\` escapes),
   * with SCAN, never KEYS: safe on a large database. Keys come without prefix and version. A key
   * may be reported twice if it is written during the scan (SCAN's guarantee).
   * @example for await (const key of cache.scan('user:*')) console.log(key);
   */
  async *scan(pattern = '*', options?: CacheScanOptions): AsyncGenerator<string, void, undefined> {
    const fullPattern = this.fullPattern(pattern, options);
    const count = this.scanCount(options?.count, SCAN_COUNT);
    try {
      for await (const batch of this.backend.scan(fullPattern, count)) {
        for (const full of batch) yield this.keyBuilder.userKey(full);
      }
    } catch (error) {
      throw mapBackendError(error, this.name);
    }
  }

  /**
   * All of this cache's keys matching a glob pattern, collected from {@link CacheService.scan}.
   * @example const userKeys = await cache.keys('user:*');
   */
  async keys(pattern = '*', options?: CacheScanOptions): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of this.scan(pattern, options)) keys.push(key);
    return keys;
  }

  /**
   * Deletes this cache's keys matching a glob pattern: SCAN, then UNLINK of each page of keys.
   * @returns how many keys were deleted
   * @example await cache.deletePattern('user:*');
   */
  async deletePattern(pattern: string, options?: CacheScanOptions): Promise<number> {
    const fullPattern = this.fullPattern(pattern, options);
    const count = this.scanCount(options?.count, DELETE_PATTERN_COUNT);
    let deleted = 0;
    try {
      for await (const batch of this.backend.scan(fullPattern, count)) {
        deleted += await this.backend.delete(batch);
      }
    } catch (error) {
      throw mapBackendError(error, this.name);
    }
    return deleted;
  }

  /**
   * Deletes every key of this cache's prefix and version, and nothing else: other caches and
   * other data in the same database stay.
   * @returns how many keys were deleted
   */
  async clear(): Promise<number> {
    return this.deletePattern('*');
  }

  /**
   * Moves a key to a newer version (Django's `incr_version`): the value and its TTL move from
   * `version` to `version + delta`, replacing what was there.
   * @returns the new version
   * @throws KeyNotFoundError when the key does not exist at `version`
   */
  async incrVersion(key: string, delta = 1, version = this.keyBuilder.version): Promise<number> {
    if (!Number.isSafeInteger(delta))
      throw this.invalid('delta', `must be an integer, got ${describe(delta)}`);
    const from = this.fullKey(key, { version });
    const target = version + delta;
    const to = this.fullKey(key, { version: target });
    const moved =
      from === to
        ? await this.has(key, { version })
        : await this.backend.rename(from, to).catch((e) => this.fail(e, key));
    if (!moved)
      throw new KeyNotFoundError(MESSAGES.keyNotFound(this.name, key, version), this.name, key);
    return target;
  }

  /** Moves a key to an older version; see {@link CacheService.incrVersion}. */
  async decrVersion(key: string, delta = 1, version = this.keyBuilder.version): Promise<number> {
    if (!Number.isSafeInteger(delta))
      throw this.invalid('delta', `must be an integer, got ${describe(delta)}`);
    return this.incrVersion(key, -delta, version);
  }

  /**
   * The current version of a group of keys (1 until the group is first invalidated). Put it in
   * the keys of the group's entries; {@link CacheService.invalidateNamespace} then orphans them all
   * at once, without scanning.
   * @example
   * const v = await cache.namespaceVersion(`user:${id}`);
   * const data = await cache.getOrSet(`user:${id}:data:v${v}`, () => loadUser(id), { ttl: '1h' });
   */
  async namespaceVersion(namespace: string): Promise<number> {
    const key = this.namespaceKey(namespace);
    const raw = await this.backend.get(key).catch((e) => this.fail(e, namespace));
    return raw === undefined ? 1 : Number(raw.toString());
  }

  /**
   * Invalidates a group of keys by bumping its version, atomically. The first invalidation
   * yields 2: the version always changes. Version counters never expire and survive `clear()`.
   * @returns the new version
   */
  async invalidateNamespace(namespace: string): Promise<number> {
    const key = this.namespaceKey(namespace);
    return this.backend.bumpVersion(key).catch((e) => this.fail(e, namespace));
  }

  /**
   * A distributed lock of this cache: see {@link Lock}. Nothing is sent to the server until
   * `acquire()`. The lock lives under `<keyPrefix>:cachex:lock:{<name>}`, untouched by `clear()`.
   * @param name - the lock's name, shared by every process that must exclude the others
   * @param options - `lease` (**ms** or a string; default 30 s), `wait` (default 0: one try),
   * `autoExtend` (default false)
   * @throws InvalidArgumentError for an empty name or an invalid option
   * @example
   * const lock = cache.lock('process-payments', { lease: '30s' });
   * if (await lock.acquire({ wait: '5s' })) {
   *   try { await processPendingPayments(); } finally { await lock.release(); }
   * }
   */
  lock(name: string, options?: LockOptions): Lock {
    return createLock(this.lockHost(), name, options);
  }

  /**
   * Runs `fn` under a distributed lock: acquires it (waiting up to `wait`, default 0: one try),
   * runs `fn` with the lock, releases it. `fn` (and what it calls) also reaches the lock through
   * `currentLock()`.
   * @returns what `fn` returns
   * @throws LockAcquireTimeoutError when the lock was not acquired within `wait`; `fn` did not run
   * @throws LockLostError when `fn` succeeded but the lock was not held until it finished
   * @example
   * await cache.withLock('process-payments', () => this.process(), { lease: '30s', wait: '5s' });
   */
  async withLock<T>(
    name: string,
    fn: (lock: Lock) => T | Promise<T>,
    options?: WithLockOptions,
  ): Promise<T> {
    return runWithLock(this.lockHost(), name, fn, options);
  }

  private lockHost(): LockHost {
    return {
      name: this.name,
      backend: this.backend,
      keyBuilder: this.keyBuilder,
      mapError: (error) => mapBackendError(error, this.name),
    };
  }

  /** @internal Closes the backend; the registry calls it on application shutdown. */
  async close(): Promise<void> {
    await closeReleaseNotices(this.backend);
    await this.backend.close();
  }

  private async load<T>(
    key: string,
    factory: () => T | Promise<T>,
    options?: CacheWriteOptions,
  ): Promise<T> {
    const cached = await this.get<T>(key, options);
    if (cached !== undefined) return cached;
    const value = await factory();
    if (value !== undefined)
      await this.set(key, value, { ttl: options?.ttl, version: options?.version });
    return value;
  }

  private fullKey(key: string, options?: CacheKeyOptions): string {
    if (typeof key !== 'string')
      throw this.invalid('key', `must be a string, got ${describe(key)}`);
    const version = options?.version;
    if (version !== undefined && !Number.isSafeInteger(version)) {
      throw this.invalid('version', `must be an integer, got ${describe(version)}`);
    }
    return this.keyBuilder.key(key, version);
  }

  private fullPattern(pattern: string, options?: CacheKeyOptions): string {
    if (typeof pattern !== 'string')
      throw this.invalid('pattern', `must be a string, got ${describe(pattern)}`);
    return this.keyBuilder.pattern(pattern, options?.version);
  }

  private namespaceKey(namespace: string): string {
    if (typeof namespace !== 'string')
      throw this.invalid('namespace', `must be a string, got ${describe(namespace)}`);
    return this.keyBuilder.internal('ns', namespace);
  }

  private scanCount(count: number | undefined, fallback: number): number {
    if (count === undefined) return fallback;
    if (!Number.isSafeInteger(count) || count < 1)
      throw this.invalid('count', `must be a positive integer, got ${describe(count)}`);
    return count;
  }

  /** A TTL argument in ms: the cache's default when omitted, `null` for no expiry. */
  private resolveTtl(ttl: Duration | null | undefined): number | null {
    if (ttl === undefined) return this.defaultTtl;
    if (ttl === null) return null;
    const ms = parseDuration(ttl);
    if (typeof ms === 'string') throw this.invalid('ttl', ms);
    if (ms === 0)
      throw this.invalid('ttl', 'must be positive (use null for no expiry, or delete the key)');
    return ms;
  }

  private encode(value: unknown, key: string): RawValue {
    try {
      return this.codec.encode(value);
    } catch (error) {
      throw new SerializationError(
        MESSAGES.encode(this.name, key, errorText(error)),
        this.name,
        key,
        { cause: error },
      );
    }
  }

  private decode(raw: RawValue, key: string): unknown {
    try {
      return this.codec.decode(raw);
    } catch (error) {
      throw new SerializationError(
        MESSAGES.decode(this.name, key, errorText(error)),
        this.name,
        key,
        { cause: error },
      );
    }
  }

  private invalid(argument: string, problem: string): InvalidArgumentError {
    return new InvalidArgumentError(
      MESSAGES.invalidArgument(this.name, argument, problem),
      this.name,
      argument,
    );
  }

  private fail(error: unknown, key?: string): never {
    throw mapBackendError(error, this.name, key);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
