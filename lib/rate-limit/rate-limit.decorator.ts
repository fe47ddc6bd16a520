import { UseGuards } from '@nestjs/common';
import { MESSAGES } from '../cachex.messages.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { decorateMethod, type AnyMethod } from '../registry/method-decorator.js';
import { registryHost } from '../registry/registry.host.js';
import { describe } from '../utils/duration.js';
import { resolveDefinition, type MethodLimits, type ResolvedLimit } from './rate-limit.config.js';
import {
  RATE_LIMIT_METADATA,
  RATE_LIMIT_METHOD_METADATA,
  SKIP_RATE_LIMIT_METADATA,
} from './rate-limit.constants.js';
import { RateLimitGuard, refusalOf } from './rate-limit.guard.js';
import type { RateLimitDefinition } from './rate-limit-options.interface.js';
import { RateLimiter } from './rate-limiter.service.js';

/**
 * Limits how often a method may run. Stackable: several limits at once, each with its own `name`.
 *
 * - On a **route, gateway or resolver** (or on their class: then for all its handlers together),
 *   it applies `RateLimitGuard` by itself, no guard to register: each client (`by`, default its
 *   IP) gets `limit` requests per `window`. HTTP answers 429 with `Retry-After` and the
 *   `RateLimit` headers; other transports get a `RateLimitExceededError`.
 * - On any **other provider method** (also on classes built by `useFactory` or `new`), it wraps
 *   the method: a call over the limit throws `RateLimitExceededError` before the method runs. The
 *   counted key is `key(...args)`, or one budget for all calls. The method becomes async.
 *
 * The limit is checked when the class is declared (a mistake stops the application from
 * starting); the cache is looked up at call time. Method metadata (routes, guards, Swagger) is
 * kept on the wrapper.
 *
 * @throws CacheXConfigError at declaration for an invalid limit; at call time for an unknown
 * `cache`, or `by` on a method called outside a request
 * @throws RateLimitExceededError from a wrapped provider method over its limit
 * @example
 * ```ts
 * @RateLimit({ limit: 100, window: '1m' }) // per client IP
 * @RateLimit({ limit: 10, window: '1s', by: 'user', name: 'burst' })
 * @Get('search') search() { … }
 *
 * @RateLimit({ limit: 5, window: '1h', key: (email: string) => email })
 * async sendPasswordReset(email: string) { … }
 * ```
 */
export function RateLimit<Args extends unknown[] = unknown[]>(
  definition: RateLimitDefinition<Args>,
): ClassDecorator & MethodDecorator {
  return ((target: object, propertyKey?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor === undefined) {
      limitClass(target as abstract new (...args: never[]) => unknown, definition);
      return;
    }
    limitMethod(target, propertyKey!, descriptor, definition);
  }) as ClassDecorator & MethodDecorator;
}

/**
 * Drops limits a handler inherits: all of them, or those named. On a method, the class's limits
 * and the module defaults; on a class, the module defaults. A method's own `@RateLimit` still
 * applies.
 * @param names - the limits to drop; none = all
 * @example
 * ```ts
 * @SkipRateLimit() // a health check under an app-wide default limit
 * @Get('health') health() { … }
 * ```
 */
export function SkipRateLimit(...names: string[]): ClassDecorator & MethodDecorator {
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    Reflect.defineMetadata(
      SKIP_RATE_LIMIT_METADATA,
      names.length > 0 ? names : true,
      descriptor ? (descriptor.value as object) : target,
    );
  }) as ClassDecorator & MethodDecorator;
}

function limitClass(
  target: abstract new (...args: never[]) => unknown,
  definition: RateLimitDefinition<never[]> | unknown,
): void {
  const where = `@RateLimit on ${target.name}`;
  const limit = resolveDefinition(definition, where, target.name);
  const own = (Reflect.getOwnMetadata(RATE_LIMIT_METADATA, target) ?? []) as ResolvedLimit[];
  checkUnique(own, limit, where);
  Reflect.defineMetadata(RATE_LIMIT_METADATA, [limit, ...own], target);
  if (own.length === 0) UseGuards(RateLimitGuard)(target);
}

function limitMethod(
  target: object,
  propertyKey: string | symbol,
  descriptor: PropertyDescriptor,
  definition: RateLimitDefinition<never[]> | unknown,
): void {
  const scope = `${target.constructor.name}.${String(propertyKey)}`;
  const limit = resolveDefinition(definition, `@RateLimit on ${scope}`, scope);
  // Stacked: the limits of one method share one wrapper and one state (the first one's).
  let state = (
    typeof descriptor.value === 'function'
      ? Reflect.getOwnMetadata(RATE_LIMIT_METHOD_METADATA, descriptor.value as object)
      : undefined
  ) as MethodLimits | undefined;
  if (!state) {
    const limits: MethodLimits = { limits: [], handler: false, where: '' };
    decorateMethod('@RateLimit', target, propertyKey, descriptor, ({ original, where }) => {
      limits.where = where;
      return wrap(original, limits);
    });
    Reflect.defineMetadata(RATE_LIMIT_METHOD_METADATA, limits, descriptor.value as object);
    UseGuards(RateLimitGuard)(target, propertyKey, descriptor);
    state = limits;
  }
  checkUnique(state.limits, limit, state.where);
  // Decorators apply bottom-up: prepending keeps the limits in the order they are written.
  state.limits.unshift(limit);
}

/**
 * The wrapper of a limited method. On a handler the guard has already counted the request (it
 * marks the method on its first run, before the handler is ever called), so the wrapper calls
 * through unchanged, sync or not; elsewhere it counts the call first.
 */
function wrap(original: AnyMethod, state: MethodLimits): AnyMethod {
  return function (this: unknown, ...args: never[]): unknown {
    if (state.handler) return original.apply(this, args);
    return enforce(state, this, args).then(() => original.apply(this, args));
  };
}

async function enforce(
  state: MethodLimits,
  self: unknown,
  args: readonly unknown[],
): Promise<void> {
  const limiter = RateLimiter.of(registryHost.get(state.where, self));
  const entries = state.limits.map((limit) => {
    if (limit.by !== undefined)
      throw new CacheXConfigError(MESSAGES.rateLimitByOffHandler(state.where), limit.cache, 'by');
    return {
      key: limit.keyHead + keyOf(limit, args, state.where),
      options: limit.options,
    };
  });
  const results = await limiter.consumeAll(entries);
  const refusal = refusalOf(state.limits, results, entries);
  if (refusal) throw refusal;
}

function keyOf(limit: ResolvedLimit, args: readonly unknown[], where: string): string {
  if (!limit.key) return '*';
  const key = limit.key(...args);
  if (typeof key !== 'string' || key === '')
    throw new CacheXConfigError(
      MESSAGES.rateLimitBadKey(where, 'key', describe(key)),
      limit.cache,
      'key',
    );
  return `key:${key}`;
}

function checkUnique(limits: readonly ResolvedLimit[], limit: ResolvedLimit, where: string): void {
  if (limits.some(({ name }) => name === limit.name))
    throw new CacheXConfigError(
      MESSAGES.rateLimitDuplicate(where, limit.name),
      limit.cache,
      'name',
    );
}
