import { MESSAGES } from '../cachex.messages.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import type { DecoratedMethod } from '../registry/method-decorator.js';
import { describe } from '../utils/duration.js';
import { compileKeyTemplate, digestArguments, type CacheKeySource } from './cache-key.js';
import type { CacheTagsSource } from './cacheable-options.interface.js';
import { tagsProblem } from './cacheable.config.js';

/** A value a decorator computes from a call: its instance and arguments. */
export type FromCall<T> = (self: unknown, args: readonly unknown[]) => T;

/** Errors of one decorated method, naming it, its cache and the option at fault. */
export class DecoratorErrors {
  constructor(
    readonly method: DecoratedMethod,
    readonly cache: string,
  ) {}

  /** An invalid option, found when the class is defined. */
  option(option: string, problem: string): CacheXConfigError {
    return new CacheXConfigError(
      MESSAGES.cachingDecoratorOption(this.method.where, option, problem),
      this.cache,
      option,
    );
  }

  /** A key or tag that a call's arguments cannot make. */
  call(argument: string, problem: string): InvalidArgumentError {
    return new InvalidArgumentError(
      MESSAGES.cachingKey(this.method.where, problem),
      this.cache,
      argument,
    );
  }
}

/**
 * The key of a call: from a template, a function of the arguments, or by default
 * `<Class>.<method>:<digest of the arguments>`.
 * @throws CacheXConfigError (from the factory) for a template or option of the wrong kind
 */
export function keyFromCall(
  source: CacheKeySource<never[]> | undefined,
  errors: DecoratorErrors,
  option = 'key',
): FromCall<string> {
  if (source === undefined) {
    const prefix = `${errors.method.owner}.${errors.method.method}:`;
    return (_self, args) => {
      const digest = digestArguments(args);
      if ('problem' in digest) throw errors.call('arguments', digest.problem);
      return prefix + digest.digest;
    };
  }
  if (typeof source === 'string') {
    const template = compileKeyTemplate(source);
    if ('problem' in template) throw errors.option(option, template.problem);
    return (_self, args) => {
      const key = template(args);
      if (typeof key !== 'string') throw errors.call(option, key.problem);
      return key;
    };
  }
  if (typeof source !== 'function')
    throw errors.option(
      option,
      `must be a template such as 'user:{0}' or a function of the arguments, got ${describe(source)}`,
    );
  const make = source as (...args: readonly unknown[]) => unknown;
  return (self, args) => {
    const key = make.apply(self, args as unknown[]);
    if (typeof key !== 'string' || key === '')
      throw errors.call(option, `\`${option}\` returned ${describe(key)}, not a non-empty string`);
    return key;
  };
}

/**
 * The one argument a call's key is made of, when there is one: the template's argument for a
 * template with one placeholder and no property path (`'user:{0}'`), or the first for the
 * default key (`alone`: only when it is the call's only argument, as the digest covers all).
 */
export function keyArgument(
  source: CacheKeySource<never[]> | undefined,
): { index: number; alone: boolean } | undefined {
  if (source === undefined) return { index: 0, alone: true };
  if (typeof source !== 'string') return undefined;
  const only = ONE_PLACEHOLDER.exec(source);
  return only === null ? undefined : { index: Number(only[1]), alone: false };
}

/** A template with one placeholder of a whole argument, such as `'user:{0}:data'`. */
const ONE_PLACEHOLDER = /^[^{}]*\{(\d+)\}[^{}]*$/;

/** The tags of a call: a fixed list or a function of the arguments. */
export function tagsFromCall(
  source: CacheTagsSource<never[]> | undefined,
  errors: DecoratorErrors,
): FromCall<readonly string[]> | undefined {
  if (source === undefined) return undefined;
  if (typeof source === 'function') {
    const make = source as (...args: readonly unknown[]) => unknown;
    return (self, args) => {
      const tags = make.apply(self, args as unknown[]);
      const problem = tagsProblem(tags);
      if (problem !== undefined)
        throw errors.call('tags', `\`tags\` returned a value that ${problem}`);
      return tags as readonly string[];
    };
  }
  const problem = tagsProblem(source);
  if (problem !== undefined) throw errors.option('tags', problem);
  // Frozen: the engine maps a frozen list to its counter keys once.
  const tags = Object.freeze([...source]);
  return () => tags;
}

/** Checks that an option is a function when given; returns it typed for calls. */
export function callbackOption(
  value: unknown,
  option: string,
  errors: DecoratorErrors,
): ((this: unknown, ...args: readonly unknown[]) => unknown) | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function')
    throw errors.option(option, `must be a function, got ${describe(value)}`);
  return value as (this: unknown, ...args: readonly unknown[]) => unknown;
}

/** Checks the `cache` option of a decorator. */
export function cacheNameOption(value: unknown, errors: DecoratorErrors): string {
  if (typeof value !== 'string' || value === '')
    throw errors.option('cache', `must be a cache name, got ${describe(value)}`);
  return value;
}
