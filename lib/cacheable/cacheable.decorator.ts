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
import {
  cacheNameOption,
  callbackOption,
  DecoratorErrors,
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

const NO_TAGS: readonly string[] = [];
const NO_INSTANCE = Symbol('cachex:no-instance');

/**
 * The wrapper of a `@Cacheable` (`lookup`: read, or run and store) or `@CachePut` (`put`: run
 * and store) method: the condition, the call-time cache, the key and tags of the call.
 */
function cachingWrapper(
  method: DecoratedMethod,
  call: PreparedCall,
  through: 'lookup' | 'put',
): AnyMethod {
  // The engine of the last instance called, while no application attached or detached since:
  // a call on the same instance skips the registry look-up. NOTE: it holds that one instance.
  let lastSelf: unknown = NO_INSTANCE;
  let lastEpoch = -1;
  let lastEngine: MethodCache | undefined;
  // Not async: a hit makes one promise (a value at hand, or the engine's), no awaiting layer.
  return function (this: unknown, ...args: never[]): Promise<unknown> {
    try {
      if (call.condition && !call.condition.apply(this, args))
        return Promise.resolve(method.original.apply(this, args));
      let engine = lastEngine;
      if (this !== lastSelf || lastEpoch !== registryHost.epoch || engine === undefined) {
        engine = cacheAt(method.where, call.cache, this).methodCache;
        // eslint-disable-next-line @typescript-eslint/no-this-alias -- kept to compare, not to call
        lastSelf = this;
        lastEpoch = registryHost.epoch;
        lastEngine = engine;
      }
      const key = call.key(this, args);
      const tags = call.tags ? call.tags(this, args) : NO_TAGS;
      const caching = call.caching(this, args);
      if (through === 'lookup') {
        const fresh = engine.freshAtHand(key, tags, caching);
        if (fresh !== NOT_AT_HAND) return Promise.resolve(fresh);
      }
      const compute = () => method.original.apply(this, args);
      if (through === 'put') return engine.put(key, tags, compute, caching);
      return engine.value(key, tags, compute, caching);
    } catch (error) {
      // As from an async method: a key that cannot be made rejects, it does not throw.
      return Promise.reject(error as Error);
    }
  };
}

interface PreparedCall {
  cache: string;
  key: FromCall<string>;
  tags: FromCall<readonly string[]> | undefined;
  condition: ((this: unknown, ...args: readonly unknown[]) => unknown) | undefined;
  caching: FromCall<ResolvedCaching>;
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
  return {
    cache: cacheNameOption(cache ?? DEFAULT_CACHE, errors),
    key: keyFromCall(key, errors),
    tags: tagsFromCall(tags, errors),
    condition: callbackOption(condition, 'condition', errors),
    // `unless` sees the arguments too: one small object per call, only when it is given.
    caching: unlessFn
      ? (self, args) => ({
          ...resolved,
          unless: (result: unknown) => Boolean(unlessFn.call(self, result, ...args)),
        })
      : () => resolved,
  };
}
