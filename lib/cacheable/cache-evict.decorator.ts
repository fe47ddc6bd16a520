import type { CacheService } from '../cache/cache.service.js';
import { DEFAULT_CACHE } from '../cachex.constants.js';
import { CacheXError } from '../errors/cachex.error.js';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { cacheAt, decorateMethod } from '../registry/method-decorator.js';
import { describe } from '../utils/duration.js';
import type { CacheEvictOptions } from './cacheable-options.interface.js';
import {
  cacheNameOption,
  callbackOption,
  DecoratorErrors,
  keyFromCall,
  tagsFromCall,
  type FromCall,
} from './decorator-sources.js';

const KNOWN: ReadonlySet<string> = new Set([
  'key',
  'keys',
  'pattern',
  'tags',
  'allEntries',
  'beforeInvocation',
  'cache',
  'condition',
]);

/**
 * Removes cached entries when the method runs: a `key`, several `keys`, the keys matching a
 * `pattern` (SCAN + UNLINK), every entry of some `tags` (one INCR per tag, whatever the number
 * of entries), or the whole cache (`allEntries`). By default after the method succeeds;
 * `beforeInvocation: true` evicts before it runs, and so also when it throws. An eviction that
 * fails because the server cannot be reached is logged, not thrown (method caching fails open).
 * The method becomes async; its metadata is kept.
 * @param options - at least one of `key`, `keys`, `pattern`, `tags`, `allEntries`; `cache`
 *   (default `'default'`), `beforeInvocation` (default false), `condition`
 * @throws CacheXConfigError when the class is defined, for an invalid option or nothing to evict
 * @example
 * @CacheEvict({ tags: (id: number) => [`user:${id}`] })
 * async updateUser(id: number, patch: Patch): Promise<void> { ... }
 *
 * @CacheEvict({ pattern: 'api:*:response' })
 * async refreshApi(): Promise<void> { ... }
 */
export function CacheEvict<A extends unknown[] = never[]>(options: CacheEvictOptions<A>) {
  return <M extends (...args: never[]) => unknown>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void =>
    decorateMethod('@CacheEvict', target, propertyKey, descriptor, (method) => {
      const { key, keys, pattern, tags, allEntries, beforeInvocation, cache, condition } =
        (options ?? {}) as CacheEvictOptions<never[]>;
      const errors = new DecoratorErrors(method, String(cache ?? DEFAULT_CACHE));
      if (typeof options !== 'object' || options === null)
        throw errors.option('options', `must be an object, got ${describe(options)}`);
      for (const name of Object.keys(options)) {
        if (!KNOWN.has(name))
          throw errors.option(name, `is not an option (known: ${[...KNOWN].join(', ')})`);
      }
      const cacheName = cacheNameOption(cache ?? DEFAULT_CACHE, errors);
      for (const [name, flag] of [
        ['allEntries', allEntries],
        ['beforeInvocation', beforeInvocation],
      ] as const) {
        if (flag !== undefined && typeof flag !== 'boolean')
          throw errors.option(name, `must be a boolean, got ${describe(flag)}`);
      }
      const steps: Array<
        (cache: CacheService, self: unknown, args: readonly unknown[]) => Promise<unknown>
      > = [];
      const keyOf = key === undefined ? undefined : keyFromCall(key, errors);
      const keysOf = keys === undefined ? undefined : keyListFromCall(keys, errors);
      if (keyOf || keysOf)
        steps.push((cache, self, args) =>
          cache.deleteMany([
            ...(keyOf ? [keyOf(self, args)] : []),
            ...(keysOf ? keysOf(self, args) : []),
          ]),
        );
      if (pattern !== undefined) {
        const patternOf = keyFromCall(pattern, errors, 'pattern');
        steps.push((cache, self, args) => cache.deletePattern(patternOf(self, args)));
      }
      const tagsOf = tagsFromCall(tags, errors);
      if (tagsOf) steps.push((cache, self, args) => cache.invalidateTags(tagsOf(self, args)));
      if (allEntries === true) steps.push((cache) => cache.clear());
      if (steps.length === 0)
        throw errors.option(
          'key',
          'nothing to evict: give `key`, `keys`, `pattern`, `tags` or `allEntries: true`',
        );
      const when = callbackOption(condition, 'condition', errors);

      const evict = async (self: unknown, args: readonly unknown[]): Promise<void> => {
        const cache = cacheAt(method.where, cacheName, self);
        // Keys and tags are made first, so that arguments that cannot make one throw.
        const runs = steps.map((step) => step(cache, self, args));
        const outcomes = await Promise.allSettled(runs);
        for (const outcome of outcomes) {
          if (outcome.status === 'fulfilled') {
            cache.methodCache.stats.evictions++;
          } else if (
            outcome.reason instanceof InvalidArgumentError ||
            !(outcome.reason instanceof CacheXError)
          ) {
            throw outcome.reason;
          } else {
            cache.methodCache.evictionFailed(outcome.reason, method.where);
          }
        }
      };

      return async function (this: unknown, ...args: never[]): Promise<unknown> {
        if (when && !when.apply(this, args)) return method.original.apply(this, args);
        if (beforeInvocation === true) await evict(this, args);
        const result = await method.original.apply(this, args);
        if (beforeInvocation !== true) await evict(this, args);
        return result;
      };
    });
}

function keyListFromCall(
  source: NonNullable<CacheEvictOptions<never[]>['keys']>,
  errors: DecoratorErrors,
): FromCall<readonly string[]> {
  const check = (keys: unknown): string | undefined => {
    if (!Array.isArray(keys)) return `must be a list of keys, got ${describe(keys)}`;
    const bad = keys.find((key) => typeof key !== 'string' || key === '');
    return bad === undefined ? undefined : `must hold non-empty strings, got ${describe(bad)}`;
  };
  if (typeof source === 'function') {
    const make = source as (...args: unknown[]) => unknown;
    return (self, args) => {
      const keys = make.apply(self, args as unknown[]);
      const problem = check(keys);
      if (problem !== undefined)
        throw errors.call('keys', `\`keys\` returned a value that ${problem}`);
      return keys as readonly string[];
    };
  }
  const problem = check(source);
  if (problem !== undefined) throw errors.option('keys', problem);
  return () => source;
}
