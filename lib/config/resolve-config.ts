import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { KeyBuilder } from '../keys/key-builder.js';
import { findKeyspaceOverlap } from '../keys/keyspace-overlap.js';
import { MESSAGES } from '../cachex.messages.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { describe, parseDuration } from '../utils/duration.js';
import type {
  Batching,
  CacheConfig,
  CachesConfig,
  CompressorName,
  CustomSerializer,
  OnError,
  SentinelConfig,
  SerializerName,
} from './cache-config.interface.js';
import { parseLocation } from './location.js';
import { DEFAULT_MAX_VALUE_SIZE } from '../codecs/value-codec.js';
import { COMPRESSORS, SERIALIZERS } from '../codecs/formats.js';

/** How to build a cache's backend, after validation. */
export type BackendSpec =
  | { kind: 'memory'; store: string; maxEntries?: number; sweepInterval: number }
  | { kind: 'redis'; options: RedisOptions }
  | {
      kind: 'cluster';
      nodes: Array<{ host: string; port: number }>;
      options: RedisOptions;
      clusterOptions: Omit<ClusterOptions, 'redisOptions'>;
    }
  | { kind: 'client'; client: Redis | Cluster };

/** How to build a cache's codec, after validation: chains as lists, sizes in bytes. */
export interface CodecSpec {
  /** The serializer chain: the first writes, all read. */
  serializers: ReadonlyArray<SerializerName | CustomSerializer>;
  /** The compressor chain: the first writes (`'none'`: uncompressed), all read. Empty: none. */
  compressors: ReadonlyArray<CompressorName | 'none'>;
  /** Smallest serialized size, in bytes, that is compressed. */
  compressMinSize: number;
  /** Largest decompressed size, in bytes, of a stored value. */
  maxValueSize: number;
}

/** A cache's configuration, validated, with defaults applied and durations in ms. */
export interface ResolvedCacheConfig {
  name: string;
  /** Default TTL in ms; `null` = no expiry. */
  ttl: number | null;
  keys: KeyBuilder;
  backend: BackendSpec;
  codec: CodecSpec;
  /** What plain operations do when the server cannot be reached (see `CacheConfig.onError`). */
  onError: OnError;
  /** How long `app.init()` waits for the server, in ms; `null` = it does not wait. */
  waitForReady: number | null;
  /** Whether a Redis cache sends the commands of one tick in one write (always false on memory). */
  batching: Batching;
}

/** Default TTL of a cache: 5 minutes, as in Django. */
export const DEFAULT_TTL_MS = 300_000;
/** A plain-number `ttl` below this many ms (1 s) was most likely meant in seconds. */
const SECONDS_LIKE_TTL_MS = 1000;
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
/**
 * Default `compressMinSize`, in bytes. Below about 1 KB compression saves a few hundred bytes at
 * most, while a zlib call costs more than a small read; django-cachex uses 256.
 */
export const DEFAULT_COMPRESS_MIN_SIZE = 1024;
const SERIALIZER_NAMES = Object.keys(SERIALIZERS) as readonly SerializerName[];
const COMPRESSOR_NAMES = ['none', ...Object.keys(COMPRESSORS)] as ReadonlyArray<
  CompressorName | 'none'
>;
/**
 * Default `commandTimeout`, in ms. A cache command answers in well under a millisecond on a
 * healthy server nearby, and in tens of ms at worst on a busy one, so the timeout fires only when
 * the server is gone or stalled, and bounds a request's wait on the cache to about a second
 * instead of ioredis' 6 to 20 s. Not lower: the timer also runs while this process is starved
 * of CPU (start-up under a CPU quota, a long GC pause), and a reply that arrived meanwhile loses
 * to the timer; at 500 ms, the first commands of fresh connections timed out that way in about
 * one test run in three on a loaded 2-core machine. Lower it per cache where that cannot happen.
 */
export const DEFAULT_COMMAND_TIMEOUT_MS = 1_000;
/**
 * How long `waitForReady: true` waits, in ms: long enough for a server started alongside the
 * application (a container, a service) to accept connections.
 */
export const DEFAULT_READY_WAIT_MS = 5_000;
/** First reconnection delay, in ms; it doubles per failed attempt. */
const RECONNECT_FIRST_MS = 50;
/** Longest delay between two reconnection attempts, in ms. */
const RECONNECT_MAX_MS = 2_000;

/**
 * The delay before reconnection attempt `attempt` (1-based), in ms: 50 ms doubling up to 2 s,
 * less up to a fifth at random, so that the processes of a fleet do not all reconnect at once
 * to a server that is coming back. ioredis' own default grows to 5 s, so a server that returns
 * could wait that long for its clients.
 */
export function reconnectDelay(attempt: number): number {
  const delay = Math.min(RECONNECT_FIRST_MS * 2 ** (attempt - 1), RECONNECT_MAX_MS);
  return delay - Math.floor(Math.random() * delay * 0.2);
}

/** ioredis defaults we change: a cache should fail fast rather than queue for 20 retries. */
const REDIS_DEFAULTS: RedisOptions = { maxRetriesPerRequest: 3 };
/**
 * What a standalone or Sentinel client does with commands whose reply a dropped connection lost:
 * not re-sent (ioredis re-sends them, so that `incr` could run twice); the backend rejects them
 * with `CommandOutcomeUnknownError` instead. NOTE: not for a cluster, whose nodes ioredis
 * manages: there ioredis' re-sending stays (see the README).
 */
const STANDALONE_DEFAULTS: RedisOptions = { autoResendUnfulfilledCommands: false };

const KNOWN_OPTIONS: ReadonlyArray<keyof CacheConfig> = [
  'location',
  'cluster',
  'sentinel',
  'ttl',
  'keyPrefix',
  'version',
  'keyFunction',
  'reverseKeyFunction',
  'redis',
  'batching',
  'client',
  'maxEntries',
  'sweepInterval',
  'serializer',
  'compressor',
  'compressMinSize',
  'maxValueSize',
  'commandTimeout',
  'onError',
  'waitForReady',
];

/**
 * Validates every cache and applies defaults. Throws a {@link CacheXConfigError} naming the
 * cache and the option at the first problem, so that a bad configuration stops the application
 * at start-up; also when two caches on one server and database (or `memory://` store) have
 * overlapping key spaces (see `findKeyspaceOverlap`), naming both.
 */
export function resolveCaches(caches: unknown): ResolvedCacheConfig[] {
  if (typeof caches !== 'object' || caches === null || Array.isArray(caches)) {
    throw new CacheXConfigError(MESSAGES.cachesNotAnObject());
  }
  const names = Object.keys(caches);
  if (!names.includes('default'))
    throw new CacheXConfigError(MESSAGES.noDefaultCache(names), 'default');
  const resolved = names.map((name) => resolveCache(name, (caches as CachesConfig)[name]));
  const overlap = findKeyspaceOverlap(resolved);
  if (overlap) {
    throw new CacheXConfigError(
      MESSAGES.overlappingCaches(overlap.first, overlap.second, overlap.detail),
      overlap.second,
      'keyPrefix',
    );
  }
  return resolved;
}

/**
 * The caches whose `ttl` is a plain number under 1 s (`ttl: 300`): valid, but most likely seconds
 * written where milliseconds are meant, so worth a warning at start-up. A duration string
 * (`'300ms'`) says the unit and is never listed. Call it on a configuration that
 * {@link resolveCaches} accepted.
 */
export function secondsLikeTtls(caches: CachesConfig): Array<{ cache: string; ttl: number }> {
  return Object.entries(caches).flatMap(([cache, config]) => {
    const ttl = config?.ttl;
    return typeof ttl === 'number' && ttl < SECONDS_LIKE_TTL_MS ? [{ cache, ttl }] : [];
  });
}

function resolveCache(name: string, config: unknown): ResolvedCacheConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new CacheXConfigError(MESSAGES.notAnObject(name), name);
  }
  const c = config as CacheConfig;
  const fail = (option: string, problem: string): never => {
    throw new CacheXConfigError(MESSAGES.invalidOption(name, option, problem), name, option);
  };
  for (const option of Object.keys(c)) {
    if (!KNOWN_OPTIONS.includes(option as keyof CacheConfig)) {
      throw new CacheXConfigError(
        MESSAGES.unknownOption(name, option, KNOWN_OPTIONS),
        name,
        option,
      );
    }
  }

  let ttl: number | null = DEFAULT_TTL_MS;
  if (c.ttl === null) ttl = null;
  else if (c.ttl !== undefined) {
    const parsed = parseDuration(c.ttl);
    if (typeof parsed === 'string') fail('ttl', parsed);
    if (parsed === 0) {
      fail(
        'ttl',
        MESSAGES.durationBelowOneMs(describe(c.ttl), 'use null for entries that never expire'),
      );
    }
    ttl = parsed as number;
  }

  if (c.keyPrefix !== undefined && typeof c.keyPrefix !== 'string') {
    fail('keyPrefix', `must be a string, got ${describe(c.keyPrefix)}`);
  }
  const keyPrefix = c.keyPrefix ?? '';
  const version = c.version ?? 1;
  if (!Number.isSafeInteger(version) || version < 1) {
    fail('version', `must be a positive integer, got ${describe(version)}`);
  }
  if (c.keyFunction !== undefined && typeof c.keyFunction !== 'function') {
    fail('keyFunction', 'must be a function (key, prefix, version) => string');
  }
  if (c.reverseKeyFunction !== undefined && typeof c.reverseKeyFunction !== 'function') {
    fail('reverseKeyFunction', 'must be a function (fullKey) => string');
  }
  if (c.keyFunction && !c.reverseKeyFunction) {
    fail(
      'reverseKeyFunction',
      'is required with a custom `keyFunction`, so that keys() can return user keys',
    );
  }
  const keys = new KeyBuilder(keyPrefix, version, c.keyFunction, c.reverseKeyFunction);
  const onError = c.onError ?? 'throw';
  if (onError !== 'throw' && onError !== 'ignore') {
    fail('onError', `must be 'throw' or 'ignore', got ${describe(c.onError)}`);
  }
  const backend = resolveBackend(c, resolveCommandTimeout(c, fail), fail);
  return {
    name,
    ttl,
    keys,
    backend,
    codec: resolveCodec(c, fail),
    onError,
    waitForReady: resolveWaitForReady(c, fail),
    batching: resolveBatching(c.batching, backend, fail),
  };
}

/**
 * The `commandTimeout` in ms (`null`: none). ioredis' own `redis.commandTimeout` (or the Sentinel
 * options') is taken as the same setting, so that it bounds the offline queue too; given twice,
 * it is refused.
 */
function resolveCommandTimeout(
  c: CacheConfig,
  fail: (option: string, problem: string) => never,
): number | null {
  for (const [option, options] of [
    ['redis', c.redis],
    ['sentinel.options', c.sentinel?.options],
  ] as const) {
    if (typeof options !== 'object' || options === null || !('commandTimeout' in options)) continue;
    const path = `${option}.commandTimeout`;
    if (c.commandTimeout !== undefined)
      fail(path, 'repeats the cache option `commandTimeout`: give it once, as the cache option');
    const ms = options.commandTimeout;
    if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 1)
      fail(path, `must be a whole number of milliseconds ≥ 1, got ${describe(ms)}`);
    return ms as number;
  }
  if (c.commandTimeout === undefined) return DEFAULT_COMMAND_TIMEOUT_MS;
  if (c.client !== undefined) {
    fail(
      'commandTimeout',
      'cannot be combined with `client`: the client you pass in is already configured',
    );
  }
  if (c.commandTimeout === null) return null;
  const ms = parseDuration(c.commandTimeout);
  if (typeof ms === 'string') return fail('commandTimeout', ms);
  if (ms === 0) {
    fail(
      'commandTimeout',
      MESSAGES.durationBelowOneMs(describe(c.commandTimeout), 'use null for no timeout'),
    );
  }
  return ms;
}

/** `waitForReady` in ms: `true` is {@link DEFAULT_READY_WAIT_MS}; `false` is `null` (no wait). */
function resolveWaitForReady(
  c: CacheConfig,
  fail: (option: string, problem: string) => never,
): number | null {
  const wait = c.waitForReady ?? false;
  if (wait === false) return null;
  if (wait === true) return DEFAULT_READY_WAIT_MS;
  const ms = parseDuration(wait);
  if (typeof ms === 'string') return fail('waitForReady', `${ms} (or true / false)`);
  if (ms === 0) {
    fail('waitForReady', MESSAGES.durationBelowOneMs(describe(wait), 'use false not to wait'));
  }
  return ms;
}

const BATCHING_MODES: readonly Batching[] = ['adaptive', 'coalesce', 'tick', 'off'];

/**
 * The `batching` option: `'adaptive'` by default on Redis; refused on a memory cache (which
 * resolves to `'off'`: it has no connection).
 */
function resolveBatching(
  batching: unknown,
  backend: BackendSpec,
  fail: (option: string, problem: string) => never,
): Batching {
  if (batching === undefined) return backend.kind === 'memory' ? 'off' : 'adaptive';
  if (!BATCHING_MODES.includes(batching as Batching)) {
    fail('batching', `must be 'adaptive', 'coalesce', 'tick' or 'off', got ${describe(batching)}`);
  }
  if (backend.kind === 'memory') fail('batching', 'applies to Redis caches only');
  return batching as Batching;
}

function resolveCodec(c: CacheConfig, fail: (option: string, problem: string) => never): CodecSpec {
  const serializers = asChain(c.serializer ?? 'json', 'serializer', fail);
  const validSerializers = `${SERIALIZER_NAMES.map((n) => `'${n}'`).join(', ')}, or an object { serialize, deserialize, binary? }`;
  let customs = 0;
  serializers.forEach(([option, entry]) => {
    if (typeof entry === 'string') {
      if (!SERIALIZER_NAMES.includes(entry as SerializerName)) {
        fail(option, `names an unknown serializer ${describe(entry)}; valid: ${validSerializers}`);
      }
      return;
    }
    const custom = entry as Partial<Record<keyof CustomSerializer, unknown>> | null;
    if (
      typeof custom !== 'object' ||
      custom === null ||
      typeof custom.serialize !== 'function' ||
      typeof custom.deserialize !== 'function'
    ) {
      fail(option, `must be one of ${validSerializers}, got ${describe(entry)}`);
    }
    if (custom.binary !== undefined && typeof custom.binary !== 'boolean') {
      fail(`${option}.binary`, `must be a boolean, got ${describe(custom.binary)}`);
    }
    if (++customs > 1) {
      fail(
        option,
        'is a second custom serializer; a chain tells only one apart (their values share one header): combine them into one serializer',
      );
    }
  });

  const compressors = c.compressor === undefined ? [] : asChain(c.compressor, 'compressor', fail);
  for (const [option, entry] of compressors) {
    if (!COMPRESSOR_NAMES.includes(entry as CompressorName)) {
      fail(
        option,
        `names an unknown compressor ${describe(entry)}; valid: ${COMPRESSOR_NAMES.map((n) => `'${n}'`).join(', ')}`,
      );
    }
  }

  let compressMinSize = DEFAULT_COMPRESS_MIN_SIZE;
  if (c.compressMinSize !== undefined) {
    if (!Number.isSafeInteger(c.compressMinSize) || c.compressMinSize < 0) {
      fail(
        'compressMinSize',
        `must be a number of bytes (an integer ≥ 0), got ${describe(c.compressMinSize)}`,
      );
    }
    if (compressors.every(([, entry]) => entry === 'none')) {
      fail('compressMinSize', 'applies only with a `compressor`');
    }
    compressMinSize = c.compressMinSize;
  }
  const maxValueSize = c.maxValueSize === undefined ? DEFAULT_MAX_VALUE_SIZE : c.maxValueSize;
  if (!Number.isSafeInteger(maxValueSize) || maxValueSize < 1) {
    fail(
      'maxValueSize',
      `must be a number of bytes (a whole number ≥ 1), got ${describe(c.maxValueSize)}`,
    );
  }
  return {
    serializers: serializers.map(([, entry]) => entry as SerializerName | CustomSerializer),
    compressors: compressors.map(([, entry]) => entry as CompressorName | 'none'),
    compressMinSize,
    maxValueSize,
  };
}

/**
 * A serializer or compressor option as a chain of `[option path, entry]`: a single entry, or a
 * non-empty list without repeats (`serializer[1]` names the second entry of a list).
 */
function asChain(
  value: unknown,
  option: string,
  fail: (option: string, problem: string) => never,
): Array<[string, unknown]> {
  if (!Array.isArray(value)) return [[option, value]];
  if (value.length === 0) fail(option, 'must list at least one entry (the first one writes)');
  const chain = value.map((entry, i): [string, unknown] => [`${option}[${i}]`, entry]);
  chain.forEach(([path, entry], i) => {
    if (value.indexOf(entry) !== i) fail(path, `repeats ${describe(entry)}`);
  });
  return chain;
}

function resolveBackend(
  c: CacheConfig,
  commandTimeout: number | null,
  fail: (option: string, problem: string) => never,
): BackendSpec {
  if (c.redis !== undefined) {
    if (typeof c.redis !== 'object' || c.redis === null)
      fail('redis', 'must be an object of ioredis options');
    if ('keyPrefix' in c.redis) {
      fail(
        'redis.keyPrefix',
        'is not supported: use the cache option `keyPrefix`, which also applies to patterns',
      );
    }
  }
  if (c.client !== undefined) {
    const client = c.client as { status?: unknown; call?: unknown };
    if (typeof client !== 'object' || client === null || typeof client.call !== 'function') {
      fail('client', 'must be an ioredis Redis or Cluster instance');
    }
    for (const option of [
      'location',
      'cluster',
      'sentinel',
      'redis',
      'maxEntries',
      'sweepInterval',
    ] as const) {
      if (c[option] !== undefined)
        fail(
          option,
          'cannot be combined with `client`: the client you pass in is already configured',
        );
    }
    return { kind: 'client', client: c.client };
  }
  if (typeof c.cluster === 'object' && c.cluster !== null && 'keyPrefix' in c.cluster) {
    fail(
      'cluster.keyPrefix',
      'is not supported: use the cache option `keyPrefix`, which also applies to patterns',
    );
  }

  const clusterOption = c.cluster ?? false;
  if (
    typeof clusterOption !== 'boolean' &&
    (typeof clusterOption !== 'object' || clusterOption === null)
  ) {
    fail('cluster', 'must be true, false or an object of ioredis ClusterOptions');
  }
  const isCluster = clusterOption !== false;
  if (c.sentinel !== undefined) {
    if (isCluster) fail('sentinel', 'cannot be combined with `cluster`');
    if (c.maxEntries !== undefined) fail('maxEntries', 'applies to `memory://` caches only');
    if (c.sweepInterval !== undefined) fail('sweepInterval', 'applies to `memory://` caches only');
    return {
      kind: 'redis',
      options: {
        ...STANDALONE_DEFAULTS,
        ...boundedWaits(commandTimeout),
        sentinelRetryStrategy: reconnectDelay,
        ...(commandTimeout === null ? {} : { sentinelCommandTimeout: commandTimeout }),
        ...resolveSentinel(c, fail),
      },
    };
  }

  const parsed = parseLocation(c.location ?? 'memory://', isCluster);
  if (typeof parsed === 'string') return fail('location', parsed);
  if (parsed.kind === 'memory') {
    if (c.redis !== undefined)
      fail('redis', 'applies to Redis locations only, and this cache is `memory://`');
    const maxEntries = c.maxEntries;
    if (maxEntries !== undefined && (!Number.isSafeInteger(maxEntries) || maxEntries < 1)) {
      fail('maxEntries', `must be a positive integer, got ${describe(maxEntries)}`);
    }
    let sweepInterval = DEFAULT_SWEEP_INTERVAL_MS;
    if (c.sweepInterval !== undefined) {
      const ms = parseDuration(c.sweepInterval);
      if (typeof ms === 'string') fail('sweepInterval', ms);
      if (ms === 0)
        fail(
          'sweepInterval',
          MESSAGES.durationBelowOneMs(describe(c.sweepInterval), 'sweep less often'),
        );
      sweepInterval = ms as number;
    }
    return { kind: 'memory', store: parsed.store, maxEntries, sweepInterval };
  }
  if (c.maxEntries !== undefined)
    fail(
      'maxEntries',
      'applies to `memory://` caches only (Redis evicts by its own maxmemory-policy)',
    );
  if (c.sweepInterval !== undefined) fail('sweepInterval', 'applies to `memory://` caches only');

  const options = {
    ...boundedWaits(commandTimeout),
    ...mergeRedisOptions(parsed.options, c.redis),
  };
  if (parsed.kind === 'cluster') {
    const clusterOptions = typeof clusterOption === 'object' ? clusterOption : {};
    return {
      kind: 'cluster',
      nodes: parsed.nodes,
      options,
      clusterOptions: {
        clusterRetryStrategy: reconnectDelay,
        ...clusterOptions,
      },
    };
  }
  return { kind: 'redis', options: { ...STANDALONE_DEFAULTS, ...options } };
}

/**
 * The ioredis options that bound every wait on the server: the per-command timeout (which
 * ioredis arms when a command is issued, so it covers commands queued while disconnected too;
 * see `boundOfflineQueue`) and a capped reconnection backoff. `redis` options override them.
 */
function boundedWaits(commandTimeout: number | null): RedisOptions {
  return {
    ...(commandTimeout === null ? {} : { commandTimeout }),
    retryStrategy: reconnectDelay,
  };
}

function resolveSentinel(
  c: CacheConfig,
  fail: (option: string, problem: string) => never,
): RedisOptions {
  const s = c.sentinel as SentinelConfig;
  if (typeof s !== 'object' || s === null)
    fail('sentinel', 'must be an object { sentinels, name }');
  if (!Array.isArray(s.sentinels) || s.sentinels.length === 0) {
    fail('sentinel.sentinels', 'must list at least one { host, port }');
  }
  if (typeof s.name !== 'string' || s.name === '')
    fail('sentinel.name', 'must name the master group');
  if (s.options !== undefined && 'keyPrefix' in s.options) {
    fail(
      'sentinel.options.keyPrefix',
      'is not supported: use the cache option `keyPrefix`, which also applies to patterns',
    );
  }
  let fromLocation: RedisOptions = {};
  if (c.location !== undefined) {
    const parsed = parseLocation(c.location, false);
    if (typeof parsed === 'string') return fail('location', parsed);
    if (parsed.kind !== 'redis')
      fail('location', 'must be a redis:// URL (for db and password) with `sentinel`');
    // The sentinels give the address; the URL contributes only credentials, db and TLS.
    const {
      host: _host,
      port: _port,
      path: _path,
      ...rest
    } = (parsed as { options: RedisOptions }).options;
    fromLocation = rest;
  }
  return mergeRedisOptions(
    {
      // Reconnect as soon as the sentinels announce a new master (+switch-master): without it
      // the client keeps writing to the old master until the sentinels demote it, 8 to 20 s
      // later, and those writes are lost when it resyncs from the new one.
      failoverDetector: true,
      ...fromLocation,
      ...s.options,
      sentinels: s.sentinels,
      name: s.name,
      ...(s.sentinelPassword === undefined ? {} : { sentinelPassword: s.sentinelPassword }),
    },
    c.redis,
  );
}

function mergeRedisOptions(
  fromLocation: RedisOptions,
  passthrough: RedisOptions | undefined,
): RedisOptions {
  const merged: RedisOptions = { ...REDIS_DEFAULTS, ...fromLocation, ...passthrough };
  // `rediss://` turns TLS on; explicit `redis.tls` settings (a CA, a servername) refine it.
  if (fromLocation.tls && passthrough?.tls)
    merged.tls = { ...fromLocation.tls, ...passthrough.tls };
  return merged;
}
