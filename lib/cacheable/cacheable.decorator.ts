import { DEFAULT_CACHE } from '../cachex.constants.js';
import {
  cacheAt,
  decorateMethod,
  type AnyMethod,
  type DecoratedMethod,
} from '../registry/method-decorator.js';
import type { CacheableOptions, CachePutOptions } from './cacheable-options.interface.js';
import { resolveCaching, type ResolvedCaching } from './cacheable.config.js';
import { registryHost } from '../registry/registry.host.js';
import { NOT_AT_HAND, type MethodCache } from './method-cache.js';
import { CallKeys } from './call-keys.js';
import {
  cacheNameOption,
  callbackOption,
  DecoratorErrors,
  keyArgument,
  keyFromCall,
  tagsFromCall,
  type FromCall,
} from './decorator-sources.js';

/** The options `@CachePut` takes (`@Cacheable` takes all of `cache.wrap()`'s and these). */
const PUT_OPTIONS: ReadonlySet<string> = new Set([
  'key',
  'cache',
  'condition',
  'ttl',
  'tags',
  'unless',
  'cacheNullish',
]);

/**
 * A method the caching decorators accept: any (a sync one becomes async). The options' functions
 * are typed by their own parameters, not checked against the method's: a key function may take
 * a wider type than the method does.
 */
type Method = (...args: never[]) => unknown;

/**
 * Caches a method's result: a call reads the entry of its key and returns it, or runs the method
 * and stores its result. Works on any class (services, controllers, resolvers, providers built by
 * `useFactory`, classes created with `new`): the cache is looked up at call time. The method's
 * other metadata is kept; it becomes async. Concurrent calls with one key in a process run the
 * method once; `lock` extends this across processes.
 *
 * Decorators run outermost first, in the order they are written: put `@Cacheable` above
 * `@WithLock` (a hit takes no lock) and above a provider method's `@RateLimit` (a hit is not
 * counted). On a route, `@RateLimit` is a guard and always runs first.
 *
 * When the server cannot be reached, the method runs and its result is returned (the outage is
 * logged once, and the recovery). Options are checked when the class is defined; durations are
 * **milliseconds** or strings such as `'1h'`.
 *
 * @param options - `key` (default `<Class>.<method>:<digest of the arguments>`), `ttl` (default:
 *   the cache's), `cache` (default `'default'`), `tags`, `condition`, `unless`, `cacheNullish`
 *   (default true), `lock`, `staleWhileRevalidate`, `staleIfError`, `earlyRefresh`, `timeout`
 * @throws CacheXConfigError when the class is defined, for an invalid option; at call time, for
 *   a cache that is not registered
 * @throws InvalidArgumentError from the method, for arguments that cannot make a key
 * @example
 * @Cacheable({ key: 'user:{0}:data', ttl: '1h', tags: (id: number) => [`user:${id}`] })
 * async getUserData(id: number): Promise<User> { return this.db.fetchUser(id); }
 */
export function Cacheable<A extends unknown[] = never[], R = unknown>(
  options: CacheableOptions<A, R> = {},
) {
  return <M extends Method>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void =>
    decorateMethod('@Cacheable', target, propertyKey, descriptor, (method) => {
      return cachingWrapper(method, prepare(method, options), 'lookup');
    });
}

/**
 * Runs the method every time and stores its result under `key` (with `tags`, `ttl`, …), so that
 * a `@Cacheable` reading that key finds the new value.
 * @param options - `key` (required: a template or a function of the arguments), `ttl`,
 *   `cache`, `tags`, `condition`, `unless`, `cacheNullish`
 * @throws CacheXConfigError when the class is defined, for an invalid or missing option
 * @example
 * @CachePut({ key: (u: User) => `user:${u.id}:data`, tags: (u: User) => [`user:${u.id}`] })
 * async saveUser(u: User): Promise<User> { return this.db.save(u); }
 */
export function CachePut<A extends unknown[] = never[], R = unknown>(
  options: CachePutOptions<A, R>,
) {
  return <M extends Method>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void =>
    decorateMethod('@CachePut', target, propertyKey, descriptor, (method) => {
      const errors = new DecoratorErrors(method, String(options?.cache ?? DEFAULT_CACHE));
      if (options?.key === undefined)
        throw errors.option('key', 'is required: the key of the entry the method refreshes');
      return cachingWrapper(method, prepare(method, options, PUT_OPTIONS), 'put');
    });
}

const NO_TAGS: readonly string[] = Object.freeze([]);
const NO_INSTANCE = Symbol('cachex:no-instance');

/**
 * The wrapper of a `@Cacheable` (`lookup`: read, or run and store) or `@CachePut` (`put`: run
 * and store) method: the condition, the call-time cache, the key and tags of the call. A
 * `@Cacheable` without `condition`, `unless` or tags of the arguments gets a wrapper of its own,
 * which does nothing on a hit but make the key and read.
 */
function cachingWrapper(
  method: DecoratedMethod,
  call: PreparedCall,
  through: 'lookup' | 'put',
): AnyMethod {
  const { original } = method;
  const { condition, key: keyOf, tags, tagsOf, caching, cachingOf } = call;
  // The engine of the last instance called, while no application attached or detached since:
  // a call on the same instance skips the registry look-up. NOTE: it holds that one instance.
  let lastSelf: unknown = NO_INSTANCE;
  let lastEpoch = -1;
  let lastEngine: MethodCache | undefined;
  const engineOf = (self: unknown): MethodCache => {
    if (self === lastSelf && lastEpoch === registryHost.epoch && lastEngine !== undefined)
      return lastEngine;
    const engine = cacheAt(method.where, call.cache, self).methodCache;
    lastSelf = self;
    lastEpoch = registryHost.epoch;
    lastEngine = engine;
    return engine;
  };
  if (through === 'lookup' && condition === undefined && tagsOf === undefined && !cachingOf) {
    const { keyArgument } = call;
    if (keyArgument !== undefined) {
      const { index, alone } = keyArgument;
      const keys = new CallKeys();
      // Not async: a hit makes one promise (a value at hand, or the engine's), no awaiting layer.
      return function (this: unknown, ...args: never[]): Promise<unknown> {
        try {
          const engine = engineOf(this);
          let key: string;
          let full: string | undefined;
          if (alone && args.length !== 1) {
            key = keyOf(this, args);
          } else {
            const known = keys.of(engine, args[index], keyOf, this, args);
            key = known.key;
            full = known.full;
          }
          const fresh = engine.freshAtHand(key, tags, caching, full);
          if (fresh !== NOT_AT_HAND) return Promise.resolve(fresh);
          return engine.value(key, tags, computation(original, this, args), caching, full);
        } catch (error) {
          // As from an async method: a key that cannot be made rejects, it does not throw.
          return Promise.reject(error as Error);
        }
      };
    }
    return function (this: unknown, ...args: never[]): Promise<unknown> {
      try {
        const engine = engineOf(this);
        const key = keyOf(this, args);
        const fresh = engine.freshAtHand(key, tags, caching);
        if (fresh !== NOT_AT_HAND) return Promise.resolve(fresh);
        return engine.value(key, tags, computation(original, this, args), caching);
      } catch (error) {
        return Promise.reject(error as Error);
      }
    };
  }
  return function (this: unknown, ...args: never[]): Promise<unknown> {
    try {
      if (condition && !condition.apply(this, args))
        return Promise.resolve(original.apply(this, args));
      const engine = engineOf(this);
      const key = keyOf(this, args);
      const callTags = tagsOf ? tagsOf(this, args) : tags;
      const options = cachingOf ? cachingOf(this, args) : caching;
      const compute = computation(original, this, args);
      if (through === 'put') return engine.put(key, callTags, compute, options);
      const fresh = engine.freshAtHand(key, callTags, options);
      if (fresh !== NOT_AT_HAND) return Promise.resolve(fresh);
      return engine.value(key, callTags, compute, options);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  };
}

/**
 * The method's run for one call. NOTE: made here, not in the wrappers: a closure there would
 * make them allocate its scope on every call, hits included.
 */
function computation(original: AnyMethod, self: unknown, args: never[]): () => unknown {
  return () => original.apply(self, args);
}

interface PreparedCall {
  cache: string;
  key: FromCall<string>;
  /** The one argument the key is made of, if any (see {@link CallKeys}). */
  keyArgument: { index: number; alone: boolean } | undefined;
  /** The tags of every call, when fixed (none: an empty list). */
  tags: readonly string[];
  /** The tags of a call, when a function of the arguments. */
  tagsOf: FromCall<readonly string[]> | undefined;
  condition: ((this: unknown, ...args: readonly unknown[]) => unknown) | undefined;
  /** The caching options, resolved once. */
  caching: ResolvedCaching;
  /** The caching options of a call, when `unless` sees its arguments. */
  cachingOf: FromCall<ResolvedCaching> | undefined;
}

/** Validates a caching decorator's options once, when the class is defined. */
function prepare(
  method: DecoratedMethod,
  options: object | undefined,
  only?: ReadonlySet<string>,
): PreparedCall {
  const { key, cache, tags, condition, unless, ...rest } = (options ?? {}) as CacheableOptions<
    never[],
    unknown
  >;
  const errors = new DecoratorErrors(method, String(cache ?? DEFAULT_CACHE));
  const unknown = only && Object.keys(options ?? {}).find((name) => !only.has(name));
  if (unknown) throw errors.option(unknown, `is not an option (known: ${[...only!].join(', ')})`);
  const resolved = resolveCaching(rest);
  if ('problem' in resolved) throw errors.option(resolved.option, resolved.problem);
  const unlessFn = callbackOption(unless, 'unless', errors);
  const tagsOf = tagsFromCall(tags, errors);
  const fixed = typeof tags !== 'function';
  return {
    cache: cacheNameOption(cache ?? DEFAULT_CACHE, errors),
    key: keyFromCall(key, errors),
    keyArgument: keyArgument(key),
    // A fixed list is the same (frozen) list for every call: taken once.
    tags: fixed && tagsOf !== undefined ? tagsOf(undefined, []) : NO_TAGS,
    tagsOf: fixed ? undefined : tagsOf,
    condition: callbackOption(condition, 'condition', errors),
    caching: resolved,
    // `unless` sees the arguments too: one small object per call, only when it is given.
    cachingOf: unlessFn
      ? (self, args) => ({
          ...resolved,
          unless: (result: unknown) => Boolean(unlessFn.call(self, result, ...args)),
        })
      : undefined,
  };
}
