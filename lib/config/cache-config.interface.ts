import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { KeyFunction, ReverseKeyFunction } from '../keys/key-builder.js';
import type { Duration } from '../utils/duration.js';

// The names come from the formats table (one entry per serializer and compressor).
export type { CompressorName, SerializerName } from '../codecs/formats.js';
import type { CompressorName, SerializerName } from '../codecs/formats.js';

/**
 * A serializer supplied by the application, e.g. for superjson or protobuf. Its output is stored
 * behind a two-byte header (see README, "Serializers and compression"), so that a fallback
 * chain can tell its values from those of the built-in serializers.
 *
 * With `binary: false` (the default) it turns values into text and receives text back; with
 * `binary: true` it produces bytes and receives a `Buffer` (a copy: keeping it is safe).
 * `serialize` may throw on a value it cannot represent: the cache then throws a
 * `SerializationError` naming the key and writes nothing.
 *
 * @example
 * import superjson from 'superjson';
 * const serializer: CustomSerializer = { serialize: superjson.stringify, deserialize: superjson.parse };
 */
export type CustomSerializer =
  | {
      /** Whether it produces bytes. @default false */
      readonly binary?: false;
      serialize(value: unknown): string;
      deserialize(text: string): unknown;
    }
  | {
      readonly binary: true;
      serialize(value: unknown): Uint8Array;
      deserialize(bytes: Buffer): unknown;
    };

/**
 * What a cache's plain operations do when the server cannot be reached (see
 * `CacheConfig.onError`): `'throw'` a `CacheXConnectionError`, or `'ignore'` it (reads miss,
 * writes are dropped).
 */
export type OnError = 'throw' | 'ignore';

/**
 * How a Redis cache's commands reach the server:
 * - `'coalesce'`: as `'tick'`, and besides, the `get`s that follow each other in a
 *   tick are sent as one `MGET` (per hash slot on a cluster), the `incr`s as one script and the
 *   single-key `delete`s as one script, and the runs of one of the library's scripts (rate
 *   limits, locks) as one script that runs its body per call, each call still getting its own
 *   value, miss or error
 *   (a `get` of a key of another type still throws `WrongTypeError`). At most 128 calls share a
 *   command; a call of another kind sends the waiting ones first, so the server sees the
 *   commands in the order of the calls. A call alone in its tick is sent as its plain command.
 * - `'adaptive'` (the default): as `'coalesce'` while the connection is idle; on a busy connection (replies
 *   outstanding when a tick's first command is issued), the commands are held until
 *   `setImmediate` (the end of the event loop's poll phase) instead of the end of the tick, so
 *   that the calls of every socket callback of that turn (the requests of an HTTP server, each
 *   its own tick) share one socket write and, where they coalesce, one command. A command on a
 *   busy connection then waits at most for the rest of the poll phase; with one command in
 *   flight nothing is held.
 * - `'tick'`: every command the cache sends in one tick of the event loop (its synchronous code
 *   and the promise callbacks that follow) leaves in one socket write, per node on a cluster, as
 *   node-redis does. Nothing waits for a later turn of the event loop, and ioredis' ordering,
 *   retries, timeouts, offline queue and reconnection are unchanged.
 * - `'off'`: each command is written at once, as plain ioredis does.
 */
export type Batching = 'adaptive' | 'coalesce' | 'tick' | 'off';

/** Sentinel-managed Redis: ioredis' Sentinel options. */
export interface SentinelConfig {
  /** Sentinel addresses, e.g. `[{ host: '10.0.0.5', port: 26379 }]`. */
  sentinels: Array<{ host: string; port: number }>;
  /** Name of the master group the sentinels watch (`sentinel monitor <name> …`). */
  name: string;
  /** Password of the sentinels themselves (the data password comes from `location`). */
  sentinelPassword?: string;
  /** Extra ioredis Sentinel options (`role`, `sentinelTLS`, `natMap`, …). */
  options?: Omit<RedisOptions, 'sentinels' | 'name' | 'keyPrefix'>;
}

/**
 * Configuration of one named cache.
 *
 * @example
 * { location: 'valkey://127.0.0.1:6379/1', ttl: '14d', keyPrefix: 'sess' }
 */
export interface CacheConfig {
  /**
   * Where the cache lives:
   * - `redis://[user:password@]host[:port][/db]`, `valkey://…` (same protocol), `rediss://…`
   *   and `valkeys://…` (TLS); `?db=N` works as well as the path;
   * - `unix:///path/to/redis.sock?db=N` (add `&password=…` for a password);
   * - an array of `redis://host:port` seed nodes with `cluster: true`;
   * - `memory://` for the in-process backend; caches naming the same `memory://<name>` store
   *   (`memory://` is the store '') share its data, as caches on one Redis database do.
   * @default 'memory://'
   */
  location?: string | string[];
  /**
   * Use Redis Cluster: `true`, or ioredis' `ClusterOptions` (`scaleReads`, `natMap`, …).
   * @default false
   */
  cluster?: boolean | Omit<ClusterOptions, 'keyPrefix' | 'redisOptions'>;
  /** Use a Sentinel-managed master instead of a fixed address (`location` then gives db and password). */
  sentinel?: SentinelConfig;
  /**
   * Default time to live of entries, in **milliseconds** or a duration string (`'30s'`, `'14d'`);
   * `null` = entries never expire. Must be positive.
   * @default 300000 (5 minutes)
   */
  ttl?: Duration | null;
  /**
   * Prefix of every key of this cache. Keys of caches sharing a database do not collide when
   * their prefixes differ; `clear()` deletes only keys with this prefix and version.
   * @default ''
   */
  keyPrefix?: string;
  /**
   * Version part of every key (a positive integer). Bumping it orphans all existing entries.
   * @default 1
   */
  version?: number;
  /** Custom full-key builder; requires `reverseKeyFunction`. @default `prefix:version:key` */
  keyFunction?: KeyFunction;
  /** Inverse of `keyFunction`; required when `keyFunction` is set. */
  reverseKeyFunction?: ReverseKeyFunction;
  /**
   * ioredis options passed through (timeouts, `tls`, `retryStrategy`, `maxRetriesPerRequest`,
   * `enableAutoPipelining`, …); with a cluster they become each node's `redisOptions`. ioredis'
   * own `keyPrefix` is not allowed: the cache applies `keyPrefix` itself, patterns included.
   * Defaults that differ from ioredis: `maxRetriesPerRequest: 3`,
   * `retryStrategy` (also `clusterRetryStrategy` and `sentinelRetryStrategy`): reconnect after
   * 50 ms, doubling per attempt up to 2 s; and, on standalone and Sentinel connections,
   * `autoResendUnfulfilledCommands: false` (a command whose reply a dropped connection lost
   * fails with `CommandOutcomeUnknownError` instead of being sent again; `true` restores
   * ioredis' re-sending). `redis.commandTimeout` is the same setting as the cache option
   * `commandTimeout` (give one of them).
   */
  redis?: Omit<RedisOptions, 'keyPrefix'>;
  /**
   * Redis only: how commands reach the server (see {@link Batching}). `'tick'` gathers the
   * commands of one tick into one socket write: fewer system calls and packets under concurrency,
   * and nothing waited for when one command is in flight; `'coalesce'` also merges a tick's gets
   * (one MGET), increments, single-key deletes and runs of one library script (one script each),
   * which saves ioredis' client work per command; `'adaptive'` also holds the commands of a busy
   * connection (replies outstanding) until `setImmediate`, so that the calls of one turn of the
   * event loop (an HTTP server's requests) share a write and coalesce. ioredis' own `enableAutoPipelining` (off by default) can still be set in
   * `redis`; it sends batches a turn of the event loop later.
   * @default 'adaptive'
   */
  batching?: Batching;
  /**
   * An ioredis client (standalone or Cluster) to use instead of creating one. It is not quit on
   * shutdown: whoever created it owns it. `location`, `cluster`, `sentinel` and `redis` cannot be combined with it.
   */
  client?: Redis | Cluster;
  /** Memory backend only: most entries kept, least recently used evicted first. @default unbounded */
  maxEntries?: number;
  /**
   * Memory backend only: how often expired entries are swept, in **milliseconds** or a duration
   * string (reads also expire entries lazily).
   * @default 60000 (1 minute)
   */
  sweepInterval?: Duration;
  /**
   * How values are serialized: `'json'` (plain JSON text; Date, Buffer, bigint, Map and Set
   * round-trip as extended JSON), `'msgpack'` (needs the msgpackr package), `'v8'` (Node's
   * structured clone: **never on data others can write**), or a {@link CustomSerializer}.
   * A list is a fallback chain for migrations: the first writes, every one reads what it wrote
   * (values carry a header that says which), e.g. `['msgpack', 'json']`. Finite numbers are
   * stored as plain JSON numbers whatever the serializer, so that `incr` and `hincrbyfloat` work.
   * @default 'json'
   */
  serializer?: SerializerName | CustomSerializer | ReadonlyArray<SerializerName | CustomSerializer>;
  /**
   * How values are compressed: `'gzip'`, `'deflate'`, `'brotli'` (node:zlib), `'zstd'` (needs
   * zstd-napi), `'lz4'` (needs lz4-napi), or `'none'`. Values shorter than `compressMinSize`
   * are stored uncompressed, and compressed ones carry a header, so both kinds coexist. A list
   * is a fallback chain: the first writes (`'none'` first: stop compressing), every one reads,
   * e.g. `['zstd', 'gzip']`.
   * @default 'none'
   */
  compressor?: CompressorName | 'none' | ReadonlyArray<CompressorName | 'none'>;
  /**
   * Serialized values shorter than this many **bytes** are stored uncompressed (compression
   * costs more than it saves on small values). Requires `compressor`.
   * @default 1024
   */
  compressMinSize?: number;
  /**
   * The largest a compressed value may grow to when decompressed, in **bytes**. A stored value
   * that would decompress to more (a "zip bomb" written by anyone who can write to the server)
   * fails with `SerializationError` before that much memory is allocated, whatever the
   * compressor. Applies to reads only; a whole number ≥ 1.
   * @default 67108864 (64 MiB)
   */
  maxValueSize?: number;
  /**
   * How long one command may take before it fails with `CacheXConnectionError`, in
   * **milliseconds** or a duration string; `null` = no limit (ioredis' default: a call waits as
   * long as the server is gone). It covers the whole wait: a command issued while the connection
   * is down waits in the offline queue at most this long, and is then dropped from the queue,
   * never sent late. Locks and rate limits wait on their own deadlines, each try bounded by this.
   * Kept by one sweep per connection (each node's, on a cluster), not by ioredis' timer per
   * command, so a command fails between this and a tenth more. No effect on `memory://`;
   * cannot be combined with `client`.
   * @default 1000 (1 s)
   */
  commandTimeout?: Duration | null;
  /**
   * What plain operations do when the server cannot be reached (connection lost, command
   * timed out, outcome unknown): `'throw'` a `CacheXConnectionError`; or `'ignore'` it, as
   * django-redis' IGNORE_EXCEPTIONS: reads answer a miss (`get` → `undefined`, `has` → `false`,
   * `ttl` → `undefined`, `getMany` → no entries, `namespaceVersion` → 1), writes are dropped and
   * answer "nothing done" (`set`, `add`, `delete`, `touch`, `expire`, `expireAt`, `persist` →
   * `false`; `deleteMany` → 0; `setMany` returns). The outage is logged once and the recovery
   * once. Whatever the setting, these throw: `incr`/`decr` (no number to pretend),
   * invalidations and version moves (a lost one would serve stale data later), scans, data
   * structures, pipelines, scripts, and locks (never pretend to be held); bad arguments, values
   * that cannot be encoded or decoded and wrong types always throw. Method caching always fails
   * open; rate limits follow their `onBackendError`.
   * @default 'throw'
   */
  onError?: OnError;
  /**
   * Whether `app.init()` waits for the server: `true` (up to 5 s), a wait in **milliseconds** or
   * a duration string, or `false`. When the server does not answer in time, `app.init()` fails
   * with `CacheXConnectionError` naming the cache and its location (password masked). With
   * `false` the application starts at once; commands fail (per `onError`) until the server is
   * reachable, and the cache recovers by itself when it is. No effect on `memory://`.
   * @default false
   */
  waitForReady?: boolean | Duration;
}

/** The caches of an application by name. `default` is required: it is what `CacheService` injects. */
export type CachesConfig = { default: CacheConfig } & Record<string, CacheConfig>;
