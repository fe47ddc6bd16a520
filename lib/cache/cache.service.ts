import type { BackendCommand, CacheBackend, RawValue } from '../backends/backend.interface.js';
import { BackendReplyError } from '../backends/reply-error.js';
import { MESSAGES } from '../cachex.messages.js';
import type { ValueCodec } from '../codecs/value-codec.js';
import { jsonCopy, NOT_PLAIN_JSON } from '../codecs/json-copy.js';
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
import { CachePipeline, type PipelineOptions } from './cache.pipeline.js';
import { createScript, type CacheScript } from './cache-script.js';
import type {
  KeyType,
  ListEnd,
  ScoreBound,
  ScoredMember,
  ScriptOptions,
  ZAddOptions,
  ZRangeByScoreOptions,
  ZRangeOptions,
} from './data-options.interface.js';
import { mapBackendError } from './map-error.js';
import type { CacheOp } from './ops/cache-op.js';
import { provideCacheContext, type CacheContext } from './cache-context.js';
import * as hashOps from './ops/hash.ops.js';
import type { HashFields } from './ops/hash.ops.js';
import * as keyOps from './ops/key.ops.js';
import * as listOps from './ops/list.ops.js';
import { runScript, scriptOp } from './ops/script.ops.js';
import * as setOps from './ops/set.ops.js';
import * as zsetOps from './ops/zset.ops.js';
import type { ZAddMembers } from './ops/zset.ops.js';
import { createLock, type Lock, type LockHost } from '../lock/lock.js';
import type { LockOptions, WithLockOptions } from '../lock/lock-options.interface.js';
import { closeReleaseNotices } from '../lock/release-notices.js';
import { runWithLock } from '../lock/with-lock.js';
import { resolveCaching, tagsProblem } from '../cacheable/cacheable.config.js';
import type { CacheWrapOptions } from '../cacheable/cacheable-options.interface.js';
import { MethodCache, NOT_AT_HAND } from '../cacheable/method-cache.js';
import { CacheCounters } from '../metrics/cache-counters.js';
import type { CacheStats } from '../metrics/cache-stats.interface.js';
import { OutageLog } from '../backends/outage-log.js';
import type { OnError } from '../config/cache-config.interface.js';
import { CacheXConnectionError } from '../errors/connection.error.js';

/**
 * @internal What a {@link CacheService} is made of; built by the registry from a cache's
 * configuration.
 */
export interface CacheParts {
  name: string;
  /** Default TTL in ms; `null` = no expiry. */
  ttl: number | null;
  keys: KeyBuilder;
  codec: ValueCodec;
  backend: CacheBackend;
  /** What plain operations do when the server cannot be reached. @default 'throw' */
  onError?: OnError;
  /** The cache's outage log, shared with its connection and method caching. */
  outage?: OutageLog;
}

const SCAN_COUNT = 250;
const DELETE_PATTERN_COUNT = 1000;
const PING: BackendCommand = { name: 'ping', keys: [], args: [] };
/** The tags of a `wrap()` without any: one list, not one per call. */
const NO_WRAP_TAGS: readonly string[] = Object.freeze([]);

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
  /**
   * @internal The cache's value encoding with its typed errors (`SerializationError` naming the
   * cache and key), for the library's features that store values outside `set` (sessions).
   */
  readonly values: {
    encode(value: unknown, key: string): RawValue;
    decode(raw: RawValue, key: string): unknown;
  };
  private readonly codec: ValueCodec;
  /** Loads in flight, by full key, so that concurrent `getOrSet` calls run one factory. */
  private readonly loading = new Map<string, Promise<unknown>>();
  /** The cache as operation builders, pipelines and the library's features see it. */
  private readonly ops: CacheContext;
  /** @internal What this cache's locks run on (`@WithLock` builds its locks on it). */
  readonly lockHost: LockHost;
  /** Method and response caching on this cache, made on first use. */
  private methods: MethodCache | undefined;
  /** @internal This cache's counters, which its features increment; read by `stats()`. */
  readonly counters = new CacheCounters();
  /** Whether plain operations answer a miss instead of throwing while the server is unreachable. */
  private readonly ignoreOutages: boolean;
  /** @internal Logs the cache's outages, once each, whoever notices them. */
  readonly outage: OutageLog;

  /** @internal Built by `CacheRegistry`; applications inject caches instead. */
  constructor(parts: CacheParts) {
    this.name = parts.name;
    this.defaultTtl = parts.ttl;
    this.backend = parts.backend;
    this.keyBuilder = parts.keys;
    this.codec = parts.codec;
    this.ignoreOutages = parts.onError === 'ignore';
    this.outage = parts.outage ?? new OutageLog(parts.name);
    this.values = {
      encode: (value, key) => this.encode(value, key),
      decode: (raw, key) => this.decode(raw, key),
    };
    this.ops = {
      cache: this.name,
      kind: this.backend.kind,
      backend: this.backend,
      keyBuilder: this.keyBuilder,
      fullKey: (key, options) => this.fullKey(key, options),
      encode: (value, key) => this.encode(value, key),
      decode: (raw, key) => this.decode(raw, key),
      resolveTtl: (ttl) => this.resolveTtl(ttl),
      invalid: (argument, problem) => this.invalid(argument, problem),
      mapError: (error, key) => mapBackendError(error, this.name, key),
    };
    provideCacheContext(this, this.ops);
    this.lockHost = {
      name: this.name,
      backend: this.backend,
      keyBuilder: this.keyBuilder,
      mapError: (error) => mapBackendError(error, this.name),
      counters: this.counters,
    };
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
  get<T = unknown>(key: string, options?: CacheKeyOptions): Promise<T | undefined> {
    if (this.backend.readDecoded === undefined) return this.getRaw(key, options);
    // An in-process backend answers at once: one settled promise, no async frame.
    try {
      const value = this.readDecoded(this.fullKey(key, options), key);
      return Promise.resolve(this.counters.read(value) as T | undefined);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** `get` on a backend that answers asynchronously: encoded values, decoded here. */
  private async getRaw<T>(
    key: string,
    options: CacheKeyOptions | undefined,
  ): Promise<T | undefined> {
    const full = this.fullKey(key, options);
    let raw;
    try {
      raw = await this.backend.get(full);
    } catch (error) {
      raw = this.fail(error, key, undefined);
    }
    this.counters.read(raw);
    return raw === undefined ? undefined : (this.decode(raw, key) as T);
  }

  /**
   * Writes a value, with the cache's default TTL unless `ttl` says otherwise.
   * @returns whether the value was written (`false` when `nx` or `xx` prevented it)
   * @throws SerializationError when the value cannot be encoded; nothing is written
   * @example await cache.set('user:42', user, { ttl: '1h' });
   */
  set(key: string, value: unknown, options?: CacheSetOptions): Promise<boolean> {
    if (this.backend.setDecoded !== undefined && this.codec.plainJson) {
      // The memory backend keeps a copy of plain JSON data, not its text: no encoding, no parsing,
      // and, as it answers at once, one settled promise and no async frame.
      try {
        const copy = jsonCopy(value, this.codec.maxValueSize);
        if (copy !== NOT_PLAIN_JSON)
          return Promise.resolve(this.counters.set(this.setDecoded(key, copy, options)));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    return this.setRaw(key, value, options);
  }

  /** `set` with the codec: every value on Redis, values that are not plain JSON data in memory. */
  private async setRaw(
    key: string,
    value: unknown,
    options: CacheSetOptions | undefined,
  ): Promise<boolean> {
    // The very argument handling of a pipeline's `set`: same TTL default, same nx/xx rules.
    const { full, raw, options: write } = keyOps.setArguments(this.ops, key, value, options);
    try {
      return this.counters.set(await this.backend.set(full, raw, write));
    } catch (error) {
      return this.fail(error, key, false);
    }
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
    // A bad TTL fails before the factory runs (and its work is lost), not after.
    this.resolveTtl(options?.ttl);
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
    try {
      return this.counters.deleted(await this.backend.delete([full])) === 1;
    } catch (error) {
      return this.fail(error, key, false);
    }
  }

  /** Whether a key exists (and has not expired). */
  async has(key: string, options?: CacheKeyOptions): Promise<boolean> {
    const full = this.fullKey(key, options);
    try {
      return await this.backend.exists(full);
    } catch (error) {
      return this.fail(error, key, false);
    }
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
    if (this.backend.readDecoded !== undefined) {
      const values = new Map<string, T>();
      fulls.forEach((full, i) => {
        // As MGET: a key of another type reads as a miss, not an error.
        const value = this.readDecoded(full, keys[i]!, true);
        if (value !== undefined) values.set(keys[i]!, value as T);
      });
      this.counters.readMany(keys.length, values.size);
      return values;
    }
    let raws;
    try {
      raws = await this.backend.getMany(fulls);
    } catch (error) {
      raws = this.fail(error, undefined, []);
    }
    const found = new Map<string, T>();
    raws.forEach((raw, i) => {
      if (raw !== undefined) found.set(keys[i]!, this.decode(raw, keys[i]!) as T);
    });
    this.counters.readMany(keys.length, found.size);
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
    try {
      await this.backend.setMany(encoded, ttl);
      this.counters.setMany(encoded.length);
    } catch (error) {
      this.fail(error, undefined, undefined);
    }
  }

  /**
   * Deletes many keys in one round trip (per hash slot on a cluster).
   * @returns how many existed
   */
  async deleteMany(keys: readonly string[], options?: CacheKeyOptions): Promise<number> {
    const fulls = keys.map((key) => this.fullKey(key, options));
    try {
      return this.counters.deleted(await this.backend.delete(fulls));
    } catch (error) {
      return this.fail(error, undefined, 0);
    }
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
      throw this.invalid('delta', MESSAGES.notSafeInteger(describe(delta)));
    const full = this.fullKey(key, options);
    try {
      return await this.backend.incrBy(full, delta);
    } catch (error) {
      this.fail(error, key);
    }
  }

  /** Subtracts `delta` from an integer value atomically; see {@link CacheService.incr}. */
  async decr(key: string, delta = 1, options?: CacheKeyOptions): Promise<number> {
    if (!Number.isSafeInteger(delta))
      throw this.invalid('delta', MESSAGES.notSafeInteger(describe(delta)));
    return this.incr(key, -delta, options);
  }

  /**
   * Resets a key's time to live.
   * @param ttl - **milliseconds** or a duration string; `null` removes the expiry; default: the cache's TTL
   * @returns whether the key exists
   */
  async touch(key: string, ttl?: Duration | null, options?: CacheKeyOptions): Promise<boolean> {
    const ms = this.resolveTtl(ttl);
    if (ms === null) return this.execute(keyOps.touch(this.ops, key, ttl, options), false);
    return this.expireIn(key, ms, options);
  }

  /**
   * The remaining time to live of a key.
   * @returns **milliseconds**; `null` when the key never expires; `undefined` when it is missing
   */
  async ttl(key: string, options?: CacheKeyOptions): Promise<number | null | undefined> {
    return this.execute(keyOps.ttl(this.ops, key, options), undefined);
  }

  /**
   * Sets a key's time to live; `0` expires it now.
   * @param ttl - **milliseconds** or a duration string
   * @returns whether the key exists
   */
  async expire(key: string, ttl: Duration, options?: CacheKeyOptions): Promise<boolean> {
    const ms = parseDuration(ttl);
    if (typeof ms === 'string') throw this.invalid('ttl', ms);
    return this.expireIn(key, ms, options);
  }

  /** PEXPIRE through the backend's own method: a hot path (session renewals), coalesced on Redis. */
  private async expireIn(key: string, ms: number, options?: CacheKeyOptions): Promise<boolean> {
    const full = this.fullKey(key, options);
    try {
      return await this.backend.expire(full, ms);
    } catch (error) {
      return this.fail(error, key, false);
    }
  }

  /**
   * Makes a key expire at a moment; a moment in the past deletes it.
   * @param when - a `Date`, or **milliseconds** since the Unix epoch
   * @returns whether the key exists
   */
  async expireAt(key: string, when: Date | number, options?: CacheKeyOptions): Promise<boolean> {
    return this.execute(keyOps.expireAt(this.ops, key, when, options), false);
  }

  /**
   * Removes a key's expiry, so that it lives until deleted.
   * @returns whether an expiry was removed (`false` for a missing key or one without expiry)
   */
  async persist(key: string, options?: CacheKeyOptions): Promise<boolean> {
    return this.execute(keyOps.persist(this.ops, key, options), false);
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
   * All of this cache's keys matching a glob pattern, collected from {@link CacheService.scan},
   * each once.
   * @example const userKeys = await cache.keys('user:*');
   */
  async keys(pattern = '*', options?: CacheScanOptions): Promise<string[]> {
    // SCAN may report a key twice (while the server rehashes); a list of keys should not.
    const keys = new Set<string>();
    for await (const key of this.scan(pattern, options)) keys.add(key);
    return [...keys];
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

  // ---- Data structures ----
  // Each operation is built once in ./ops/ (arguments checked, keys prefixed and versioned,
  // values encoded) and shared with pipelines, so a queued operation behaves exactly as the call.
  // Collections get no TTL of their own (as in Redis): give them one with `expire`. A collection
  // emptied by a removal is deleted. A key of another type throws `WrongTypeError`.

  /**
   * The Redis type of a key.
   * @returns `'string'` (values written by `set`), `'hash'`, `'list'`, `'set'`, `'zset'`, or
   *   `undefined` when the key is missing
   * @example if ((await cache.type('cart:42')) === 'hash') await cache.hgetall('cart:42');
   */
  async type(key: string, options?: CacheKeyOptions): Promise<KeyType | undefined> {
    return this.execute(keyOps.type(this.ops, key, options));
  }

  // -- Hashes: field names are stored as given (not prefixed); values are encoded.

  /**
   * Sets one field of a hash, or several (a record or `[field, value]` pairs) at once.
   * @returns how many fields were new
   * @throws WrongTypeError when the key holds another type
   * @example await cache.hset('user:42', { name: 'Ada', visits: 0 });
   */
  async hset(
    key: string,
    field: string,
    value: unknown,
    options?: CacheKeyOptions,
  ): Promise<number>;
  async hset(key: string, fields: HashFields, options?: CacheKeyOptions): Promise<number>;
  async hset(
    key: string,
    fieldOrFields: string | HashFields,
    valueOrOptions?: unknown,
    options?: CacheKeyOptions,
  ): Promise<number> {
    return this.execute(hashOps.hset(this.ops, key, fieldOrFields, valueOrOptions, options));
  }

  /**
   * Sets a field only if the hash does not have it yet.
   * @returns whether it was set
   * @example await cache.hsetnx('user:42', 'createdAt', Date.now());
   */
  async hsetnx(
    key: string,
    field: string,
    value: unknown,
    options?: CacheKeyOptions,
  ): Promise<boolean> {
    return this.execute(hashOps.hsetnx(this.ops, key, field, value, options));
  }

  /**
   * Reads one field of a hash.
   * @returns the value, or `undefined` when the field or the key is missing
   * @example const name = await cache.hget<string>('user:42', 'name');
   */
  async hget<T = unknown>(
    key: string,
    field: string,
    options?: CacheKeyOptions,
  ): Promise<T | undefined> {
    return this.execute(hashOps.hget<T>(this.ops, key, field, options));
  }

  /**
   * Reads several fields of a hash.
   * @returns the values in the order of `fields`, `undefined` for a missing one
   * @example const [name, email] = await cache.hmget('user:42', ['name', 'email']);
   */
  async hmget<T = unknown>(
    key: string,
    fields: readonly string[],
    options?: CacheKeyOptions,
  ): Promise<Array<T | undefined>> {
    return this.execute(hashOps.hmget<T>(this.ops, key, fields, options));
  }

  /**
   * Reads a whole hash.
   * @returns its fields and values; `{}` for a missing key
   * @example const user = await cache.hgetall<string | number>('user:42');
   */
  async hgetall<T = unknown>(key: string, options?: CacheKeyOptions): Promise<Record<string, T>> {
    return this.execute(hashOps.hgetall<T>(this.ops, key, options));
  }

  /**
   * Deletes fields of a hash (the hash itself once empty).
   * @returns how many fields existed
   * @example await cache.hdel('user:42', ['token', 'tokenExpiry']);
   */
  async hdel(
    key: string,
    fields: string | readonly string[],
    options?: CacheKeyOptions,
  ): Promise<number> {
    return this.execute(hashOps.hdel(this.ops, key, fields, options));
  }

  /**
   * Whether a hash has a field.
   * @example if (await cache.hexists('user:42', 'email')) sendNewsletter();
   */
  async hexists(key: string, field: string, options?: CacheKeyOptions): Promise<boolean> {
    return this.execute(hashOps.hexists(this.ops, key, field, options));
  }

  /**
   * The field names of a hash (`[]` for a missing key).
   * @example const fields = await cache.hkeys('user:42');
   */
  async hkeys(key: string, options?: CacheKeyOptions): Promise<string[]> {
    return this.execute(hashOps.hkeys(this.ops, key, options));
  }

  /**
   * The values of a hash (`[]` for a missing key).
   * @example const totals = await cache.hvals<number>('totals');
   */
  async hvals<T = unknown>(key: string, options?: CacheKeyOptions): Promise<T[]> {
    return this.execute(hashOps.hvals<T>(this.ops, key, options));
  }

  /**
   * How many fields a hash has (0 for a missing key).
   * @example const size = await cache.hlen('cart:42');
   */
  async hlen(key: string, options?: CacheKeyOptions): Promise<number> {
    return this.execute(hashOps.hlen(this.ops, key, options));
  }

  /**
   * Adds an integer to a field atomically; a missing field counts from 0.
   * @returns the new value
   * @throws WrongTypeError when the field does not hold an integer
   * @example await cache.hincrby('stats:today', 'signups');
   */
  async hincrby(key: string, field: string, delta = 1, options?: CacheKeyOptions): Promise<number> {
    return this.execute(hashOps.hincrby(this.ops, key, field, delta, options));
  }

  /**
   * Adds a number to a field atomically; a missing field counts from 0.
   * @returns the new value
   * @throws WrongTypeError when the field does not hold a number
   * @example await cache.hincrbyfloat('cart:42', 'total', 9.99);
   */
  async hincrbyfloat(
    key: string,
    field: string,
    delta: number,
    options?: CacheKeyOptions,
  ): Promise<number> {
    return this.execute(hashOps.hincrbyfloat(this.ops, key, field, delta, options));
  }

  // -- Lists: values are encoded. Indexes are 0-based; negative ones count from the end (-1 is
  // the last element); ranges include both ends.

  /**
   * Pushes values at the head of a list, one after the other (so the last ends first).
   * @param values - an array; a value that is itself an array is one element: `[[1, 2]]`
   * @returns the new length
   * @example await cache.lpush('recent:42', [productId]);
   */
  async lpush(key: string, values: readonly unknown[], options?: CacheKeyOptions): Promise<number> {
    return this.execute(listOps.push(this.ops, 'left', key, values, options));
  }

  /**
   * Appends values at the tail of a list.
   * @param values - an array; a value that is itself an array is one element: `[[1, 2]]`
   * @returns the new length
   * @example await cache.rpush('jobs', [{ id: 1 }, { id: 2 }]);
   */
  async rpush(key: string, values: readonly unknown[], options?: CacheKeyOptions): Promise<number> {
    return this.execute(listOps.push(this.ops, 'right', key, values, options));
  }

  /**
   * Removes and returns the first value of a list (or, with `count`, up to that many).
   * @returns the value (`undefined` when empty), or an array with `count`
   * @example const job = await cache.lpop<Job>('jobs');
   */
  async lpop<T = unknown>(key: string, options?: CacheKeyOptions): Promise<T | undefined>;
  async lpop<T = unknown>(key: string, count: number, options?: CacheKeyOptions): Promise<T[]>;
  async lpop<T = unknown>(
    key: string,
    countOrOptions?: number | CacheKeyOptions,
    options?: CacheKeyOptions,
  ): Promise<T | undefined | T[]> {
    return this.execute<T | undefined | T[]>(
      listOps.pop<T>(this.ops, 'left', key, countOrOptions, options),
    );
  }

  /**
   * Removes and returns the last value of a list (or, with `count`, up to that many, last first).
   * @returns the value (`undefined` when empty), or an array with `count`
   * @example const newest = await cache.rpop('events', 10);
   */
  async rpop<T = unknown>(key: string, options?: CacheKeyOptions): Promise<T | undefined>;
  async rpop<T = unknown>(key: string, count: number, options?: CacheKeyOptions): Promise<T[]>;
  async rpop<T = unknown>(
    key: string,
    countOrOptions?: number | CacheKeyOptions,
    options?: CacheKeyOptions,
  ): Promise<T | undefined | T[]> {
    return this.execute<T | undefined | T[]>(
      listOps.pop<T>(this.ops, 'right', key, countOrOptions, options),
    );
  }

  /**
   * The values between two indexes, both included (`0, -1` is the whole list).
   * @example const latest = await cache.lrange('recent:42', 0, 9);
   */
  async lrange<T = unknown>(
    key: string,
    start: number,
    stop: number,
    options?: CacheKeyOptions,
  ): Promise<T[]> {
    return this.execute(listOps.lrange<T>(this.ops, key, start, stop, options));
  }

  /**
   * The value at an index (`-1` is the last).
   * @returns the value, or `undefined` out of range
   * @example const last = await cache.lindex('recent:42', -1);
   */
  async lindex<T = unknown>(
    key: string,
    index: number,
    options?: CacheKeyOptions,
  ): Promise<T | undefined> {
    return this.execute(listOps.lindex<T>(this.ops, key, index, options));
  }

  /**
   * The length of a list (0 for a missing key).
   * @example const pending = await cache.llen('jobs');
   */
  async llen(key: string, options?: CacheKeyOptions): Promise<number> {
    return this.execute(listOps.llen(this.ops, key, options));
  }

  /**
   * Replaces the value at an index.
   * @throws KeyNotFoundError when the list does not exist
   * @throws InvalidArgumentError when the index is out of range
   * @example await cache.lset('steps', 0, 'done');
   */
  async lset(key: string, index: number, value: unknown, options?: CacheKeyOptions): Promise<void> {
    return this.execute(listOps.lset(this.ops, key, index, value, options));
  }

  /**
   * Keeps only the values between two indexes, both included.
   * @example await cache.ltrim('recent:42', 0, 99); // keep the 100 newest
   */
  async ltrim(key: string, start: number, stop: number, options?: CacheKeyOptions): Promise<void> {
    return this.execute(listOps.ltrim(this.ops, key, start, stop, options));
  }

  /**
   * Removes occurrences of a value: the first `count` from the head (`count > 0`), the last
   * `-count` from the tail (`count < 0`), or all (`0`).
   * @returns how many were removed
   * @example await cache.lrem('queue', 0, jobId);
   */
  async lrem(
    key: string,
    count: number,
    value: unknown,
    options?: CacheKeyOptions,
  ): Promise<number> {
    return this.execute(listOps.lrem(this.ops, key, count, value, options));
  }

  /**
   * Moves a value from one end of a list to an end of another (or the same) list, atomically.
   * On a cluster both keys must share a hash slot (`{jobs}:pending`, `{jobs}:running`).
   * @returns the value moved, or `undefined` when the source is empty
   * @throws CrossSlotError on a cluster when the keys are in different slots
   * @example const job = await cache.lmove('{jobs}:pending', '{jobs}:running', 'left', 'right');
   */
  async lmove<T = unknown>(
    source: string,
    destination: string,
    from: ListEnd,
    to: ListEnd,
    options?: CacheKeyOptions,
  ): Promise<T | undefined> {
    return this.execute(listOps.lmove<T>(this.ops, source, destination, from, to, options));
  }

  // -- Sets: members are encoded values (so `1` and `'1'` are different members).

  /**
   * Adds members to a set.
   * @returns how many were new
   * @example await cache.sadd('tags:42', ['nestjs', 'redis']);
   */
  async sadd(key: string, members: readonly unknown[], options?: CacheKeyOptions): Promise<number> {
    return this.execute(setOps.addOrRemove(this.ops, 'sadd', key, members, options));
  }

  /**
   * Removes members from a set (the set itself once empty).
   * @returns how many were there
   * @example await cache.srem('tags:42', ['redis']);
   */
  async srem(key: string, members: readonly unknown[], options?: CacheKeyOptions): Promise<number> {
    return this.execute(setOps.addOrRemove(this.ops, 'srem', key, members, options));
  }

  /**
   * The members of a set, in no particular order (`[]` for a missing key).
   * @example const tags = await cache.smembers<string>('tags:42');
   */
  async smembers<T = unknown>(key: string, options?: CacheKeyOptions): Promise<T[]> {
    return this.execute(setOps.smembers<T>(this.ops, key, options));
  }

  /**
   * Whether a value is a member of a set.
   * @example if (await cache.sismember('admins', userId)) allow();
   */
  async sismember(key: string, member: unknown, options?: CacheKeyOptions): Promise<boolean> {
    return this.execute(setOps.sismember(this.ops, key, member, options));
  }

  /**
   * Whether each value is a member of a set, in the order given.
   * @example const [a, b] = await cache.smismember('seen', [id1, id2]);
   */
  async smismember(
    key: string,
    members: readonly unknown[],
    options?: CacheKeyOptions,
  ): Promise<boolean[]> {
    return this.execute(setOps.smismember(this.ops, key, members, options));
  }

  /**
   * How many members a set has (0 for a missing key).
   * @example const online = await cache.scard('online');
   */
  async scard(key: string, options?: CacheKeyOptions): Promise<number> {
    return this.execute(setOps.scard(this.ops, key, options));
  }

  /**
   * Removes and returns a random member (or, with `count`, up to that many distinct ones).
   * @returns the member (`undefined` when empty), or an array with `count`
   * @example const winner = await cache.spop<string>('raffle');
   */
  async spop<T = unknown>(key: string, options?: CacheKeyOptions): Promise<T | undefined>;
  async spop<T = unknown>(key: string, count: number, options?: CacheKeyOptions): Promise<T[]>;
  async spop<T = unknown>(
    key: string,
    countOrOptions?: number | CacheKeyOptions,
    options?: CacheKeyOptions,
  ): Promise<T | undefined | T[]> {
    return this.execute<T | undefined | T[]>(
      setOps.randomMembers<T>(this.ops, 'spop', key, countOrOptions, options),
    );
  }

  /**
   * Returns a random member without removing it; with a positive `count` up to that many
   * distinct members, with a negative one `-count` members that may repeat.
   * @returns the member (`undefined` when empty), or an array with `count`
   * @example const sample = await cache.srandmember('products', 5);
   */
  async srandmember<T = unknown>(key: string, options?: CacheKeyOptions): Promise<T | undefined>;
  async srandmember<T = unknown>(
    key: string,
    count: number,
    options?: CacheKeyOptions,
  ): Promise<T[]>;
  async srandmember<T = unknown>(
    key: string,
    countOrOptions?: number | CacheKeyOptions,
    options?: CacheKeyOptions,
  ): Promise<T | undefined | T[]> {
    return this.execute<T | undefined | T[]>(
      setOps.randomMembers<T>(this.ops, 'srandmember', key, countOrOptions, options),
    );
  }

  /**
   * The members found in every one of the sets (a missing key is an empty set). On a cluster the
   * keys must share a hash slot: give them a hash tag (`{user:42}:likes`, `{user:42}:follows`).
   * @throws CrossSlotError on a cluster when the keys are in different slots; nothing is sent
   * @example const common = await cache.sinter(['{u42}:likes', '{u42}:friends-likes']);
   */
  async sinter<T = unknown>(keys: readonly string[], options?: CacheKeyOptions): Promise<T[]> {
    return this.execute(setOps.combine<T>(this.ops, 'sinter', keys, options));
  }

  /**
   * The members found in any of the sets. On a cluster the keys must share a hash slot.
   * @throws CrossSlotError on a cluster when the keys are in different slots; nothing is sent
   * @example const all = await cache.sunion(['{tags}:a', '{tags}:b']);
   */
  async sunion<T = unknown>(keys: readonly string[], options?: CacheKeyOptions): Promise<T[]> {
    return this.execute(setOps.combine<T>(this.ops, 'sunion', keys, options));
  }

  /**
   * The members of the first set found in none of the others. On a cluster the keys must share
   * a hash slot.
   * @throws CrossSlotError on a cluster when the keys are in different slots; nothing is sent
   * @example const unseen = await cache.sdiff(['{u42}:recommended', '{u42}:seen']);
   */
  async sdiff<T = unknown>(keys: readonly string[], options?: CacheKeyOptions): Promise<T[]> {
    return this.execute(setOps.combine<T>(this.ops, 'sdiff', keys, options));
  }

  // -- Sorted sets: members are encoded values ordered by score (a number, ±Infinity allowed),
  // then by their stored bytes. Ranks are 0-based; negative ranks count from the end. Score
  // bounds are numbers, '-inf', '+inf', or '(n' for exclusive.

  /**
   * Adds members with their scores, or updates their scores. Redis' flags: `nx` (only add),
   * `xx` (only update), `gt`/`lt` (only update to a greater/lower score), `ch` (count changes).
   * @param members - a record of member to score, or `[member, score]` pairs (a Map too)
   * @returns how many members were added (added or changed, with `ch`)
   * @throws InvalidArgumentError for `nx` with `xx`, `gt` or `lt`, or `gt` with `lt`
   * @example await cache.zadd('leaderboard', { alice: 120, bob: 95 });
   */
  async zadd(key: string, members: ZAddMembers, options?: ZAddOptions): Promise<number> {
    return this.execute(zsetOps.zadd(this.ops, key, members, options));
  }

  /**
   * Removes members (the sorted set itself once empty).
   * @returns how many were there
   * @example await cache.zrem('leaderboard', ['bob']);
   */
  async zrem(key: string, members: readonly unknown[], options?: CacheKeyOptions): Promise<number> {
    return this.execute(zsetOps.zrem(this.ops, key, members, options));
  }

  /**
   * The score of a member.
   * @returns the score, or `undefined` when the member or the key is missing
   * @example const points = await cache.zscore('leaderboard', 'alice');
   */
  async zscore(
    key: string,
    member: unknown,
    options?: CacheKeyOptions,
  ): Promise<number | undefined> {
    return this.execute(zsetOps.zscore(this.ops, key, member, options));
  }

  /**
   * The scores of several members, in the order given (`undefined` for a missing one).
   * @example const [a, b] = await cache.zmscore('leaderboard', ['alice', 'bob']);
   */
  async zmscore(
    key: string,
    members: readonly unknown[],
    options?: CacheKeyOptions,
  ): Promise<Array<number | undefined>> {
    return this.execute(zsetOps.zmscore(this.ops, key, members, options));
  }

  /**
   * Adds to a member's score atomically; a missing member counts from 0.
   * @returns the new score
   * @example await cache.zincrby('leaderboard', 'alice', 10);
   */
  async zincrby(
    key: string,
    member: unknown,
    delta = 1,
    options?: CacheKeyOptions,
  ): Promise<number> {
    return this.execute(zsetOps.zincrby(this.ops, key, member, delta, options));
  }

  /**
   * How many members a sorted set has (0 for a missing key).
   * @example const players = await cache.zcard('leaderboard');
   */
  async zcard(key: string, options?: CacheKeyOptions): Promise<number> {
    return this.execute(zsetOps.zcard(this.ops, key, options));
  }

  /**
   * How many members have a score between `min` and `max`.
   * @example const active = await cache.zcount('last-seen', Date.now() - 60_000, '+inf');
   */
  async zcount(
    key: string,
    min: ScoreBound,
    max: ScoreBound,
    options?: CacheKeyOptions,
  ): Promise<number> {
    return this.execute(zsetOps.zcount(this.ops, key, min, max, options));
  }

  /**
   * The members between two ranks, both included, lowest score first (`0, -1` is all).
   * @returns members, or `{ member, score }` with `withScores`
   * @example const bottom3 = await cache.zrange('leaderboard', 0, 2, { withScores: true });
   */
  async zrange<T = unknown>(
    key: string,
    start: number,
    stop: number,
    options: ZRangeOptions & { withScores: true },
  ): Promise<ScoredMember<T>[]>;
  async zrange<T = unknown>(
    key: string,
    start: number,
    stop: number,
    options?: ZRangeOptions & { withScores?: false },
  ): Promise<T[]>;
  async zrange<T = unknown>(
    key: string,
    start: number,
    stop: number,
    options?: ZRangeOptions,
  ): Promise<T[] | ScoredMember<T>[]> {
    return this.execute(zsetOps.rankRange<T>(this.ops, 'zrange', key, start, stop, options));
  }

  /**
   * The members between two ranks counted from the highest score, highest first.
   * @returns members, or `{ member, score }` with `withScores`
   * @example const top10 = await cache.zrevrange('leaderboard', 0, 9, { withScores: true });
   */
  async zrevrange<T = unknown>(
    key: string,
    start: number,
    stop: number,
    options: ZRangeOptions & { withScores: true },
  ): Promise<ScoredMember<T>[]>;
  async zrevrange<T = unknown>(
    key: string,
    start: number,
    stop: number,
    options?: ZRangeOptions & { withScores?: false },
  ): Promise<T[]>;
  async zrevrange<T = unknown>(
    key: string,
    start: number,
    stop: number,
    options?: ZRangeOptions,
  ): Promise<T[] | ScoredMember<T>[]> {
    return this.execute(zsetOps.rankRange<T>(this.ops, 'zrevrange', key, start, stop, options));
  }

  /**
   * The members with a score between `min` and `max`, lowest first; `limit` pages the result.
   * @returns members, or `{ member, score }` with `withScores`
   * @example const due = await cache.zrangebyscore('schedule', '-inf', Date.now(), { limit: { offset: 0, count: 100 } });
   */
  async zrangebyscore<T = unknown>(
    key: string,
    min: ScoreBound,
    max: ScoreBound,
    options: ZRangeByScoreOptions & { withScores: true },
  ): Promise<ScoredMember<T>[]>;
  async zrangebyscore<T = unknown>(
    key: string,
    min: ScoreBound,
    max: ScoreBound,
    options?: ZRangeByScoreOptions & { withScores?: false },
  ): Promise<T[]>;
  async zrangebyscore<T = unknown>(
    key: string,
    min: ScoreBound,
    max: ScoreBound,
    options?: ZRangeByScoreOptions,
  ): Promise<T[] | ScoredMember<T>[]> {
    return this.execute(zsetOps.scoreRange<T>(this.ops, 'zrangebyscore', key, min, max, options));
  }

  /**
   * The members with a score between `max` and `min`, highest first (note: `max` comes first,
   * as in Redis); `limit` pages the result.
   * @returns members, or `{ member, score }` with `withScores`
   * @example const recent = await cache.zrevrangebyscore('events', '+inf', '(1700000000000');
   */
  async zrevrangebyscore<T = unknown>(
    key: string,
    max: ScoreBound,
    min: ScoreBound,
    options: ZRangeByScoreOptions & { withScores: true },
  ): Promise<ScoredMember<T>[]>;
  async zrevrangebyscore<T = unknown>(
    key: string,
    max: ScoreBound,
    min: ScoreBound,
    options?: ZRangeByScoreOptions & { withScores?: false },
  ): Promise<T[]>;
  async zrevrangebyscore<T = unknown>(
    key: string,
    max: ScoreBound,
    min: ScoreBound,
    options?: ZRangeByScoreOptions,
  ): Promise<T[] | ScoredMember<T>[]> {
    return this.execute(
      zsetOps.scoreRange<T>(this.ops, 'zrevrangebyscore', key, max, min, options),
    );
  }

  /**
   * The rank of a member, lowest score first (0-based).
   * @returns the rank, or `undefined` when the member is missing
   * @example const position = await cache.zrank('queue', jobId);
   */
  async zrank(
    key: string,
    member: unknown,
    options?: CacheKeyOptions,
  ): Promise<number | undefined> {
    return this.execute(zsetOps.rank(this.ops, 'zrank', key, member, options));
  }

  /**
   * The rank of a member, highest score first (0-based).
   * @returns the rank, or `undefined` when the member is missing
   * @example const place = (await cache.zrevrank('leaderboard', 'alice'))! + 1;
   */
  async zrevrank(
    key: string,
    member: unknown,
    options?: CacheKeyOptions,
  ): Promise<number | undefined> {
    return this.execute(zsetOps.rank(this.ops, 'zrevrank', key, member, options));
  }

  /**
   * Removes the members with a score between `min` and `max`.
   * @returns how many were removed
   * @example await cache.zremrangebyscore('events', '-inf', Date.now() - 3_600_000);
   */
  async zremrangebyscore(
    key: string,
    min: ScoreBound,
    max: ScoreBound,
    options?: CacheKeyOptions,
  ): Promise<number> {
    return this.execute(zsetOps.zremrangebyscore(this.ops, key, min, max, options));
  }

  /**
   * Removes the members between two ranks, both included.
   * @returns how many were removed
   * @example await cache.zremrangebyrank('leaderboard', 0, -101); // keep the top 100
   */
  async zremrangebyrank(
    key: string,
    start: number,
    stop: number,
    options?: CacheKeyOptions,
  ): Promise<number> {
    return this.execute(zsetOps.zremrangebyrank(this.ops, key, start, stop, options));
  }

  /**
   * Removes and returns the member with the lowest score (or, with `count`, up to that many).
   * @returns `{ member, score }` (`undefined` when empty), or an array with `count`
   * @example const next = await cache.zpopmin<string>('schedule');
   */
  async zpopmin<T = unknown>(
    key: string,
    options?: CacheKeyOptions,
  ): Promise<ScoredMember<T> | undefined>;
  async zpopmin<T = unknown>(
    key: string,
    count: number,
    options?: CacheKeyOptions,
  ): Promise<ScoredMember<T>[]>;
  async zpopmin<T = unknown>(
    key: string,
    countOrOptions?: number | CacheKeyOptions,
    options?: CacheKeyOptions,
  ): Promise<ScoredMember<T> | undefined | ScoredMember<T>[]> {
    return this.execute<ScoredMember<T> | undefined | ScoredMember<T>[]>(
      zsetOps.zpop<T>(this.ops, 'zpopmin', key, countOrOptions, options),
    );
  }

  /**
   * Removes and returns the member with the highest score (or, with `count`, up to that many).
   * @returns `{ member, score }` (`undefined` when empty), or an array with `count`
   * @example const best = await cache.zpopmax('bids');
   */
  async zpopmax<T = unknown>(
    key: string,
    options?: CacheKeyOptions,
  ): Promise<ScoredMember<T> | undefined>;
  async zpopmax<T = unknown>(
    key: string,
    count: number,
    options?: CacheKeyOptions,
  ): Promise<ScoredMember<T>[]>;
  async zpopmax<T = unknown>(
    key: string,
    countOrOptions?: number | CacheKeyOptions,
    options?: CacheKeyOptions,
  ): Promise<ScoredMember<T> | undefined | ScoredMember<T>[]> {
    return this.execute<ScoredMember<T> | undefined | ScoredMember<T>[]>(
      zsetOps.zpop<T>(this.ops, 'zpopmax', key, countOrOptions, options),
    );
  }

  // ---- Pipelines and Lua scripts ----

  /**
   * Starts a pipeline: operations queued on it are sent together by `exec()`, in one round trip
   * on Redis (one per node on a cluster), with the same arguments and results as the methods of
   * this cache. With `{ transaction: true }` they run atomically (MULTI/EXEC).
   * @example
   * const [, , count] = await cache
   *   .pipeline()
   *   .zremrangebyscore(key, 0, now - 60_000)
   *   .zadd(key, { [String(now)]: now })
   *   .zcard(key)
   *   .expire(key, '1m')
   *   .exec();
   */
  pipeline(options?: PipelineOptions): CachePipeline {
    return new CachePipeline(this.ops, options?.transaction === true);
  }

  /**
   * Runs a Lua script once (by SHA, with an EVAL fallback). Keys get the cache's prefix and
   * version; `values` are encoded and appended to ARGV; `decode` decodes the reply's strings.
   * On a cluster the keys must share a hash slot. For a script run often, prefer
   * {@link CacheService.defineScript}.
   * @throws NotSupportedError on the memory backend, which has no Lua
   * @throws CrossSlotError on a cluster when the keys are in different slots; nothing is sent
   * @example
   * const old = await cache.eval<string>(
   *   "local v = redis.call('GET', KEYS[1]) redis.call('SET', KEYS[1], ARGV[1]) return v",
   *   { keys: ['greeting'], values: ['hello'], decode: true },
   * );
   */
  async eval<T = unknown>(script: string, options?: ScriptOptions): Promise<T> {
    return this.execute(runScript<T>(this.ops, scriptOp(this.ops, script), options));
  }

  /**
   * Defines a Lua script once; the returned function runs it by SHA (EVALSHA), falling back to
   * EVAL when the server does not know it yet. Calling it on the memory backend throws
   * `NotSupportedError`.
   * @param name - a name for messages
   * @example
   * const swap = cache.defineScript<number>('swap', "...lua...");
   * await swap({ keys: ['{a}:x', '{a}:y'] });
   */
  defineScript<T = unknown>(name: string, lua: string): CacheScript<T> {
    return createScript<T>(this.ops, name, lua, (op, options) =>
      this.execute(runScript<T>(this.ops, op, options)),
    );
  }

  /** Runs one operation and decodes its reply; backend errors become typed errors. */
  /**
   * Runs an operation; a failure throws, or answers `ignored` under `onError: 'ignore'` when
   * the server cannot be reached (given by the plain key operations only).
   */
  private async execute<R>(op: CacheOp<R>, ...ignored: [R] | []): Promise<R> {
    const { step } = op;
    let reply: unknown;
    try {
      reply = await ('op' in step
        ? this.backend.run(step.op, step.keys, step.args)
        : this.backend.command(step));
    } catch (error) {
      return ignored.length === 0 ? this.fail(error, op.key) : this.fail(error, op.key, ignored[0]);
    }
    return op.decode(reply);
  }

  /**
   * Moves a key to a newer version (Django's `incr_version`): the value and its TTL move from
   * `version` to `version + delta`, replacing what was there.
   * @returns the new version
   * @throws KeyNotFoundError when the key does not exist at `version`
   */
  async incrVersion(key: string, delta = 1, version = this.keyBuilder.version): Promise<number> {
    if (!Number.isSafeInteger(delta))
      throw this.invalid('delta', MESSAGES.notSafeInteger(describe(delta)));
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
      throw this.invalid('delta', MESSAGES.notSafeInteger(describe(delta)));
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
    // A missing counter reads as 1: an unreachable one too, under `onError: 'ignore'`.
    const raw = await this.backend.get(key).catch((e) => this.fail(e, namespace, undefined));
    return raw === undefined ? 1 : Number(raw.toString());
  }

  /**
   * Invalidates a group of keys by bumping its version, atomically. The first invalidation
   * yields 2: the version always changes. Version counters never expire and survive `clear()`.
   * @returns the new version
   */
  async invalidateNamespace(namespace: string): Promise<number> {
    return this.execute(keyOps.bumpVersion(this.namespaceKey(namespace), namespace));
  }

  // ---- Method caching ----

  /**
   * Reads `key` or, on a miss, runs `fn` and stores its result: the functional twin of
   * `@Cacheable`, with the same options (tags, stale values, early refresh, stampede protection
   * across processes) and the same stored format (an envelope, see the README). Concurrent calls
   * for one key in this process share one run. When the server cannot be reached, `fn` runs and
   * its result is returned (fail open; the outage is logged once).
   * @param options - `ttl` (**ms** or a duration string; default: the cache's), `tags`,
   *   `unless`, `cacheNullish` (default true), `lock`, `staleWhileRevalidate`, `staleIfError`,
   *   `earlyRefresh`, `timeout`
   * @throws InvalidArgumentError for an invalid key or option; nothing is read or run
   * @throws SerializationError when the result cannot be encoded
   * @throws what `fn` throws, unless a stale value is served instead (`staleIfError`)
   * @example
   * const user = await cache.wrap(`user:${id}:data`, () => db.fetchUser(id), {
   *   ttl: '1h',
   *   tags: [`user:${id}`],
   *   staleWhileRevalidate: '5m',
   * });
   */
  wrap<T>(key: string, fn: () => T | Promise<T>, options?: CacheWrapOptions<T>): Promise<T> {
    // Not async: a hit makes one promise, no awaiting layer (as `@Cacheable`).
    try {
      const resolved = resolveCaching(options);
      if ('problem' in resolved) throw this.invalid(resolved.option, resolved.problem);
      const tags = options?.tags ?? NO_WRAP_TAGS;
      const problem = tagsProblem(tags);
      if (problem !== undefined) throw this.invalid('tags', problem);
      const engine = this.methodCache;
      const fresh = engine.freshAtHand(key, tags, resolved);
      if (fresh !== NOT_AT_HAND) return Promise.resolve(fresh as T);
      return engine.value(key, tags, fn, resolved);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /**
   * Invalidates tags: every entry stored with one of them (by `@Cacheable`, `@CachePut` or
   * `wrap()`) is a miss from now on, across processes. One atomic INCR per tag, whatever the
   * number of entries; the orphaned entries expire by themselves. A tag's counter is the
   * namespace counter of the same name (`invalidateNamespace(tag)` does the same for one tag).
   * @throws InvalidArgumentError when a tag is not a non-empty string
   * @throws CacheXConnectionError when the server cannot be reached
   * @example await cache.invalidateTags([`user:${id}`]);
   */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    const problem = tagsProblem(tags);
    if (problem !== undefined) throw this.invalid('tags', problem);
    await this.methodCache.invalidateTags(tags);
  }

  /**
   * This cache's counters since start-up, by feature: plain operations (`ops`: hits, misses,
   * sets, deletes, errors, timeouts), method and response caching (`methods`: hits, misses,
   * stale values served, refreshes, evictions, bypassed errors), locks (`locks`: acquired, timed
   * out, lost) and rate limits (`rateLimits`: allowed, denied). A snapshot: counting costs an
   * integer increment, reading copies the numbers.
   * @example
   * const { ops, methods } = cache.stats();
   * const hitRatio = ops.hits / (ops.hits + ops.misses || 1);
   */
  stats(): CacheStats {
    return this.counters.snapshot(this.methodCache.stats);
  }

  /**
   * Measures a round trip to the cache's server: one PING (on a cluster, to a node the client
   * picks). The memory backend has no server and is always reachable: it answers at once.
   * @returns the round trip in **milliseconds** (fractional)
   * @throws CacheXConnectionError when the server cannot be reached
   * @example const ms = await cache.ping();
   */
  async ping(): Promise<number> {
    const started = performance.now();
    if (this.backend.kind !== 'memory') {
      try {
        await this.backend.command(PING);
      } catch (error) {
        this.fail(error);
      }
    }
    return performance.now() - started;
  }

  /** @internal The engine of method and response caching on this cache. */
  get methodCache(): MethodCache {
    this.methods ??= new MethodCache({
      name: this.name,
      backend: this.backend,
      defaultTtl: this.defaultTtl,
      fullKey: (key) => this.fullKey(key),
      tagKey: (tag) => this.namespaceKey(tag),
      encode: (value, key) => this.encode(value, key),
      decode: (raw, key) => this.decode(raw, key),
      readDecoded:
        this.backend.readDecoded === undefined
          ? undefined
          : (full) => this.backend.readDecoded!(full, this.decodeRaw),
      lock: (name, options) => this.lock(name, options),
      mapError: (error, key) => mapBackendError(error, this.name, key),
      outage: this.outage,
    });
    return this.methods;
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
    return createLock(this.lockHost, name, options);
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
    return runWithLock(this.lockHost, name, fn, options);
  }

  /** @internal Closes the backend; the registry calls it on application shutdown. */
  async close(): Promise<void> {
    this.outage.close();
    this.methods?.close();
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
    // Redis gets keys as UTF-8, where every lone surrogate becomes U+FFFD: two such keys would be
    // one key there and two in memory.
    if (!(key as WellFormedString).isWellFormed())
      throw this.invalid('key', MESSAGES.keyNotWellFormed(describe(key)));
    const version = options?.version;
    if (version !== undefined && !Number.isSafeInteger(version)) {
      throw this.invalid('version', MESSAGES.notSafeInteger(describe(version)));
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
      throw this.invalid(
        'ttl',
        MESSAGES.durationBelowOneMs(describe(ttl), 'use null for no expiry, or delete the key'),
      );
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

  /** The codec's decode, as one function for the life of the cache (the memory backend's memo key). */
  private readonly decodeRaw = (raw: RawValue): unknown => this.codec.decode(raw);

  /** `set` of a JSON copy on an in-process backend: `setArguments` without encoding. */
  private setDecoded(key: string, copy: unknown, options: CacheSetOptions | undefined): boolean {
    const full = this.fullKey(key, options);
    const ttl = this.resolveTtl(options?.ttl);
    if (options?.nx && options.xx) throw this.invalid('options', 'cannot have both `nx` and `xx`');
    const condition = options?.nx ? 'nx' : options?.xx ? 'xx' : undefined;
    try {
      return this.backend.setDecoded!(full, copy, this.decodeRaw, ttl, condition);
    } catch (error) {
      this.fail(error, key);
    }
  }

  /** `get` on an in-process backend: its frozen decoded value, without a promise per layer. */
  private readDecoded(full: string, key: string, wrongTypeMisses = false): unknown {
    try {
      return this.backend.readDecoded!(full, this.decodeRaw);
    } catch (error) {
      if (error instanceof BackendReplyError) {
        if (wrongTypeMisses) return undefined;
        this.fail(error, key);
      }
      throw new SerializationError(
        MESSAGES.decode(this.name, key, errorText(error)),
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

  /**
   * Rethrows a backend failure as the typed error. Hot paths call it from try/catch rather than
   * `.catch(closure)`: no closure and no extra promise per call. A plain operation passes what it
   * answers when it ignores an outage (`ignored`: a miss, or "nothing written"): returned,
   * instead of throwing, when the cache has `onError: 'ignore'` and the server could not be
   * reached; every other failure throws.
   */
  private fail(error: unknown, key?: string): never;
  private fail<F>(error: unknown, key: string | undefined, ignored: F): F;
  private fail<F>(error: unknown, key?: string, ...ignored: [F] | []): F {
    this.counters.failed(error);
    const mapped = mapBackendError(error, this.name, key);
    if (ignored.length === 0 || !this.ignoreOutages || !(mapped instanceof CacheXConnectionError))
      throw mapped;
    this.outage.failed(MESSAGES.ignoredDown(this.name, mapped.message));
    return ignored[0];
  }
}

/** ES2024's `String#isWellFormed` (Node ≥ 20), which the ES2023 lib of the build does not type. */
type WellFormedString = string & { isWellFormed(): boolean };

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
