import { randomBytes, randomUUID } from 'node:crypto';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { AtomicOp, OpArg } from '../backends/atomic-op.js';
import type { CacheBackend } from '../backends/backend.interface.js';
import type { MemoryBackend } from '../backends/memory/memory.backend.js';
import { createMemoryBackend } from '../backends/create-backend.js';
import { cacheContext } from '../cache/cache-context.js';
import { mapBackendError } from '../cache/map-error.js';
import type { CacheService } from '../cache/cache.service.js';
import { DEFAULT_CACHE } from '../cachex.constants.js';
import { MESSAGES } from '../cachex.messages.js';
import { CacheXConnectionError } from '../errors/connection.error.js';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import type { CacheRegistry } from '../registry/cache.registry.js';
import { describe } from '../utils/duration.js';
import {
  OP_MODE,
  type OpMode,
  type RateLimitAlgorithmDefinition,
  type RateLimitState,
} from './algorithms/rate-limit-algorithm.interface.js';
import { ALGORITHM_NAMES, ALGORITHMS } from './rate-limit.algorithms.js';
import {
  BACKEND_ERROR_MODES,
  DEFAULT_SETTINGS,
  limitProblem,
  parseWindow,
  type RateLimitSettings,
} from './rate-limit.config.js';
import type {
  RateLimitAlgorithm,
  RateLimitBackendErrorMode,
  RateLimitOptions,
  RateLimitResetOptions,
  RateLimitResult,
} from './rate-limit-options.interface.js';

/** While a cache's server is down, how often one request tries it again, in ms. */
const PROBE_INTERVAL_MS = 1_000;

/** Sliding-log members: this process' token and a counter, unique without a round trip. */
const PROCESS_TOKEN = randomBytes(6).toString('base64url');
let sequence = 0;

/**
 * A limit's options, checked once (the first time an options object is used): what each call
 * needs, ready, so that a call validates nothing and builds little.
 */
interface Plan {
  /** The options as given, to notice that an options object was changed since it was checked. */
  readonly given: Readonly<RateLimitOptions>;
  readonly cache: CacheService;
  readonly algorithm: RateLimitAlgorithmDefinition;
  /** The algorithm's op for this limit. */
  readonly op: AtomicOp<RateLimitState>;
  /** A counter's key is `keyHead + key + keyTail`. */
  readonly keyHead: string;
  readonly keyTail: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly cost: number;
  readonly onBackendError: RateLimitBackendErrorMode;
  /**
   * The op's ARGV per mode, without the request id (ops only read them); numbers as text on
   * Redis, so that the client does not convert them at every call.
   */
  readonly args: Readonly<Record<OpMode, readonly OpArg[]>>;
}

/** One limit of one request, ready to run. */
interface Step {
  readonly plan: Plan;
  readonly key: string;
  readonly fullKey: string;
  /** The request's id, for algorithms that record requests by id. */
  readonly id: string | undefined;
  /** Where the step recorded the request (the server or the fallback), if it did. */
  recordedOn: CacheBackend | undefined;
}

const limiters = new WeakMap<CacheRegistry, RateLimiter>();

/**
 * Rate limits on the caches' servers: each check is one atomic step (one Lua script on Redis and
 * Valkey, reading the server's clock; native on `memory://`), exact under concurrency, and its
 * keys expire on their own. Provided by `CacheXModule`; `@RateLimit` uses it too.
 *
 * Keys live under `<keyPrefix>:cachex:rl:{<key>}:<log|sw|fw|tb>` of the chosen cache, invisible to
 * `keys()`, `clear()` and `deletePattern()`; the hash tag keeps a limit's keys in one cluster slot.
 *
 * An options object is checked the first time it is used and remembered (as long as it lives):
 * keep one object per limit, as in the example, and calls check nothing again. Changing a
 * remembered object is noticed (it is checked again).
 *
 * @example
 * const SEARCH: RateLimitOptions = { limit: 100, window: '1m' };
 * const r = await rateLimiter.consume(`search:${userId}`, SEARCH);
 * if (!r.allowed) throw new HttpException('Too many searches', HttpStatus.TOO_MANY_REQUESTS);
 */
export class RateLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger('CacheX:RateLimit');
  /** Caches whose server is down, with when to try it again (process clock, ms). */
  private readonly outages = new Map<string, number>();
  private fallbackBackend: MemoryBackend | undefined;
  /** Options objects already checked, with what their calls need. */
  private readonly plans = new WeakMap<RateLimitOptions, Plan>();

  /**
   * @param registry - the application's caches
   * @param settings - @internal the module's `rateLimit` option, validated
   */
  constructor(
    private readonly registry: CacheRegistry,
    /** @internal */
    readonly settings: RateLimitSettings = DEFAULT_SETTINGS,
  ) {}

  /**
   * Creates the limiter of a registry's application: the one its guard and decorators use.
   * @internal for the module's provider
   */
  static register(registry: CacheRegistry, settings: RateLimitSettings): RateLimiter {
    const limiter = new RateLimiter(registry, settings);
    limiters.set(registry, limiter);
    return limiter;
  }

  /**
   * The limiter of an application, shared by the DI provider, the guard and the decorators.
   * @internal
   */
  static of(registry: CacheRegistry): RateLimiter {
    let limiter = limiters.get(registry);
    if (!limiter) {
      limiter = new RateLimiter(registry);
      limiters.set(registry, limiter);
    }
    return limiter;
  }

  /**
   * Counts a request against a limit, if it fits: a refused request is not recorded, so a client
   * that keeps retrying gets through as soon as the window has room.
   * @param key - who or what is limited (`'login:ada@example.com'`); any non-empty string
   * @param options - the limit; checked on first use, then remembered (see the class)
   * @returns whether the request is admitted, and the limit's state after it
   * @throws InvalidArgumentError for a bad key, limit, window, cost or algorithm (nothing counted)
   * @throws CacheXConfigError when `cache` names no registered cache
   * @throws CacheXConnectionError when the server is down and `onBackendError` is `'throw'`
   * @example
   * const SEARCH: RateLimitOptions = { limit: 10, window: '1s' };
   * const r = await rateLimiter.consume(`search:${ip}`, SEARCH);
   * if (!r.allowed) reply.header('Retry-After', Math.ceil(r.retryAfterMs / 1000));
   */
  async consume(key: string, options: RateLimitOptions): Promise<RateLimitResult> {
    const step = this.step(key, this.planOf(options));
    const state = await this.run(step, OP_MODE.consume);
    step.plan.cache.counters.rateLimit(state.allowed);
    return this.result(step.plan, state);
  }

  /**
   * The state of a limit without counting anything: whether a request of `cost` would be
   * admitted now, what remains, and when it resets.
   * @throws InvalidArgumentError, CacheXConfigError as {@link RateLimiter.consume}
   * @example const { remaining } = await rateLimiter.peek(`search:${ip}`, SEARCH);
   */
  async peek(key: string, options: RateLimitOptions): Promise<RateLimitResult> {
    const step = this.step(key, this.planOf(options));
    return this.result(step.plan, await this.run(step, OP_MODE.peek));
  }

  /**
   * Forgets what a limit counted for a key (for admin tools and tests): the counters of every
   * algorithm, or of one.
   * @returns whether anything was counted
   * @throws CacheXConnectionError when the server cannot be reached (the counters of the
   * in-process fallback, if any, are cleared all the same)
   * @example await rateLimiter.reset(`login:${email}`);
   */
  async reset(key: string, options: RateLimitResetOptions = {}): Promise<boolean> {
    const cache = this.registry.get(options.cache ?? DEFAULT_CACHE);
    checkKey(cache.name, key);
    const algorithms = options.algorithm === undefined ? ALGORITHM_NAMES : [options.algorithm];
    for (const algorithm of algorithms) checkAlgorithm(cache.name, algorithm);
    const keys = algorithms.map(
      (algorithm) => keyHead(cache) + key + keyTail(ALGORITHMS[algorithm]),
    );
    const fallback = this.fallbackBackend ? await this.fallbackBackend.delete(keys) : 0;
    const { backend } = cacheContext(cache);
    const deleted = await backend.delete(keys).catch((error) => {
      throw mapBackendError(error, cache.name, key);
    });
    return deleted + fallback > 0;
  }

  /**
   * Counts one request against several limits, all or none: when one refuses (or throws), the
   * others take back what they counted, so a refused request counts nowhere.
   * @internal for the guard and the decorator
   */
  async consumeAll(
    entries: ReadonlyArray<{ key: string; options: RateLimitOptions }>,
  ): Promise<RateLimitResult[]> {
    if (entries.length === 1) {
      const [{ key, options }] = entries as [{ key: string; options: RateLimitOptions }];
      return [await this.consume(key, options)];
    }
    const steps = entries.map(({ key, options }) => this.step(key, this.planOf(options)));
    const settled = await Promise.allSettled(steps.map((step) => this.run(step, OP_MODE.consume)));
    const failed = settled.find((s) => s.status === 'rejected');
    const states = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (!failed)
      states.forEach((state, i) => steps[i]!.plan.cache.counters.rateLimit(state.allowed));
    if (!failed && states.every((state) => state.allowed)) {
      return states.map((state, i) => this.result(steps[i]!.plan, state));
    }
    await Promise.all(steps.map((step) => (step.recordedOn ? this.refund(step) : null)));
    if (failed) throw failed.reason;
    return states.map((state, i) => {
      const { plan, recordedOn } = steps[i]!;
      const refunded = recordedOn ? Math.min(plan.limit, state.remaining + plan.cost) : undefined;
      return this.result(plan, state, refunded);
    });
  }

  /** Releases the in-process fallback limiter, if one was started. */
  async onApplicationShutdown(): Promise<void> {
    await this.fallbackBackend?.close();
    this.fallbackBackend = undefined;
    if (limiters.get(this.registry) === this) limiters.delete(this.registry);
  }

  /** The plan of an options object: remembered, or checked and made now. */
  private planOf(options: RateLimitOptions): Plan {
    const plan = this.plans.get(options);
    if (plan !== undefined && unchanged(plan.given, options)) return plan;
    const made = this.makePlan(options);
    this.plans.set(options, made);
    return made;
  }

  private makePlan(options: RateLimitOptions): Plan {
    if (typeof options !== 'object' || options === null)
      throw invalid(
        DEFAULT_CACHE,
        'options',
        `must be an object such as { limit: 100, window: '1m' }, got ${describe(options)}`,
      );
    const given = {
      limit: options.limit,
      window: options.window,
      algorithm: options.algorithm,
      cost: options.cost,
      cache: options.cache,
      onBackendError: options.onBackendError,
    };
    const cache = this.registry.get(given.cache ?? DEFAULT_CACHE);
    const limitError = limitProblem(given.limit);
    if (limitError) throw invalid(cache.name, 'limit', limitError);
    const windowMs = parseWindow(given.window);
    if (typeof windowMs === 'string') throw invalid(cache.name, 'window', windowMs);
    const cost = given.cost ?? 1;
    if (!Number.isSafeInteger(cost) || cost < 1 || cost > given.limit)
      throw invalid(
        cache.name,
        'cost',
        `must be an integer from 1 to the limit (${given.limit}), got ${describe(cost)}`,
      );
    const algorithmName = given.algorithm ?? 'sliding-log';
    checkAlgorithm(cache.name, algorithmName);
    const algorithm = ALGORITHMS[algorithmName];
    const onBackendError = given.onBackendError ?? this.settings.onBackendError;
    if (!BACKEND_ERROR_MODES.includes(onBackendError))
      throw invalid(
        cache.name,
        'onBackendError',
        `must be one of ${BACKEND_ERROR_MODES.join(', ')}, got ${describe(onBackendError)}`,
      );
    // A memory twin reads numbers as they are; ioredis would turn them into text at every call.
    const arg = cache.backend.kind === 'memory' ? (n: number) => n : String;
    const argsOf = (mode: OpMode) => [mode, arg(given.limit), arg(windowMs), arg(cost)];
    return {
      given,
      cache,
      algorithm,
      op: algorithm.op(given.limit, windowMs),
      keyHead: keyHead(cache),
      keyTail: keyTail(algorithm),
      limit: given.limit,
      windowMs,
      cost,
      onBackendError,
      args: {
        [OP_MODE.consume]: argsOf(OP_MODE.consume),
        [OP_MODE.peek]: argsOf(OP_MODE.peek),
        [OP_MODE.refund]: argsOf(OP_MODE.refund),
      },
    };
  }

  private step(key: string, plan: Plan): Step {
    if (typeof key !== 'string' || key === '') checkKey(plan.cache.name, key);
    return {
      plan,
      key,
      fullKey: plan.keyHead + key + plan.keyTail,
      id: plan.algorithm.requestIds ? `${PROCESS_TOKEN}.${(++sequence).toString(36)}` : undefined,
      recordedOn: undefined,
    };
  }

  /**
   * What a limit says about a request: the one place results are built.
   * @param remaining - instead of the state's, for a request taken back
   */
  private result(plan: Plan, state: RateLimitState, remaining = state.remaining): RateLimitResult {
    return {
      allowed: state.allowed,
      limit: plan.limit,
      remaining,
      resetMs: state.resetMs,
      retryAfterMs: state.retryAfterMs,
    };
  }

  /**
   * Runs a step on the cache's server. When the server cannot be reached, the step does what its
   * `onBackendError` says; the outage is logged once, and while it lasts only one request per
   * {@link PROBE_INTERVAL_MS} tries the server, so that the others do not each wait for the
   * client's reconnection attempts.
   */
  private async run(step: Step, mode: OpMode): Promise<RateLimitState> {
    const { plan } = step;
    const name = plan.cache.name;
    if (this.outages.size > 0) {
      const probeAt = this.outages.get(name);
      if (probeAt !== undefined) {
        if (plan.onBackendError !== 'throw' && Date.now() < probeAt)
          return this.degrade(step, mode);
        this.outages.set(name, Date.now() + PROBE_INTERVAL_MS);
      }
    }
    const backend = plan.cache.backend;
    try {
      const state = await backend.run(plan.op, [step.fullKey], this.args(step, mode));
      if (mode === OP_MODE.consume && state.allowed) step.recordedOn = backend;
      if (this.outages.size > 0 && this.outages.delete(name))
        this.logger.log(MESSAGES.rateLimitBackendUp(name));
      return state;
    } catch (error) {
      const mapped = mapBackendError(error, name, step.key);
      if (!(mapped instanceof CacheXConnectionError)) throw mapped;
      if (!this.outages.has(name))
        this.logger.error(MESSAGES.rateLimitBackendDown(name, mapped.message));
      this.outages.set(name, Date.now() + PROBE_INTERVAL_MS);
      if (plan.onBackendError === 'throw') throw mapped;
      return this.degrade(step, mode);
    }
  }

  /** A step while the server is down: admitted, refused, or counted in this process. */
  private async degrade(step: Step, mode: OpMode): Promise<RateLimitState> {
    const { plan } = step;
    switch (plan.onBackendError) {
      case 'deny':
        return {
          allowed: false,
          remaining: 0,
          resetMs: plan.windowMs,
          retryAfterMs: plan.windowMs,
        };
      case 'fallback': {
        const backend = this.fallback();
        const state = await backend.run(plan.op, [step.fullKey], this.args(step, mode));
        if (mode === OP_MODE.consume && state.allowed) step.recordedOn = backend;
        return state;
      }
      default:
        return { allowed: true, remaining: plan.limit - plan.cost, resetMs: 0, retryAfterMs: 0 };
    }
  }

  /** Takes back a request a limit admitted. Best effort: if it fails the request stays counted, on the strict side. */
  private async refund(step: Step): Promise<void> {
    await step
      .recordedOn!.run(step.plan.op, [step.fullKey], this.args(step, OP_MODE.refund))
      .catch(() => undefined);
  }

  private args(step: Step, mode: OpMode): readonly OpArg[] {
    const args = step.plan.args[mode];
    const id = step.id;
    return id === undefined ? args : [args[0]!, args[1]!, args[2]!, args[3]!, id];
  }

  /** The in-process limiter of `onBackendError: 'fallback'`: a private memory store, started on first use. */
  private fallback(): MemoryBackend {
    if (!this.fallbackBackend) {
      // A store name of its own: always a new store, never an options mismatch.
      this.fallbackBackend = createMemoryBackend(
        'rate-limit fallback',
        {
          kind: 'memory',
          store: `cachex:rate-limit-fallback:${randomUUID()}`,
          sweepInterval: 60_000,
        },
        false,
      );
    }
    return this.fallbackBackend;
  }
}

/** Whether an options object still says what it said when its plan was made. */
function unchanged(given: Readonly<RateLimitOptions>, options: RateLimitOptions): boolean {
  return (
    options.limit === given.limit &&
    options.window === given.window &&
    options.algorithm === given.algorithm &&
    options.cost === given.cost &&
    options.cache === given.cache &&
    options.onBackendError === given.onBackendError
  );
}

/** The start of a limit's keys in a cache; the hash tag keeps all counters of one key in one cluster slot. */
function keyHead(cache: CacheService): string {
  return cache.keyBuilder.internal('rl', '{');
}

function keyTail(algorithm: RateLimitAlgorithmDefinition): string {
  return `}:${algorithm.suffix}`;
}

function invalid(cache: string, argument: string, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(
    MESSAGES.invalidArgument(cache, argument, problem),
    cache,
    argument,
  );
}

function checkKey(cache: string, key: unknown): void {
  if (typeof key !== 'string' || key === '')
    throw invalid(cache, 'key', `must be a non-empty string, got ${describe(key)}`);
}

function checkAlgorithm(
  cache: string,
  algorithm: unknown,
): asserts algorithm is RateLimitAlgorithm {
  if (!ALGORITHM_NAMES.includes(algorithm as RateLimitAlgorithm))
    throw invalid(
      cache,
      'algorithm',
      `must be one of ${ALGORITHM_NAMES.join(', ')}, got ${describe(algorithm)}`,
    );
}
