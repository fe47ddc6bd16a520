import { randomBytes, randomUUID } from 'node:crypto';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { AtomicOp } from '../backends/atomic-op.js';
import type { CacheBackend } from '../backends/backend.interface.js';
import { MemoryBackend } from '../backends/memory/memory.backend.js';
import { MemoryStore } from '../backends/memory/memory.store.js';
import { mapBackendError } from '../cache/map-error.js';
import type { CacheService } from '../cache/cache.service.js';
import { DEFAULT_CACHE } from '../cachex.constants.js';
import { MESSAGES } from '../cachex.messages.js';
import { CacheXConnectionError } from '../errors/connection.error.js';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import type { CacheRegistry } from '../registry/cache.registry.js';
import { describe } from '../utils/duration.js';
import {
  ALGORITHM_NAMES,
  BACKEND_ERROR_MODES,
  DEFAULT_SETTINGS,
  limitProblem,
  parseWindow,
  type RateLimitSettings,
} from './rate-limit.config.js';
import { ALGORITHMS, OP_MODE, type OpMode, type RateLimitState } from './rate-limit.ops.js';
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

/** One limit of one request, validated, ready to run. */
interface Step {
  cache: CacheService;
  key: string;
  fullKey: string;
  op: AtomicOp<RateLimitState>;
  limit: number;
  windowMs: number;
  cost: number;
  id: string;
  onBackendError: RateLimitBackendErrorMode;
}

/** A step's outcome, and the backend that recorded it (none when nothing was recorded). */
interface Outcome {
  state: RateLimitState;
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
 * @example
 * const r = await rateLimiter.consume(`api:${userId}`, { limit: 100, window: '1m' });
 * if (!r.allowed) throw new TooManyRequests(r.retryAfterMs);
 */
export class RateLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger('CacheX:RateLimit');
  /** Caches whose server is down, with when to try it again (process clock, ms). */
  private readonly outages = new Map<string, number>();
  private fallbackBackend: MemoryBackend | undefined;

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
   * @returns whether the request is admitted, and the limit's state after it
   * @throws InvalidArgumentError for a bad key, limit, window, cost or algorithm (nothing counted)
   * @throws CacheXConfigError when `cache` names no registered cache
   * @throws CacheXConnectionError when the server is down and `onBackendError` is `'throw'`
   * @example
   * const r = await rateLimiter.consume(`search:${ip}`, { limit: 10, window: '1s' });
   * if (!r.allowed) reply.header('Retry-After', Math.ceil(r.retryAfterMs / 1000));
   */
  async consume(key: string, options: RateLimitOptions): Promise<RateLimitResult> {
    const step = this.prepare(key, options);
    const { state } = await this.run(step, OP_MODE.consume);
    step.cache.counters.rateLimit(state.allowed);
    return this.result(step, state);
  }

  /**
   * The state of a limit without counting anything: whether a request of `cost` would be
   * admitted now, what remains, and when it resets.
   * @throws InvalidArgumentError, CacheXConfigError as {@link RateLimiter.consume}
   * @example const { remaining } = await rateLimiter.peek(`search:${ip}`, { limit: 10, window: '1s' });
   */
  async peek(key: string, options: RateLimitOptions): Promise<RateLimitResult> {
    const step = this.prepare(key, options);
    return this.result(step, (await this.run(step, OP_MODE.peek)).state);
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
    this.checkKey(cache, key);
    const algorithms = options.algorithm === undefined ? ALGORITHM_NAMES : [options.algorithm];
    for (const algorithm of algorithms) this.checkAlgorithm(cache, algorithm);
    const keys = algorithms.map((algorithm) => fullKey(cache, key, algorithm));
    const fallback = this.fallbackBackend ? await this.fallbackBackend.delete(keys) : 0;
    const deleted = await cache.backend.delete(keys).catch((error) => {
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
    const steps = entries.map(({ key, options }) => this.prepare(key, options));
    const settled = await Promise.allSettled(steps.map((step) => this.run(step, OP_MODE.consume)));
    const outcomes = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = settled.find((s) => s.status === 'rejected');
    if (!failed)
      outcomes.forEach(({ state }, i) => steps[i]!.cache.counters.rateLimit(state.allowed));
    if (!failed && outcomes.every(({ state }) => state.allowed)) {
      return outcomes.map(({ state }, i) => this.result(steps[i]!, state));
    }
    await Promise.all(
      settled.map((s, i) =>
        s.status === 'fulfilled' && s.value.recordedOn
          ? this.refund(steps[i]!, s.value.recordedOn)
          : null,
      ),
    );
    if (failed) throw failed.reason;
    return outcomes.map(({ state, recordedOn }, i) => {
      const step = steps[i]!;
      const refunded = recordedOn
        ? Math.min(step.limit, state.remaining + step.cost)
        : state.remaining;
      return this.result(step, { ...state, remaining: refunded });
    });
  }

  /** Releases the in-process fallback limiter, if one was started. */
  async onApplicationShutdown(): Promise<void> {
    await this.fallbackBackend?.close();
    this.fallbackBackend = undefined;
    if (limiters.get(this.registry) === this) limiters.delete(this.registry);
  }

  private prepare(key: string, options: RateLimitOptions): Step {
    if (typeof options !== 'object' || options === null)
      throw new InvalidArgumentError(
        MESSAGES.invalidArgument(
          DEFAULT_CACHE,
          'options',
          `must be an object such as { limit: 100, window: '1m' }, got ${describe(options)}`,
        ),
        DEFAULT_CACHE,
        'options',
      );
    const cache = this.registry.get(options.cache ?? DEFAULT_CACHE);
    const invalid = (argument: string, problem: string) =>
      new InvalidArgumentError(
        MESSAGES.invalidArgument(cache.name, argument, problem),
        cache.name,
        argument,
      );
    this.checkKey(cache, key);
    const limitError = limitProblem(options.limit);
    if (limitError) throw invalid('limit', limitError);
    const windowMs = parseWindow(options.window);
    if (typeof windowMs === 'string') throw invalid('window', windowMs);
    const cost = options.cost ?? 1;
    if (!Number.isSafeInteger(cost) || cost < 1 || cost > options.limit)
      throw invalid(
        'cost',
        `must be an integer from 1 to the limit (${options.limit}), got ${describe(cost)}`,
      );
    const algorithm = options.algorithm ?? 'sliding-log';
    this.checkAlgorithm(cache, algorithm);
    const onBackendError = options.onBackendError ?? this.settings.onBackendError;
    if (!BACKEND_ERROR_MODES.includes(onBackendError))
      throw invalid(
        'onBackendError',
        `must be one of ${BACKEND_ERROR_MODES.join(', ')}, got ${describe(onBackendError)}`,
      );
    return {
      cache,
      key,
      fullKey: fullKey(cache, key, algorithm),
      op: ALGORITHMS[algorithm].op,
      limit: options.limit,
      windowMs,
      cost,
      id: `${PROCESS_TOKEN}.${(++sequence).toString(36)}`,
      onBackendError,
    };
  }

  private checkKey(cache: CacheService, key: string): void {
    if (typeof key !== 'string' || key === '')
      throw new InvalidArgumentError(
        MESSAGES.invalidArgument(
          cache.name,
          'key',
          `must be a non-empty string, got ${describe(key)}`,
        ),
        cache.name,
        'key',
      );
  }

  private checkAlgorithm(cache: CacheService, algorithm: RateLimitAlgorithm): void {
    if (!ALGORITHM_NAMES.includes(algorithm))
      throw new InvalidArgumentError(
        MESSAGES.invalidArgument(
          cache.name,
          'algorithm',
          `must be one of ${ALGORITHM_NAMES.join(', ')}, got ${describe(algorithm)}`,
        ),
        cache.name,
        'algorithm',
      );
  }

  private result(step: Step, state: RateLimitState): RateLimitResult {
    return {
      allowed: state.allowed,
      limit: step.limit,
      remaining: state.remaining,
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
  private async run(step: Step, mode: OpMode): Promise<Outcome> {
    const name = step.cache.name;
    const probeAt = this.outages.get(name);
    if (probeAt !== undefined && step.onBackendError !== 'throw' && Date.now() < probeAt) {
      return this.degrade(step, mode);
    }
    if (probeAt !== undefined) this.outages.set(name, Date.now() + PROBE_INTERVAL_MS);
    try {
      const state = await step.cache.backend.run(step.op, [step.fullKey], this.args(step, mode));
      if (this.outages.delete(name)) this.logger.log(MESSAGES.rateLimitBackendUp(name));
      return {
        state,
        recordedOn: mode === OP_MODE.consume && state.allowed ? step.cache.backend : undefined,
      };
    } catch (error) {
      const mapped = mapBackendError(error, name, step.key);
      if (!(mapped instanceof CacheXConnectionError)) throw mapped;
      if (!this.outages.has(name))
        this.logger.error(MESSAGES.rateLimitBackendDown(name, mapped.message));
      this.outages.set(name, Date.now() + PROBE_INTERVAL_MS);
      if (step.onBackendError === 'throw') throw mapped;
      return this.degrade(step, mode);
    }
  }

  /** A step while the server is down: admitted, refused, or counted in this process. */
  private async degrade(step: Step, mode: OpMode): Promise<Outcome> {
    switch (step.onBackendError) {
      case 'deny':
        return {
          state: {
            allowed: false,
            remaining: 0,
            resetMs: step.windowMs,
            retryAfterMs: step.windowMs,
          },
          recordedOn: undefined,
        };
      case 'fallback': {
        const backend = this.fallback();
        const state = await backend.run(step.op, [step.fullKey], this.args(step, mode));
        return {
          state,
          recordedOn: mode === OP_MODE.consume && state.allowed ? backend : undefined,
        };
      }
      default:
        return {
          state: { allowed: true, remaining: step.limit - step.cost, resetMs: 0, retryAfterMs: 0 },
          recordedOn: undefined,
        };
    }
  }

  /** Takes back a request a limit admitted. Best effort: if it fails the request stays counted, on the strict side. */
  private async refund(step: Step, backend: CacheBackend): Promise<void> {
    await backend
      .run(step.op, [step.fullKey], this.args(step, OP_MODE.refund))
      .catch(() => undefined);
  }

  private args(step: Step, mode: OpMode): Array<string | number> {
    return [mode, step.limit, step.windowMs, step.cost, step.id];
  }

  /** The in-process limiter of `onBackendError: 'fallback'`: a private memory store, started on first use. */
  private fallback(): MemoryBackend {
    if (!this.fallbackBackend) {
      // A store name of its own: always a new store, never an options mismatch (a string).
      const store = MemoryStore.acquire(`cachex:rate-limit-fallback:${randomUUID()}`, {
        sweepInterval: 60_000,
      }) as MemoryStore;
      this.fallbackBackend = new MemoryBackend(store);
    }
    return this.fallbackBackend;
  }
}

/** A limit's key on the server; the hash tag keeps all counters of one key in one cluster slot. */
function fullKey(cache: CacheService, key: string, algorithm: RateLimitAlgorithm): string {
  return cache.keyBuilder.internal('rl', `{${key}}:${ALGORITHMS[algorithm].suffix}`);
}
