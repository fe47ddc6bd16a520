import { DEFAULT_CACHE } from '../cachex.constants.js';
import { MESSAGES } from '../cachex.messages.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { describe, parseDuration } from '../utils/duration.js';
import { ALGORITHM_NAMES } from './rate-limit.algorithms.js';
import type {
  RateLimitAlgorithm,
  RateLimitBackendErrorMode,
  RateLimitDefinition,
  RateLimitHeaders,
  RateLimitModuleOptions,
  RateLimitOptions,
  RateLimitRule,
  RateLimitTracker,
} from './rate-limit-options.interface.js';

export const BACKEND_ERROR_MODES: readonly RateLimitBackendErrorMode[] = [
  'allow',
  'deny',
  'fallback',
  'throw',
];
const TRACKERS = ['ip', 'user', 'session'];
const HEADERS: readonly RateLimitHeaders[] = ['ietf', 'legacy', 'both', 'none'];
const DEFINITION_KEYS = [
  'limit',
  'window',
  'name',
  'algorithm',
  'by',
  'key',
  'cache',
  'onBackendError',
];
const MODULE_KEYS = ['default', 'headers', 'userPath', 'onBackendError'];
/** A limit's name goes into a structured-field string of the `RateLimit` headers. */
const NAME = /^[\x20-\x7e]{1,64}$/;

/** The default name of a limit. */
const DEFAULT_LIMIT_NAME = 'default';

/**
 * A limit declared with `@RateLimit` or as a module default, validated, durations in ms.
 * @internal
 */
export interface ResolvedLimit extends RateLimitRule {
  key: ((...args: unknown[]) => string) | undefined;
  onBackendError: RateLimitBackendErrorMode | undefined;
  /**
   * Where the limit was declared (`'Search.find'`, `'Search'`, `'*'` for module defaults): the
   * budget it counts, part of its keys.
   */
  scope: string;
  /** The start of the keys the limit counts: `<scope>|<name>|`, a tracker or key follows. */
  keyHead: string;
  /** What the limit asks of `RateLimiter`: one object for all calls, so it is checked once. */
  options: RateLimitOptions;
}

/** The module's rate-limit options, validated. @internal */
export interface RateLimitSettings {
  defaults: ResolvedLimit[];
  headers: RateLimitHeaders;
  userPath: readonly string[];
  onBackendError: RateLimitBackendErrorMode;
}

/** Settings of an application whose module has no `rateLimit` option. @internal */
export const DEFAULT_SETTINGS: RateLimitSettings = {
  defaults: [],
  headers: 'ietf',
  userPath: ['user', 'id'],
  onBackendError: 'allow',
};

/** Why a limit is not acceptable, or undefined. Shared by decorators and `RateLimiter`. */
export function limitProblem(limit: unknown): string | undefined {
  return Number.isSafeInteger(limit) && (limit as number) > 0
    ? undefined
    : `must be a positive integer, got ${describe(limit)}`;
}

/** A window in ms, or why it is not acceptable. */
export function parseWindow(window: unknown): number | string {
  const ms = parseDuration(window);
  if (typeof ms === 'string') return ms;
  return ms > 0 ? ms : MESSAGES.durationBelowOneMs(describe(window), 'a window of at least 1 ms');
}

/**
 * Validates a limit declared at `where` (for messages: `'@RateLimit on Search.find'`).
 * @param path - prefix of option names in errors (`'rateLimit.default[0].'` for module defaults)
 * @throws CacheXConfigError naming the option at fault
 */
export function resolveDefinition(
  definition: RateLimitDefinition<never[]> | unknown,
  where: string,
  scope: string,
  path = '',
): ResolvedLimit {
  const fail = (name: string, problem: string): never => {
    const option = path + name;
    throw new CacheXConfigError(
      MESSAGES.rateLimitOption(where, option, problem),
      undefined,
      option,
    );
  };
  if (typeof definition !== 'object' || definition === null)
    throw new CacheXConfigError(
      MESSAGES.rateLimitNotAnObject(
        path ? `${where}: option \`${path.slice(0, -1)}\`` : `${where}: the limit`,
        describe(definition),
      ),
      undefined,
      path ? path.slice(0, -1) : undefined,
    );
  const def = definition as Record<string, unknown>;
  for (const option of Object.keys(def)) {
    if (!DEFINITION_KEYS.includes(option)) {
      throw new CacheXConfigError(
        MESSAGES.rateLimitUnknownOption(where, path + option, DEFINITION_KEYS),
        undefined,
        path + option,
      );
    }
  }
  const limitError = limitProblem(def.limit);
  if (limitError) fail('limit', limitError);
  const windowMs = parseWindow(def.window);
  if (typeof windowMs === 'string') fail('window', windowMs);
  const name = def.name ?? DEFAULT_LIMIT_NAME;
  if (typeof name !== 'string' || !NAME.test(name))
    fail('name', `must be 1 to 64 printable ASCII characters, got ${describe(name)}`);
  const algorithm = def.algorithm ?? 'sliding-log';
  if (!ALGORITHM_NAMES.includes(algorithm as RateLimitAlgorithm))
    fail('algorithm', `must be one of ${ALGORITHM_NAMES.join(', ')}, got ${describe(algorithm)}`);
  if (def.by !== undefined && typeof def.by !== 'function' && !TRACKERS.includes(def.by as string))
    fail('by', `must be 'ip', 'user', 'session' or a function, got ${describe(def.by)}`);
  if (def.key !== undefined && typeof def.key !== 'function')
    fail('key', `must be a function of the method's arguments, got ${describe(def.key)}`);
  if (def.by !== undefined && def.key !== undefined)
    fail('key', 'cannot be combined with `by`: `by` is for routes, `key` for provider methods');
  const cache = def.cache ?? DEFAULT_CACHE;
  if (typeof cache !== 'string' || cache === '')
    fail('cache', `must be a cache name, got ${describe(cache)}`);
  const mode = def.onBackendError;
  if (mode !== undefined && !BACKEND_ERROR_MODES.includes(mode as RateLimitBackendErrorMode))
    fail(
      'onBackendError',
      `must be one of ${BACKEND_ERROR_MODES.join(', ')}, got ${describe(mode)}`,
    );
  return {
    name: name as string,
    limit: def.limit as number,
    windowMs: windowMs as number,
    algorithm: algorithm as RateLimitAlgorithm,
    by: def.by as RateLimitTracker | undefined,
    key: def.key as ResolvedLimit['key'],
    cache: cache as string,
    onBackendError: mode as RateLimitBackendErrorMode | undefined,
    scope,
    keyHead: `${scope}|${name as string}|`,
    options: Object.freeze({
      limit: def.limit as number,
      window: windowMs as number,
      algorithm: algorithm as RateLimitAlgorithm,
      cache: cache as string,
      onBackendError: mode as RateLimitBackendErrorMode | undefined,
    }),
  };
}

/**
 * Validates the module's `rateLimit` option, when `forRoot`/`forRootAsync` is called, so that a
 * mistake stops the application at start-up.
 * @throws CacheXConfigError naming the option at fault (`rateLimit.default[0].window`)
 */
export function resolveRateLimitSettings(
  options: RateLimitModuleOptions | undefined,
): RateLimitSettings {
  if (options === undefined) return DEFAULT_SETTINGS;
  const where = 'CacheXModule';
  const fail = (option: string, problem: string): never => {
    throw new CacheXConfigError(
      MESSAGES.rateLimitOption(where, `rateLimit.${option}`, problem),
      undefined,
      `rateLimit.${option}`,
    );
  };
  if (typeof options !== 'object' || options === null)
    throw new CacheXConfigError(
      MESSAGES.rateLimitNotAnObject(`${where}: option \`rateLimit\``, describe(options)),
      undefined,
      'rateLimit',
    );
  for (const option of Object.keys(options)) {
    if (!MODULE_KEYS.includes(option)) {
      throw new CacheXConfigError(
        MESSAGES.rateLimitUnknownOption(where, `rateLimit.${option}`, MODULE_KEYS),
        undefined,
        `rateLimit.${option}`,
      );
    }
  }
  const list = options.default === undefined ? [] : [options.default].flat();
  const names = new Set<string>();
  const defaults = list.map((definition, i) => {
    const path = Array.isArray(options.default) ? `rateLimit.default[${i}]` : 'rateLimit.default';
    const limit = resolveDefinition(definition, where, '*', `${path}.`);
    if (limit.key)
      fail(
        `${path.slice('rateLimit.'.length)}.key`,
        'is for provider methods; module defaults apply to routes, use `by`',
      );
    if (names.has(limit.name))
      throw new CacheXConfigError(
        MESSAGES.rateLimitDuplicate(`${where} rateLimit.default`, limit.name),
        undefined,
        `${path}.name`,
      );
    names.add(limit.name);
    return limit;
  });
  const headers = options.headers ?? 'ietf';
  if (!HEADERS.includes(headers))
    fail('headers', `must be one of ${HEADERS.join(', ')}, got ${describe(headers)}`);
  const userPath = options.userPath ?? 'user.id';
  if (typeof userPath !== 'string' || userPath === '' || userPath.split('.').includes(''))
    fail('userPath', `must be a dotted path such as 'user.id', got ${describe(userPath)}`);
  const onBackendError = options.onBackendError ?? 'allow';
  if (!BACKEND_ERROR_MODES.includes(onBackendError))
    fail(
      'onBackendError',
      `must be one of ${BACKEND_ERROR_MODES.join(', ')}, got ${describe(onBackendError)}`,
    );
  return { defaults, headers, userPath: userPath.split('.'), onBackendError };
}

/**
 * What `@RateLimit` keeps on a method it wraps, shared by reference with anyone who copies the
 * method's metadata, so that the guard and the wrapper see the same limits.
 * @internal
 */
export interface MethodLimits {
  limits: ResolvedLimit[];
  /**
   * Set by the guard the first time it runs for the method: the method is a handler (route,
   * gateway message, resolver), whose limits the guard enforces; the wrapper then stands aside.
   */
  handler: boolean;
  /** `'@RateLimit on Class.method'`, for messages. */
  where: string;
}
