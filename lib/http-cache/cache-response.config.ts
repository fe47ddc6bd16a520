import type { ExecutionContext } from '@nestjs/common';
import {
  HTTP_CODE_METADATA,
  REDIRECT_METADATA,
  RENDER_METADATA,
  RESPONSE_PASSTHROUGH_METADATA,
  ROUTE_ARGS_METADATA,
  SSE_METADATA,
} from '@nestjs/common/constants.js';
import { DEFAULT_CACHE } from '../cachex.constants.js';
import { MESSAGES } from '../cachex.messages.js';
import {
  resolveCaching,
  tagsProblem,
  type ResolvedCaching,
} from '../cacheable/cacheable.config.js';
import { CacheXConfigError } from '../errors/config.error.js';
import type { CacheRegistry } from '../registry/cache.registry.js';
import { describe } from '../utils/duration.js';
import { isUnstorable, type StoredResponse, type Unstorable } from './cached-response.js';
import type {
  CacheResponseOptions,
  HttpCacheModuleOptions,
} from './cache-response-options.interface.js';
import { CACHE_RESPONSE_METADATA, NO_CACHE_RESPONSE_METADATA } from './http-cache.constants.js';

/** @internal The options of one cached route after validation. */
export interface ResponseCaching {
  cache: string;
  /** Lower-cased request header names. */
  vary: readonly string[];
  /** The `Vary` response header, or `undefined` without `vary`. */
  varyHeader: string | undefined;
  key: string | ((context: ExecutionContext) => unknown) | undefined;
  tags: readonly string[] | ((context: ExecutionContext) => unknown) | undefined;
  allowAuthorization: boolean;
  maxAge: boolean;
  caching: ResolvedCaching<StoredResponse | Unstorable>;
}

/** @internal The `httpCache` module option after validation, with the routes resolved so far. */
export interface HttpCacheSettings {
  defaults: CacheResponseOptions;
  global: boolean;
  /** Each route's caching by handler and controller class, resolved at its first request. */
  routes: WeakMap<object, Map<object, ResponseCaching | null>>;
}

const CACHING_OPTIONS = [
  'ttl',
  'staleWhileRevalidate',
  'staleIfError',
  'earlyRefresh',
  'lock',
  'timeout',
] as const;
const SHARED_OPTIONS = [...CACHING_OPTIONS, 'cache', 'vary', 'allowAuthorization', 'maxAge'];
/** The options `@CacheResponse` takes. */
const ROUTE_OPTIONS: ReadonlySet<string> = new Set([...SHARED_OPTIONS, 'key', 'tags']);
const MODULE_OPTIONS: ReadonlySet<string> = new Set([...SHARED_OPTIONS, 'global']);
const MODULE_WHERE = 'CacheXModule option `httpCache`';

/** Nest's route parameter types whose handler sends the response itself (`@Res()`, `@Next()`). */
const RESPONSE_PARAM = 1;
const NEXT_PARAM = 2;

/**
 * Validates response-caching options.
 * @param where - who gives them, for messages (`'@CacheResponse on ProductsController.list'`)
 * @throws CacheXConfigError naming the option at fault
 */
export function resolveResponseOptions(
  options: unknown,
  where: string,
  known: ReadonlySet<string> = ROUTE_OPTIONS,
): ResponseCaching {
  const cacheName = (options as { cache?: unknown } | undefined)?.cache ?? DEFAULT_CACHE;
  const fail = (option: string, problem: string) =>
    new CacheXConfigError(
      MESSAGES.cachingDecoratorOption(where, option, problem),
      typeof cacheName === 'string' ? cacheName : undefined,
      option,
    );
  if (typeof options !== 'object' || options === null)
    throw fail('options', `must be an object, got ${describe(options)}`);
  const given = options as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!known.has(name)) throw fail(name, `is not an option (known: ${[...known].join(', ')})`);
  }
  const subset: Record<string, unknown> = {};
  for (const name of CACHING_OPTIONS) if (given[name] !== undefined) subset[name] = given[name];
  const resolved = resolveCaching(subset);
  if ('problem' in resolved) throw fail(resolved.option, resolved.problem);
  if (typeof cacheName !== 'string' || cacheName === '')
    throw fail('cache', `must be a cache name, got ${describe(cacheName)}`);
  const vary = given.vary ?? [];
  if (
    !Array.isArray(vary) ||
    vary.some((name) => typeof name !== 'string' || !/^[\w-]+$/.test(name))
  )
    throw fail('vary', `must be a list of request header names, got ${describe(vary)}`);
  const { key, tags } = given;
  if (key !== undefined && typeof key !== 'function' && (typeof key !== 'string' || key === ''))
    throw fail(
      'key',
      `must be a non-empty string or a function of the context, got ${describe(key)}`,
    );
  if (tags !== undefined && typeof tags !== 'function') {
    const problem = tagsProblem(tags);
    if (problem !== undefined) throw fail('tags', problem);
  }
  for (const flag of ['allowAuthorization', 'maxAge']) {
    if (given[flag] !== undefined && typeof given[flag] !== 'boolean')
      throw fail(flag, `must be a boolean, got ${describe(given[flag])}`);
  }
  const names = (vary as string[]).map((name) => name.toLowerCase());
  return {
    cache: cacheName,
    vary: names,
    varyHeader: names.length > 0 ? names.join(', ') : undefined,
    key: key as ResponseCaching['key'],
    tags:
      typeof tags === 'function' || tags === undefined
        ? (tags as ResponseCaching['tags'])
        : [...(tags as string[])],
    allowAuthorization: given.allowAuthorization === true,
    maxAge: given.maxAge === true,
    caching: { ...resolved, unless: isUnstorable, cacheNullish: true },
  };
}

/**
 * Validates the `httpCache` module option, at start-up.
 * @throws CacheXConfigError naming the option at fault
 */
export function resolveHttpCacheSettings(
  options: HttpCacheModuleOptions | undefined,
): HttpCacheSettings {
  const { global, ...defaults } = options ?? {};
  resolveResponseOptions(options ?? {}, MODULE_WHERE, MODULE_OPTIONS);
  return { defaults, global: global === true, routes: new WeakMap() };
}

/** A route handler and its controller class, as `ExecutionContext` gives them. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Route = Function;
type Controller = abstract new (...args: never[]) => unknown;

const settingsByRegistry = new WeakMap<CacheRegistry, HttpCacheSettings>();
const NO_SETTINGS: HttpCacheSettings = { defaults: {}, global: false, routes: new WeakMap() };

/** @internal Makes `settings` those of the application whose registry this is. */
export function registerHttpCache(registry: CacheRegistry, settings: HttpCacheSettings): void {
  settingsByRegistry.set(registry, settings);
}

/** @internal The `httpCache` settings of the application whose registry this is. */
export function httpCacheSettingsOf(registry: CacheRegistry): HttpCacheSettings {
  return settingsByRegistry.get(registry) ?? NO_SETTINGS;
}

/**
 * How a route is cached, or `null` when it is not: resolved at its first request from the
 * route's and its controller's `@CacheResponse` / `@NoCacheResponse` and the module defaults,
 * then kept.
 */
export function routeCaching(
  settings: HttpCacheSettings,
  handler: Route,
  controller: Controller,
): ResponseCaching | null {
  let byController = settings.routes.get(handler);
  if (byController === undefined) {
    byController = new Map();
    settings.routes.set(handler, byController);
  }
  let found = byController.get(controller);
  if (found === undefined) {
    found = resolveRoute(settings, handler, controller);
    byController.set(controller, found);
  }
  return found;
}

function resolveRoute(
  settings: HttpCacheSettings,
  handler: Route,
  controller: Controller,
): ResponseCaching | null {
  if (Reflect.getMetadata(NO_CACHE_RESPONSE_METADATA, handler) === true) return null;
  const own = Reflect.getMetadata(CACHE_RESPONSE_METADATA, handler) as
    CacheResponseOptions | undefined;
  // `@NoCacheResponse()` on a controller drops what it would inherit; a route's own option stays.
  const optedOut = Reflect.getMetadata(NO_CACHE_RESPONSE_METADATA, controller) === true;
  const inherited = optedOut
    ? undefined
    : (Reflect.getMetadata(CACHE_RESPONSE_METADATA, controller) as
        CacheResponseOptions | undefined);
  if (own === undefined && inherited === undefined && (optedOut || !settings.global)) return null;
  if (!sendsItsOwnResult(handler, controller)) return null;
  return resolveResponseOptions(
    { ...settings.defaults, ...inherited, ...own },
    `@CacheResponse on ${controller.name}.${handler.name}`,
  );
}

/**
 * Whether Nest sends the handler's result with a 2xx status: not for redirects, views, server-
 * sent events, a non-2xx `@HttpCode`, or a handler that takes `@Res()` / `@Next()` without
 * `passthrough` (it sends the response itself).
 */
function sendsItsOwnResult(handler: Route, controller: Controller): boolean {
  for (const key of [REDIRECT_METADATA, RENDER_METADATA, SSE_METADATA])
    if (Reflect.getMetadata(key, handler) !== undefined) return false;
  const code = Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined;
  if (code !== undefined && (code < 200 || code > 299)) return false;
  if (Reflect.getMetadata(RESPONSE_PASSTHROUGH_METADATA, controller, handler.name) === true)
    return true;
  const params = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ??
    {}) as Record<string, unknown>;
  for (const param of Object.keys(params)) {
    const type = Number(param.split(':')[0]);
    if (type === RESPONSE_PARAM || type === NEXT_PARAM) return false;
  }
  return true;
}
