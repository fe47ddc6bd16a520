import {
  DEFAULT_TTL_MS,
  reconnectDelay,
  resolveCaches,
  type ResolvedCacheConfig,
} from '../../../lib/config/resolve-config.js';
import { CacheXConfigError, CacheXError } from '../../../lib/errors/index.js';

/** The error resolveCaches throws, checked to be a CacheXConfigError. */
function configError(caches: unknown): CacheXConfigError {
  let thrown: unknown;
  try {
    resolveCaches(caches);
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error('resolveCaches did not throw');
  expect(thrown).toBeInstanceOf(CacheXConfigError);
  expect(thrown).toBeInstanceOf(CacheXError);
  return thrown as CacheXConfigError;
}

/** Expects `default: config` to be rejected for `option`, with a message naming both. */
function expectOptionError(config: unknown, option: string, problem: RegExp): CacheXConfigError {
  const error = configError({ default: config });
  expect({ cache: error.cache, option: error.option }).toEqual({ cache: 'default', option });
  expect(error.message).toContain("Cache 'default'");
  expect(error.message).toContain(`\`${option}\``);
  expect(error.message).toMatch(problem);
  return error;
}

/** The one resolved cache of `{ default: config }`. */
function resolveOne(config: object): ResolvedCacheConfig {
  const [resolved] = resolveCaches({ default: config });
  return resolved!;
}

const ioredisLike = { status: 'ready', call: async () => 'OK' };
const sentinels = [{ host: '10.0.0.5', port: 26379 }];

describe('resolveCaches', () => {
  describe('defaults', () => {
    it('makes an empty configuration a memory cache with a 5 minute TTL, no prefix, version 1', () => {
      const resolved = resolveOne({});
      expect(resolved.name).toBe('default');
      expect(resolved.ttl).toBe(300_000);
      expect(DEFAULT_TTL_MS).toBe(300_000);
      expect(resolved.keys.prefix).toBe('');
      expect(resolved.keys.version).toBe(1);
      expect(resolved.keys.key('k')).toBe(':1:k');
      expect(resolved.backend).toEqual({
        kind: 'memory',
        store: '',
        maxEntries: undefined,
        sweepInterval: 60_000,
      });
    });

    it('resolves every named cache, in order', () => {
      const resolved = resolveCaches({
        default: {},
        sessions: { location: 'memory://s', keyPrefix: 'sess' },
      });
      expect(resolved.map((r) => r.name)).toEqual(['default', 'sessions']);
      expect(resolved[1]!.keys.key('abc')).toBe('sess:1:abc');
      expect(resolved[1]!.backend).toMatchObject({ kind: 'memory', store: 's' });
    });

    it('keeps `ttl: null` as no expiry', () => {
      expect(resolveOne({ ttl: null }).ttl).toBeNull();
    });

    it('parses duration strings and numbers of milliseconds', () => {
      expect(resolveOne({ ttl: '14d' }).ttl).toBe(1_209_600_000);
      expect(resolveOne({ ttl: '1h30m' }).ttl).toBe(5_400_000);
      expect(resolveOne({ ttl: 1500 }).ttl).toBe(1500);
    });

    it('applies keyPrefix and version to keys', () => {
      const { keys } = resolveOne({ keyPrefix: 'app', version: 3 });
      expect(keys.key('user:1')).toBe('app:3:user:1');
      expect(keys.key('user:1', 4)).toBe('app:4:user:1');
    });

    it('uses a custom keyFunction and reverseKeyFunction', () => {
      const { keys } = resolveOne({
        keyPrefix: 'p',
        version: 2,
        keyFunction: (key: string, prefix: string, version: number) =>
          `${prefix}|v${version}|${key}`,
        reverseKeyFunction: (full: string) => full.split('|').slice(2).join('|'),
      });
      expect(keys.key('k')).toBe('p|v2|k');
      expect(keys.key('k', 7)).toBe('p|v7|k');
      expect(keys.userKey('p|v2|a|b')).toBe('a|b');
    });

    it('reads maxEntries and sweepInterval of a memory cache', () => {
      expect(
        resolveOne({ location: 'memory://lru', maxEntries: 100, sweepInterval: '5s' }).backend,
      ).toEqual({
        kind: 'memory',
        store: 'lru',
        maxEntries: 100,
        sweepInterval: 5_000,
      });
    });
  });

  describe('the caches object', () => {
    it('requires a `default` cache, listing the configured names', () => {
      const error = configError({ sessions: {}, rates: {} });
      expect(error.cache).toBe('default');
      expect(error.message).toMatch(/No 'default' cache/);
      expect(error.message).toContain('sessions, rates');
    });

    it('says "none" for an empty object', () => {
      expect(configError({}).message).toContain('(got: none)');
    });

    it.each([null, undefined, 'memory://', [{}], 5])('rejects %p', (caches) => {
      expect(configError(caches).message).toMatch(/caches must be an object/);
    });

    it.each([null, 'memory://', [], 5])('rejects the cache configuration %p', (config) => {
      const error = configError({ default: {}, sessions: config });
      expect(error.cache).toBe('sessions');
      expect(error.message).toContain("Cache 'sessions'");
      expect(error.message).toMatch(/must be an object/);
    });
  });

  describe('validation', () => {
    it('rejects an unknown option, listing the known ones', () => {
      const error = expectOptionError({ timeout: 5 }, 'timeout', /unknown option/);
      for (const known of [
        'location',
        'cluster',
        'sentinel',
        'ttl',
        'keyPrefix',
        'version',
        'maxEntries',
      ]) {
        expect(error.message).toContain(known);
      }
    });

    it('names the cache at fault, not the first one', () => {
      const error = configError({ default: {}, sessions: { ttl: -5 } });
      expect({ cache: error.cache, option: error.option }).toEqual({
        cache: 'sessions',
        option: 'ttl',
      });
      expect(error.message).toContain("Cache 'sessions'");
    });

    it.each([
      [-1, /negative/],
      ['-1s', /not a valid duration/],
      ['10 parsecs', /not a valid duration/],
      [NaN, /finite/],
      [0, /must be a whole number of milliseconds ≥ 1, got number 0/],
      ['0s', /must be a whole number of milliseconds ≥ 1, got '0s'/],
      [0.4, /must be a whole number of milliseconds ≥ 1, got number 0.4, which rounds to 0 ms/],
      [true, /must be a number of milliseconds/],
    ])('rejects ttl %p', (ttl, problem) => {
      expectOptionError({ ttl }, 'ttl', problem);
    });

    it.each([0, -1, 1.5, '2', NaN, 2 ** 53])('rejects version %p', (version) => {
      expectOptionError({ version }, 'version', /must be a positive integer/);
    });

    it.each([5, {}, ['a']])('rejects keyPrefix %p', (keyPrefix) => {
      expectOptionError({ keyPrefix }, 'keyPrefix', /must be a string/);
    });

    it('requires reverseKeyFunction with keyFunction', () => {
      expectOptionError(
        { keyFunction: (k: string) => k },
        'reverseKeyFunction',
        /required with a custom `keyFunction`/,
      );
    });

    it('rejects key functions that are not functions', () => {
      expectOptionError(
        { keyFunction: 'x', reverseKeyFunction: (k: string) => k },
        'keyFunction',
        /must be a function/,
      );
      expectOptionError({ reverseKeyFunction: 'x' }, 'reverseKeyFunction', /must be a function/);
    });

    it('rejects ioredis keyPrefix, pointing to the cache option', () => {
      const error = expectOptionError(
        { location: 'redis://h', redis: { keyPrefix: 'x:' } },
        'redis.keyPrefix',
        /not supported/,
      );
      expect(error.message).toContain('`keyPrefix`');
    });

    it('rejects `redis` options that are not an object', () => {
      expectOptionError({ location: 'redis://h', redis: 'x' }, 'redis', /must be an object/);
      expectOptionError({ location: 'redis://h', redis: null }, 'redis', /must be an object/);
    });

    it('rejects `redis` options on a memory cache', () => {
      expectOptionError({ redis: { connectTimeout: 10 } }, 'redis', /Redis locations only/);
      expectOptionError({ location: 'memory://x', redis: {} }, 'redis', /memory:\/\//);
    });

    it('rejects maxEntries on a Redis cache', () => {
      expectOptionError(
        { location: 'redis://h', maxEntries: 10 },
        'maxEntries',
        /memory:\/\/` caches only/,
      );
      expectOptionError(
        { location: ['redis://a'], cluster: true, maxEntries: 10 },
        'maxEntries',
        /caches only/,
      );
    });

    it('rejects sweepInterval on a Redis cache', () => {
      expectOptionError(
        { location: 'redis://h', sweepInterval: 1000 },
        'sweepInterval',
        /caches only/,
      );
    });

    it.each([0, -1, 1.5, '10', null])('rejects maxEntries %p', (maxEntries) => {
      expectOptionError({ maxEntries }, 'maxEntries', /must be a positive integer/);
    });

    it.each([
      [0, /must be a whole number of milliseconds ≥ 1/],
      ['0s', /must be a whole number of milliseconds ≥ 1/],
      [-5, /negative/],
      ['soon', /not a valid duration/],
    ])('rejects sweepInterval %p', (sweepInterval, problem) => {
      expectOptionError({ sweepInterval }, 'sweepInterval', problem);
    });

    it('rejects a list of nodes without `cluster`', () => {
      expectOptionError(
        { location: ['redis://a:7000', 'redis://b:7000'] },
        'location',
        /cluster: true/,
      );
    });

    it.each([
      ['http://h', /unknown scheme/],
      ['redis://h:99999', /not a valid URL/],
      ['redis://h/x', /database must be a number/],
      ['memory://bad name', /memory store name/],
    ])('rejects the location %p', (location, problem) => {
      expectOptionError({ location }, 'location', problem);
    });

    it('does not show the password of a bad location', () => {
      const error = expectOptionError(
        { location: 'redis://app:hunter2@h/x' },
        'location',
        /database/,
      );
      expect(error.message).not.toContain('hunter2');
    });

    it('rejects a `cluster` option of the wrong type', () => {
      expectOptionError(
        { location: 'redis://h', cluster: 'yes' },
        'cluster',
        /true, false or an object/,
      );
    });

    it('rejects `sentinel` with `cluster`', () => {
      expectOptionError(
        { sentinel: { sentinels, name: 'm' }, cluster: true },
        'sentinel',
        /cannot be combined with `cluster`/,
      );
    });

    it('rejects a sentinel configuration without sentinels or without a name', () => {
      expectOptionError({ sentinel: { name: 'm' } }, 'sentinel.sentinels', /at least one/);
      expectOptionError(
        { sentinel: { sentinels: [], name: 'm' } },
        'sentinel.sentinels',
        /at least one/,
      );
      expectOptionError({ sentinel: { sentinels } }, 'sentinel.name', /master group/);
      expectOptionError({ sentinel: { sentinels, name: '' } }, 'sentinel.name', /master group/);
      expectOptionError({ sentinel: 'yes' }, 'sentinel', /must be an object/);
    });

    it('rejects a sentinel location that is not a redis URL', () => {
      expectOptionError(
        { sentinel: { sentinels, name: 'm' }, location: 'memory://' },
        'location',
        /redis:\/\//,
      );
      expectOptionError(
        { sentinel: { sentinels, name: 'm' }, location: 'redis://h/x' },
        'location',
        /database/,
      );
    });

    it.each([{}, { call: 'x' }, 'redis://h', null])('rejects the client %p', (client) => {
      expectOptionError({ client }, 'client', /ioredis Redis or Cluster/);
    });
  });

  describe('outages: commandTimeout, onError, waitForReady', () => {
    it('defaults to a 1 s command timeout, onError throw and no wait at start-up', () => {
      const resolved = resolveOne({ location: 'redis://h' });
      expect(resolved.backend.kind === 'redis' && resolved.backend.options.commandTimeout).toBe(
        1000,
      );
      expect(resolved.onError).toBe('throw');
      expect(resolved.waitForReady).toBeNull();
    });

    it('takes commandTimeout in ms or as a duration string, and null for none', () => {
      const timeoutOf = (commandTimeout: unknown): unknown => {
        const { backend } = resolveOne({ location: 'redis://h', commandTimeout });
        return backend.kind === 'redis' ? backend.options.commandTimeout : 'not redis';
      };
      expect(timeoutOf(250)).toBe(250);
      expect(timeoutOf('2s')).toBe(2000);
      expect(timeoutOf(null)).toBeUndefined();
    });

    it("puts commandTimeout on each node of a cluster and on a Sentinel's queries", () => {
      const cluster = resolveOne({
        location: 'redis://h:7000',
        cluster: true,
        commandTimeout: 300,
      });
      expect(cluster.backend.kind === 'cluster' && cluster.backend.options.commandTimeout).toBe(
        300,
      );
      const sentinel = resolveOne({ sentinel: { sentinels, name: 'm' }, commandTimeout: '1s' });
      expect(sentinel.backend.kind === 'redis' && sentinel.backend.options).toMatchObject({
        commandTimeout: 1000,
        sentinelCommandTimeout: 1000,
      });
    });

    it('accepts commandTimeout on memory://, so that one configuration serves both backends', () => {
      expect(resolveOne({ commandTimeout: 100 }).backend.kind).toBe('memory');
    });

    it.each([
      [0, /below 1 ms|null/],
      [-5, /negative/],
      ['soon', /not a valid duration/],
      [Number.NaN, /finite/],
    ])('refuses commandTimeout %p', (commandTimeout, problem) => {
      expectOptionError({ location: 'redis://h', commandTimeout }, 'commandTimeout', problem);
    });

    it("takes ioredis' `redis.commandTimeout` as the command timeout, but not twice", () => {
      const { backend } = resolveOne({ location: 'redis://h', redis: { commandTimeout: 300 } });
      expect(backend.kind === 'redis' && backend.options.commandTimeout).toBe(300);
      expectOptionError(
        { location: 'redis://h', commandTimeout: 100, redis: { commandTimeout: 100 } },
        'redis.commandTimeout',
        /give it once/,
      );
      expectOptionError(
        { sentinel: { sentinels, name: 'm', options: { commandTimeout: 0 } } },
        'sentinel.options.commandTimeout',
        /whole number of milliseconds/,
      );
    });

    it('refuses commandTimeout next to a client', () => {
      expectOptionError({ client: ioredisLike, commandTimeout: 100 }, 'commandTimeout', /client/);
    });

    it('reconnects after 50 ms, doubling up to 2 s (less up to a fifth at random)', () => {
      for (const [attempt, max] of [
        [1, 50],
        [2, 100],
        [3, 200],
        [6, 1600],
        [7, 2000],
        [50, 2000],
      ] as const) {
        const delay = reconnectDelay(attempt);
        expect(delay).toBeLessThanOrEqual(max);
        expect(delay).toBeGreaterThanOrEqual(max * 0.8);
      }
    });

    it("takes onError 'ignore' and refuses anything but 'throw' or 'ignore'", () => {
      expect(resolveOne({ onError: 'ignore' }).onError).toBe('ignore');
      expectOptionError({ onError: 'skip' }, 'onError', /'throw' or 'ignore'/);
    });

    it('takes waitForReady true (5 s), false, ms or a duration string', () => {
      expect(resolveOne({ waitForReady: true }).waitForReady).toBe(5000);
      expect(resolveOne({ waitForReady: false }).waitForReady).toBeNull();
      expect(resolveOne({ waitForReady: 1500 }).waitForReady).toBe(1500);
      expect(resolveOne({ waitForReady: '10s' }).waitForReady).toBe(10_000);
      expectOptionError({ waitForReady: 'later' }, 'waitForReady', /not a valid duration/);
      expectOptionError({ waitForReady: 0 }, 'waitForReady', /false/);
    });
  });

  describe('Redis', () => {
    it('merges location, library defaults and `redis` options', () => {
      expect(resolveOne({ location: 'redis://:pw@h:6380/2' }).backend).toEqual({
        kind: 'redis',
        options: {
          autoResendUnfulfilledCommands: false,
          maxRetriesPerRequest: 3,
          commandTimeout: 1000,
          retryStrategy: reconnectDelay,
          password: 'pw',
          host: 'h',
          port: 6380,
          db: 2,
        },
      });
    });

    it('lets `redis` options override the defaults and the location', () => {
      const { backend } = resolveOne({
        location: 'redis://h/2',
        redis: {
          maxRetriesPerRequest: null,
          enableAutoPipelining: false,
          db: 5,
          connectTimeout: 1000,
        },
      });
      expect(backend).toEqual({
        kind: 'redis',
        options: {
          autoResendUnfulfilledCommands: false,
          enableAutoPipelining: false,
          maxRetriesPerRequest: null,
          commandTimeout: 1000,
          retryStrategy: reconnectDelay,
          host: 'h',
          port: 6379,
          db: 5,
          connectTimeout: 1000,
        },
      });
    });

    it('refines the TLS of rediss:// with `redis.tls`', () => {
      const { backend } = resolveOne({
        location: 'rediss://h',
        redis: { tls: { ca: 'CA', servername: 'h.example' } },
      });
      expect(backend.kind === 'redis' && backend.options.tls).toEqual({
        ca: 'CA',
        servername: 'h.example',
      });
    });

    it('keeps TLS on for rediss:// without `redis.tls`, and off for redis://', () => {
      const tls = resolveOne({ location: 'valkeys://h' }).backend;
      expect(tls.kind === 'redis' && tls.options.tls).toEqual({});
      const plain = resolveOne({ location: 'redis://h' }).backend;
      expect(plain.kind === 'redis' && plain.options.tls).toBeUndefined();
    });

    it('builds a cluster from nodes, keeping ClusterOptions apart', () => {
      const { backend } = resolveOne({
        location: ['redis://:pw@a:7000', 'redis://:pw@b:7001'],
        cluster: { scaleReads: 'slave' },
        redis: { connectTimeout: 500 },
      });
      expect(backend).toEqual({
        kind: 'cluster',
        nodes: [
          { host: 'a', port: 7000 },
          { host: 'b', port: 7001 },
        ],
        options: {
          maxRetriesPerRequest: 3,
          commandTimeout: 1000,
          retryStrategy: reconnectDelay,
          password: 'pw',
          connectTimeout: 500,
        },
        clusterOptions: {
          clusterRetryStrategy: reconnectDelay,
          scaleReads: 'slave',
        },
      });
    });

    it('makes `cluster: true` with one URL a cluster with one seed node', () => {
      const { backend } = resolveOne({ location: 'redis://h:7000', cluster: true });
      expect(backend).toMatchObject({
        kind: 'cluster',
        nodes: [{ host: 'h', port: 7000 }],
        clusterOptions: {},
      });
    });

    it('takes db, credentials and TLS from the location with `sentinel`, the address from the sentinels', () => {
      const { backend } = resolveOne({
        location: 'rediss://app:pw@ignored.host:1234/2',
        sentinel: {
          sentinels,
          name: 'mymaster',
          sentinelPassword: 'spw',
          options: { role: 'master' },
        },
      });
      expect(backend).toEqual({
        kind: 'redis',
        options: {
          autoResendUnfulfilledCommands: false,
          maxRetriesPerRequest: 3,
          failoverDetector: true,
          commandTimeout: 1000,
          retryStrategy: reconnectDelay,
          sentinelRetryStrategy: reconnectDelay,
          sentinelCommandTimeout: 1000,
          username: 'app',
          password: 'pw',
          db: 2,
          tls: {},
          role: 'master',
          sentinels,
          name: 'mymaster',
          sentinelPassword: 'spw',
        },
      });
    });

    it('needs no location with `sentinel`', () => {
      const { backend } = resolveOne({ sentinel: { sentinels, name: 'm' } });
      expect(backend).toEqual({
        kind: 'redis',
        options: {
          autoResendUnfulfilledCommands: false,
          maxRetriesPerRequest: 3,
          failoverDetector: true,
          commandTimeout: 1000,
          retryStrategy: reconnectDelay,
          sentinelRetryStrategy: reconnectDelay,
          sentinelCommandTimeout: 1000,
          sentinels,
          name: 'm',
        },
      });
    });

    it('passes a client through untouched', () => {
      const { backend } = resolveOne({ client: ioredisLike });
      expect(backend.kind).toBe('client');
      expect(backend.kind === 'client' && backend.client).toBe(ioredisLike);
    });

    it.each(['location', 'cluster', 'redis', 'maxEntries', 'sweepInterval'])(
      'refuses %s next to a client, which is already configured',
      (option) => {
        const values: Record<string, unknown> = {
          location: 'redis://elsewhere',
          cluster: true,
          redis: { db: 1 },
          maxEntries: 10,
          sweepInterval: 1000,
        };
        expectOptionError({ client: ioredisLike, [option]: values[option] }, option, /client/);
      },
    );

    it('refuses ioredis keyPrefix in cluster and sentinel options, and memory options with sentinel', () => {
      expectOptionError(
        { location: ['redis://a:1'], cluster: { keyPrefix: 'x' } as never },
        'cluster.keyPrefix',
        /keyPrefix/,
      );
      const sentinel = { sentinels, name: 'm' };
      expectOptionError(
        { sentinel: { ...sentinel, options: { keyPrefix: 'x' } as never } },
        'sentinel.options.keyPrefix',
        /keyPrefix/,
      );
      expectOptionError({ sentinel, maxEntries: 5 }, 'maxEntries', /memory/);
      expectOptionError({ sentinel, sweepInterval: 5 }, 'sweepInterval', /memory/);
    });

    it('refuses a null keyPrefix and reports a malformed %-escape as a location error', () => {
      expectOptionError({ keyPrefix: null as never }, 'keyPrefix', /string/);
      expectOptionError({ location: 'redis://u:p%zz@h' }, 'location', /%-escape/);
    });
  });

  describe('batching', () => {
    it("is 'adaptive' by default on every Redis connection and off on memory", () => {
      expect(resolveOne({ location: 'redis://h' }).batching).toBe('adaptive');
      expect(resolveOne({ location: 'redis://h:7000', cluster: true }).batching).toBe('adaptive');
      expect(resolveOne({ sentinel: { sentinels, name: 'm' } }).batching).toBe('adaptive');
      expect(resolveOne({ client: ioredisLike }).batching).toBe('adaptive');
      expect(resolveOne({ location: 'memory://' }).batching).toBe('off');
    });

    it.each(['adaptive', 'coalesce', 'tick', 'off'] as const)('takes %p as it is', (batching) => {
      expect(resolveOne({ location: 'redis://h', batching }).batching).toBe(batching);
    });

    it("is turned off with 'off', and leaves ioredis' auto-pipelining to the `redis` options", () => {
      const resolved = resolveOne({ location: 'redis://h', batching: 'off' });
      expect(resolved.batching).toBe('off');
      expect(resolved.backend.kind === 'redis' && resolved.backend.options).not.toHaveProperty(
        'enableAutoPipelining',
      );
      const ap = resolveOne({ location: 'redis://h', redis: { enableAutoPipelining: true } });
      expect(ap.backend.kind === 'redis' && ap.backend.options.enableAutoPipelining).toBe(true);
    });

    it.each(['yes', true, 1, null])('refuses %p', (batching) => {
      expectOptionError(
        { location: 'redis://h', batching: batching as never },
        'batching',
        /'adaptive', 'coalesce', 'tick' or 'off'/,
      );
    });

    it('refuses batching on a memory cache', () => {
      expectOptionError({ location: 'memory://', batching: 'tick' }, 'batching', /Redis caches/);
    });
  });
});
