import { CachePipeline } from '../../../lib/cache/cache.pipeline.js';
import { CacheService } from '../../../lib/cache/cache.service.js';

/*
 * A pipeline's method queues the CacheService method of the same name, "with the same arguments
 * and results" (see CachePipeline). Half of this test is in its types: `npx tsc --noEmit`
 * (npm run typecheck) fails when a signature drifts; the other half, at run time, catches a
 * method added to one class and not to the other.
 */

/** CacheService methods that are not one queueable operation, and why. */
const SERVICE_ONLY = {
  // Several round trips, or a loop: not one step of a pipeline.
  getOrSet: 'reads, runs a factory, then writes',
  getMany: 'a batch of its own (MGET per slot)',
  setMany: 'a batch of its own (MSET or SET PX per node)',
  deleteMany: 'a batch of its own (UNLINK per slot)',
  scan: 'an iteration of SCAN calls',
  keys: 'an iteration of SCAN calls',
  deletePattern: 'an iteration of SCAN and UNLINK calls',
  clear: 'an iteration of SCAN and UNLINK calls',
  incrVersion: 'DUMP/RESTORE across slots on a cluster',
  decrVersion: 'DUMP/RESTORE across slots on a cluster',
  namespaceVersion: 'versions of groups, not data: read apart from the data they version',
  invalidateNamespace: 'versions of groups, not data: bumped apart from the data they version',
  // Features built on the cache, not operations of it.
  pipeline: 'makes pipelines',
  defineScript: 'defines a script (its function runs it; a pipeline queues it with eval)',
  wrap: 'method caching',
  invalidateTags: 'method caching',
  stats: 'counters of this process, not of the server',
  ping: 'a health probe: one round trip of its own, timed',
  methodCache: 'method caching (internal)',
  lock: 'locks',
  withLock: 'locks',
  close: 'lifecycle (internal)',
} as const;

/** CachePipeline members that are not queued operations. */
type PipelineOnly = 'exec' | 'execSettled' | 'length';

type QueuedName = Exclude<keyof CachePipeline & keyof CacheService, PipelineOnly>;

// ---- Types: the same overloads, parameters and results ----

/**
 * The overloads of a function (up to four) as `[parameters, result]` pairs. NOTE: inferring from
 * an overloaded type reads its signatures from the last; a function with fewer overloads repeats
 * some, identically for both classes, so equal signatures still give equal lists.
 */
type Overloads<F> = F extends {
  (...args: infer A1): infer R1;
  (...args: infer A2): infer R2;
  (...args: infer A3): infer R3;
  (...args: infer A4): infer R4;
}
  ? [[A1, R1], [A2, R2], [A3, R3], [A4, R4]]
  : never;

/** What a service method resolves to, per overload. */
type ServiceSignatures<F> = {
  [K in keyof Overloads<F>]: Overloads<F>[K] extends [infer A, Promise<infer R>] ? [A, R] : never;
};

/** What a pipeline method of an empty pipeline adds to `exec()`'s tuple, per overload. */
type PipelineSignatures<F> = {
  [K in keyof Overloads<F>]: Overloads<F>[K] extends [infer A, CachePipeline<[infer R]>]
    ? [A, R]
    : never;
};

/** Exact type equality (mutual assignability would let `any` and optionality slip through). */
type Equal<X, Y> =
  (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;

/** The queued methods whose signatures differ from the service's; checked apart below. */
type Different = {
  [K in QueuedName]: Equal<
    ServiceSignatures<CacheService[K]>,
    PipelineSignatures<CachePipeline[K]>
  > extends true
    ? never
    : K;
}[QueuedName];

// The only intended difference: a pipeline's `eval` also queues a script made by defineScript
// (the service runs those by calling the script itself).
const different: Equal<Different, 'eval'> = true;
const evalAcceptsServiceCalls: Parameters<CacheService['eval']> extends Parameters<
  CachePipeline['eval']
>
  ? true
  : false = true;

// Every service method is either queueable or listed in SERVICE_ONLY; nothing is listed twice.
type Unlisted = Exclude<keyof CacheService, QueuedName | keyof typeof SERVICE_ONLY>;
type PublicData = Exclude<
  Unlisted,
  | 'name'
  | 'defaultTtl'
  | 'kind'
  | 'backend'
  | 'keyBuilder'
  | 'values'
  | 'counters'
  | 'outage'
  | 'lockHost'
>;
const nothingUnlisted: Equal<PublicData, never> = true;
const noQueueableListed: Equal<Extract<keyof typeof SERVICE_ONLY, QueuedName>, never> = true;
const pipelineMembersAreQueued: Equal<
  Exclude<keyof CachePipeline, QueuedName | PipelineOnly>,
  never
> = true;

// ---- Run time: the method names on both prototypes ----

/**
 * Every queued operation, by name. Its type makes tsc list them all and nothing else (a missing
 * or extra name fails the type check), so that the run-time checks below need no list of the
 * classes' private methods, which are indistinguishable from public ones at run time.
 */
const QUEUED: Record<QueuedName, true> = {
  add: true,
  decr: true,
  delete: true,
  eval: true,
  expire: true,
  expireAt: true,
  get: true,
  has: true,
  hdel: true,
  hexists: true,
  hget: true,
  hgetall: true,
  hincrby: true,
  hincrbyfloat: true,
  hkeys: true,
  hlen: true,
  hmget: true,
  hset: true,
  hsetnx: true,
  hvals: true,
  incr: true,
  lindex: true,
  llen: true,
  lmove: true,
  lpop: true,
  lpush: true,
  lrange: true,
  lrem: true,
  lset: true,
  ltrim: true,
  persist: true,
  rpop: true,
  rpush: true,
  sadd: true,
  scard: true,
  sdiff: true,
  set: true,
  sinter: true,
  sismember: true,
  smembers: true,
  smismember: true,
  spop: true,
  srandmember: true,
  srem: true,
  sunion: true,
  touch: true,
  ttl: true,
  type: true,
  zadd: true,
  zcard: true,
  zcount: true,
  zincrby: true,
  zmscore: true,
  zpopmax: true,
  zpopmin: true,
  zrange: true,
  zrangebyscore: true,
  zrank: true,
  zrem: true,
  zremrangebyrank: true,
  zremrangebyscore: true,
  zrevrange: true,
  zrevrangebyscore: true,
  zrevrank: true,
  zscore: true,
};

function isMethod(prototype: object, name: string): boolean {
  return typeof Object.getOwnPropertyDescriptor(prototype, name)?.value === 'function';
}

describe('CacheService ⇄ CachePipeline parity', () => {
  it('type-checks (see the constants above: tsc fails when a signature drifts)', () => {
    expect([
      different,
      evalAcceptsServiceCalls,
      nothingUnlisted,
      noQueueableListed,
      pipelineMembersAreQueued,
    ]).toEqual([true, true, true, true, true]);
  });

  it('has every queued operation as a method of both classes', () => {
    const names = Object.keys(QUEUED);
    expect(names.filter((name) => !isMethod(CachePipeline.prototype, name))).toEqual([]);
    expect(names.filter((name) => !isMethod(CacheService.prototype, name))).toEqual([]);
    expect(names.length).toBeGreaterThan(60);
  });

  it('lists as exceptions only methods of CacheService that a pipeline does not queue', () => {
    for (const name of Object.keys(SERVICE_ONLY)) {
      const onService = name in CacheService.prototype;
      expect({ name, onService, queued: name in CachePipeline.prototype }).toEqual({
        name,
        onService: true,
        queued: false,
      });
    }
  });
});
