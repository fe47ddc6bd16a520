import { describe, parseDuration } from '../utils/duration.js';
import type { CacheWrapOptions } from './cacheable-options.interface.js';

/** @internal Caching options after validation, durations in ms. */
export interface ResolvedCaching<T = unknown> {
  /** `undefined` = the cache's TTL. */
  ttl: number | null | undefined;
  unless: ((result: T) => boolean) | undefined;
  cacheNullish: boolean;
  lock: { wait: number; lease: number } | undefined;
  staleWhileRevalidate: number;
  staleIfError: number;
  /** How long after its TTL an entry stays on the server: the longer grace period. */
  keepStale: number;
  early: { beta: number } | { fraction: number } | undefined;
  timeout: number | undefined;
}

/** A problem with one option, which the caller turns into its typed error. */
export interface OptionProblem {
  option: string;
  problem: string;
}

const DEFAULT_LOCK_WAIT_MS = 5_000;
const DEFAULT_LOCK_LEASE_MS = 30_000;

const NO_EXTRA: ReadonlySet<string> = new Set();

const KNOWN: ReadonlySet<string> = new Set([
  'ttl',
  'tags',
  'unless',
  'cacheNullish',
  'lock',
  'staleWhileRevalidate',
  'staleIfError',
  'earlyRefresh',
  'timeout',
]);

/**
 * Validates the caching options shared by `cache.wrap()`, `@Cacheable` and `@CachePut` (`tags`
 * are checked by the caller, which may get them from a function). `extra` names the caller's own
 * options, accepted as known.
 */
export function resolveCaching<T>(
  options: CacheWrapOptions<T> | undefined,
  extra: ReadonlySet<string> = NO_EXTRA,
): ResolvedCaching<T> | OptionProblem {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null)
    return { option: 'options', problem: `must be an object, got ${describe(options)}` };
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name) && !extra.has(name))
      return {
        option: name,
        problem: `is not an option (known: ${[...KNOWN, ...extra].join(', ')})`,
      };
  }
  let ttl: number | null | undefined;
  if (options.ttl !== undefined && options.ttl !== null) {
    const ms = positive(options.ttl);
    if (typeof ms === 'string') return { option: 'ttl', problem: ms };
    ttl = ms;
  } else {
    ttl = options.ttl;
  }
  const swr = grace(options.staleWhileRevalidate);
  if (typeof swr === 'string') return { option: 'staleWhileRevalidate', problem: swr };
  const sie = grace(options.staleIfError);
  if (typeof sie === 'string') return { option: 'staleIfError', problem: sie };
  let timeout: number | undefined;
  if (options.timeout !== undefined) {
    const ms = positive(options.timeout);
    if (typeof ms === 'string') return { option: 'timeout', problem: ms };
    timeout = ms;
  }
  const early = resolveEarly(options.earlyRefresh);
  if (early !== undefined && 'problem' in early) return early;
  const lock = resolveLock(options.lock);
  if (lock !== undefined && 'problem' in lock) return lock;
  if (options.unless !== undefined && typeof options.unless !== 'function')
    return { option: 'unless', problem: `must be a function, got ${describe(options.unless)}` };
  const cacheNullish = options.cacheNullish ?? true;
  if (typeof cacheNullish !== 'boolean')
    return { option: 'cacheNullish', problem: `must be a boolean, got ${describe(cacheNullish)}` };
  return {
    ttl,
    unless: options.unless,
    cacheNullish,
    lock,
    staleWhileRevalidate: swr,
    staleIfError: sie,
    keepStale: Math.max(swr, sie),
    early,
    timeout,
  };
}

/**
 * Checks a list of tags (from an option or returned by a tags function).
 * @returns the problem, or `undefined` when every tag is a non-empty string
 */
export function tagsProblem(tags: unknown): string | undefined {
  if (!Array.isArray(tags)) return `must be a list of tags, got ${describe(tags)}`;
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag === '')
      return `must hold non-empty strings, got ${describe(tag)}`;
  }
  return undefined;
}

function positive(value: unknown): number | string {
  const ms = parseDuration(value);
  if (typeof ms === 'string') return ms;
  if (ms < 1) return `must be a whole number of milliseconds ≥ 1, got ${describe(value)}`;
  return ms;
}

function grace(value: unknown): number | string {
  if (value === undefined) return 0;
  return parseDuration(value);
}

function resolveEarly(
  value: CacheWrapOptions['earlyRefresh'],
): ResolvedCaching['early'] | OptionProblem {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { beta: 1 };
  if (typeof value === 'number') {
    if (!(value > 0 && value < 1))
      return {
        option: 'earlyRefresh',
        problem: `as a number is the fraction of the TTL after which reads refresh, between 0 and 1 exclusive; got ${value}`,
      };
    return { fraction: value };
  }
  if (typeof value === 'object' && value !== null) {
    const beta = (value as { beta?: unknown }).beta;
    if (typeof beta !== 'number' || !(beta > 0) || !Number.isFinite(beta))
      return {
        option: 'earlyRefresh.beta',
        problem: `must be a positive number, got ${describe(beta)}`,
      };
    return { beta };
  }
  return {
    option: 'earlyRefresh',
    problem: `must be true, a fraction between 0 and 1, or { beta }, got ${describe(value)}`,
  };
}

function resolveLock(value: CacheWrapOptions['lock']): ResolvedCaching['lock'] | OptionProblem {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { wait: DEFAULT_LOCK_WAIT_MS, lease: DEFAULT_LOCK_LEASE_MS };
  if (typeof value !== 'object' || value === null)
    return {
      option: 'lock',
      problem: `must be a boolean or { wait, lease }, got ${describe(value)}`,
    };
  const wait = parseDuration(value.wait ?? DEFAULT_LOCK_WAIT_MS);
  if (typeof wait === 'string') return { option: 'lock.wait', problem: wait };
  const lease = positive(value.lease ?? DEFAULT_LOCK_LEASE_MS);
  if (typeof lease === 'string') return { option: 'lock.lease', problem: lease };
  return { wait, lease };
}
