import {
  Inject,
  Injectable,
  Optional,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { MESSAGES } from '../cachex.messages.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { RateLimitExceededError } from '../errors/rate-limit-exceeded.error.js';
import { registryHost } from '../registry/registry.host.js';
import type { MethodLimits, RateLimitSettings, ResolvedLimit } from './rate-limit.config.js';
import {
  RATE_LIMIT_METADATA,
  RATE_LIMIT_METHOD_METADATA,
  SKIP_RATE_LIMIT_METADATA,
} from './rate-limit.constants.js';
import {
  headerParts,
  type HeaderParts,
  setRateLimitHeaders,
  tooManyRequests,
} from './rate-limit.headers.js';
import { trackerOf } from './rate-limit.trackers.js';
import { RateLimiter } from './rate-limiter.service.js';
import type { RateLimitResult, RateLimitRule } from './rate-limit-options.interface.js';

/**
 * Contexts already evaluated: Nest runs every guard of one call (global, class, method) with the
 * same context, and this guard may be among them more than once (`@RateLimit` on the class and
 * on the method, plus the global guard of module defaults); the first run does all the work.
 */
const evaluated = new WeakSet<ExecutionContext>();

/** A handler's limits, merged from its metadata once. */
interface HandlerLimits {
  /** What they were merged for: a handler inherited by another class, or run by another app, merges again. */
  readonly owner: object;
  readonly settings: RateLimitSettings;
  readonly limits: readonly ResolvedLimit[];
  readonly headers: HeaderParts;
}

/** One limit of one request: the key it counts and the limit's options. */
interface Entry {
  key: string;
  options: ResolvedLimit['options'];
}

type Skip = true | string[] | undefined;

/**
 * Enforces `@RateLimit` on handlers (HTTP routes, WebSocket gateways, microservice patterns,
 * GraphQL resolvers), and the module's default limits on HTTP routes. `@RateLimit` applies it by
 * itself; `CacheXModule` registers it globally when `rateLimit.default` is set.
 *
 * A handler's limits are the module defaults (HTTP only), overridden by name by the class's
 * limits, overridden by name by the method's; `@SkipRateLimit` drops inherited ones. A request
 * counts against all of them or, when one refuses, against none. On HTTP a refusal is a 429 with
 * `Retry-After`, and every response carries the rate-limit headers; elsewhere it is a
 * `RateLimitExceededError`.
 *
 * The guard counts on the caches of the application it belongs to (its `RateLimiter` is
 * injected); one created with `new`, or in a module that does not see `CacheXModule`, uses the
 * application initialised last.
 *
 * Extension points: override {@link RateLimitGuard.getTracker} to count clients another way, or
 * {@link RateLimitGuard.refuse} to answer a refusal differently.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly reflector: Reflector;
  private readonly handlers = new WeakMap<object, HandlerLimits>();

  /**
   * @param limiter - the application's limiter, injected
   * @param reflector - Nest's, injected
   */
  constructor(
    @Optional() @Inject(RateLimiter) private readonly limiter?: RateLimiter,
    @Optional() @Inject(Reflector) reflector?: Reflector,
  ) {
    this.reflector = reflector ?? new Reflector();
  }

  /**
   * Counts the request against the handler's limits (Nest calls this; `@RateLimit` and the
   * module's defaults register the guard).
   * @returns true when every limit admits the request
   * @throws HttpException (429) or RateLimitExceededError through {@link RateLimitGuard.refuse}
   * @example
   * ```ts
   * @UseGuards(RateLimitGuard) // what @RateLimit adds by itself
   * ```
   */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (evaluated.has(context)) return true;
    evaluated.add(context);
    const limiter = this.limiterOf(context);
    const { limits, headers } = this.limitsOf(context, limiter.settings);
    if (limits.length === 0) return true;
    let results: RateLimitResult[];
    let refusal: RateLimitExceededError | undefined;
    if (limits.length === 1) {
      // One limit (the usual case): no lists, and no await for a tracker known at once.
      const limit = limits[0]!;
      let tracker = this.trackerOf(context, limit);
      if (typeof tracker !== 'string') tracker = await tracker;
      const key = limit.keyHead + tracker;
      const result = await limiter.consume(key, limit.options);
      results = [result];
      if (!result.allowed) refusal = refusalOf(limits, results, [{ key }]);
    } else {
      const entries = await Promise.all(limits.map((limit) => this.entryOf(context, limit)));
      results = await limiter.consumeAll(entries);
      refusal = refusalOf(limits, results, entries);
    }
    // The response is the handler's second argument (what `switchToHttp().getResponse()`
    // answers, without the closures that builds at each call).
    if (context.getType() === 'http')
      setRateLimitHeaders(context.getArgByIndex(1), headers, results);
    if (refusal) this.refuse(context, refusal);
    return true;
  }

  /**
   * Who a limit counts in this request, as a string: by default `ip:…`, `user:…`, `session:…`
   * or `by:…` after the limit's `by`. The default answers at once unless `by` is a function; an
   * override may answer a string or a promise of one.
   * @throws CacheXConfigError when the client cannot be told
   * @example
   * ```ts
   * class TenantRateLimitGuard extends RateLimitGuard {
   *   protected override async getTracker(context: ExecutionContext) {
   *     return `tenant:${context.switchToHttp().getRequest().headers['x-tenant']}`;
   *   }
   * }
   * ```
   */
  protected getTracker(context: ExecutionContext, limit: RateLimitRule): string | Promise<string> {
    return trackerOf(limit, context, this.limiterOf(context).settings, whereOf);
  }

  /**
   * Answers a refused request: on HTTP a 429 (`Retry-After` is already set), elsewhere the
   * error itself.
   * @throws HttpException (429) on HTTP, RateLimitExceededError elsewhere
   */
  protected refuse(context: ExecutionContext, error: RateLimitExceededError): never {
    if (context.getType() !== 'http') throw error;
    throw tooManyRequests(error);
  }

  private async entryOf(context: ExecutionContext, limit: ResolvedLimit): Promise<Entry> {
    return { key: limit.keyHead + (await this.trackerOf(context, limit)), options: limit.options };
  }

  /** The limit's tracker in this request; a limit with `key` belongs on provider methods. */
  private trackerOf(context: ExecutionContext, limit: ResolvedLimit): string | Promise<string> {
    if (limit.key)
      throw new CacheXConfigError(
        MESSAGES.rateLimitKeyOnHandler(whereOf(context)),
        limit.cache,
        'key',
      );
    return this.getTracker(context, limit);
  }

  private limiterOf(context: ExecutionContext): RateLimiter {
    return this.limiter ?? RateLimiter.of(registryHost.get(whereOf(context)));
  }

  /** The limits of the context's handler: merged on its first request, then remembered. */
  private limitsOf(context: ExecutionContext, settings: RateLimitSettings): HandlerLimits {
    const handler = context.getHandler();
    const owner = context.getClass();
    const known = this.handlers.get(handler);
    if (known !== undefined && known.owner === owner && known.settings === settings) return known;
    const method = this.reflector.get<MethodLimits | undefined>(
      RATE_LIMIT_METHOD_METADATA,
      handler,
    );
    // The method is a handler: the guard counts its calls, and its wrapper stands aside.
    if (method) method.handler = true;
    const skipMethod = this.reflector.get<Skip>(SKIP_RATE_LIMIT_METADATA, handler);
    const skipClass = this.reflector.get<Skip>(SKIP_RATE_LIMIT_METADATA, owner);
    const skips = (skip: Skip, name: string) => skip === true || (skip?.includes(name) ?? false);
    const merged = new Map<string, ResolvedLimit>();
    if (context.getType() === 'http') {
      for (const limit of settings.defaults) {
        if (!skips(skipClass, limit.name) && !skips(skipMethod, limit.name))
          merged.set(limit.name, limit);
      }
    }
    const classLimits = this.reflector.get<ResolvedLimit[] | undefined>(RATE_LIMIT_METADATA, owner);
    for (const limit of classLimits ?? [])
      if (!skips(skipMethod, limit.name)) merged.set(limit.name, limit);
    for (const limit of method?.limits ?? []) merged.set(limit.name, limit);
    const limits = [...merged.values()];
    const found = { owner, settings, limits, headers: headerParts(limits, settings.headers) };
    this.handlers.set(handler, found);
    return found;
  }
}

function whereOf(context: ExecutionContext): string {
  return `@RateLimit on ${context.getClass().name}.${context.getHandler().name}`;
}

/**
 * The error for a refused request, naming the refusing limit that asks to wait longest; undefined
 * when every limit admitted it.
 * @internal shared with the method decorator
 */
export function refusalOf(
  limits: readonly ResolvedLimit[],
  results: readonly RateLimitResult[],
  entries: ReadonlyArray<{ key: string }>,
): RateLimitExceededError | undefined {
  let worst = -1;
  results.forEach((result, i) => {
    if (!result.allowed && (worst < 0 || result.retryAfterMs > results[worst]!.retryAfterMs))
      worst = i;
  });
  if (worst < 0) return undefined;
  const limit = limits[worst]!;
  const { retryAfterMs } = results[worst]!;
  const { key } = entries[worst]!;
  return new RateLimitExceededError(
    MESSAGES.rateLimitExceeded(limit.name, limit.limit, limit.windowMs, key, retryAfterMs),
    limit.name,
    key,
    limit.limit,
    limit.windowMs,
    retryAfterMs,
  );
}
