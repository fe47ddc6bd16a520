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
  stats: 'method caching',
  methodCache: 'method caching (internal)',
  lock: 'locks',
  withLock: 'locks',
  close: 'lifecycle (internal)',
} as const;

/** CachePipeline members that are not queued operations. */
const PIPELINE_ONLY = ['exec', 'execSettled', 'length'] as const;

type QueuedName = Exclude<keyof CachePipeline & keyof CacheService, (typeof PIPELINE_ONLY)[number]>;

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
  'name' | 'defaultTtl' | 'kind' | 'backend' | 'keyBuilder' | 'values'
>;
const nothingUnlisted: Equal<PublicData, never> = true;
const noQueueableListed: Equal<Extract<keyof typeof SERVICE_ONLY, QueuedName>, never> = true;
const pipelineMembersAreQueued: Equal<
  Exclude<keyof CachePipeline, QueuedName | (typeof PIPELINE_ONLY)[number]>,
  never
> = true;

// ---- Run time: the method names on both prototypes ----

function methods(prototype: object): string[] {
  return Object.getOwnPropertyNames(prototype).filter((name) => {
    const descriptor = Object.getOwnPropertyDescriptor(prototype, name)!;
    return name !== 'constructor' && typeof descriptor.value === 'function';
  });
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

  it('has every queued pipeline method on CacheService', () => {
    const service = new Set(methods(CacheService.prototype));
    // Private helpers of the pipeline (queue, assertTransactionSlot) are not operations.
    const queued = methods(CachePipeline.prototype).filter(
      (name) => !(PIPELINE_ONLY as readonly string[]).includes(name) && !PRIVATE.has(name),
    );
    expect(queued.filter((name) => !service.has(name))).toEqual([]);
    expect(queued.length).toBeGreaterThan(60);
  });

  it('queues every CacheService operation except the listed exceptions', () => {
    const pipeline = new Set(methods(CachePipeline.prototype));
    const missing = methods(CacheService.prototype).filter(
      (name) => !pipeline.has(name) && !(name in SERVICE_ONLY) && !SERVICE_PRIVATE.has(name),
    );
    expect(missing).toEqual([]);
  });

  it('lists as exceptions only methods that exist and are not queued', () => {
    const service = Object.getOwnPropertyNames(CacheService.prototype);
    const pipeline = new Set(methods(CachePipeline.prototype));
    for (const name of Object.keys(SERVICE_ONLY)) {
      expect({ name, onService: service.includes(name) }).toEqual({ name, onService: true });
      expect({ name, queued: pipeline.has(name) }).toEqual({ name, queued: false });
    }
  });
});

/** Private methods (TypeScript's `private` is not visible at run time). */
const PRIVATE = new Set(['queue', 'assertTransactionSlot']);
const SERVICE_PRIVATE = new Set([
  'execute',
  'lockHost',
  'load',
  'fullKey',
  'fullPattern',
  'namespaceKey',
  'scanCount',
  'resolveTtl',
  'encode',
  'setDecoded',
  'readDecoded',
  'decode',
  'invalid',
  'fail',
]);
