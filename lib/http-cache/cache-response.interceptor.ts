import {
  Inject,
  Injectable,
  Optional,
  StreamableFile,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { lastValueFrom, of, type Observable } from 'rxjs';
import { MESSAGES } from '../cachex.messages.js';
import type { CacheLookupStatus } from '../cacheable/cacheable-options.interface.js';
import { tagsProblem } from '../cacheable/cacheable.config.js';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { CacheRegistry } from '../registry/cache.registry.js';
import { registryHost } from '../registry/registry.host.js';
import { describe } from '../utils/duration.js';
import {
  bodyOf,
  ifNoneMatch,
  storedResponse,
  Unstorable,
  type HeaderMap,
  type StoredResponse,
} from './cached-response.js';
import {
  httpCacheSettingsOf,
  routeCaching,
  type ResponseCaching,
} from './cache-response.config.js';

/** What the interceptor reads of a request, on Express and Fastify alike. */
interface HttpRequest {
  method: string;
  url: string;
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** What it uses of a response: Express' `res` (Node's) or Fastify's `reply`. */
interface HttpResponse {
  statusCode: number;
  getHeaders(): HeaderMap;
  getHeader(name: string): unknown;
  /** Express (Node's `ServerResponse`). */
  setHeader?(name: string, value: string | readonly string[]): unknown;
  /** Fastify. */
  header(name: string, value: string | readonly string[]): unknown;
}

/**
 * Contexts already handled: Nest runs every interceptor of a call (global, controller, route)
 * with one context, and this one may be among them more than once (`@CacheResponse` on the
 * controller and on the route, and the global one of `httpCache.global`); the outermost run
 * does the work.
 */
const claimed = new WeakSet<ExecutionContext>();
const NO_TAGS: readonly string[] = [];
const WHERE = '@CacheResponse';
const X_CACHE: Record<CacheLookupStatus, string> = { hit: 'HIT', miss: 'MISS', stale: 'STALE' };

/**
 * Caches the responses of GET routes (HEAD requests are served from GET's entries) in a named
 * cache: `@CacheResponse` applies it by itself; `CacheXModule`'s `httpCache: { global: true }`
 * registers it app-wide, and it may be registered as `APP_INTERCEPTOR` by hand.
 *
 * An entry is keyed by the request path, its query string sorted by parameter name and the
 * values of the `vary` headers. Answers carry `X-Cache: HIT | MISS | STALE` and a strong
 * `ETag`; a matching `If-None-Match` is answered `304 Not Modified`. Requests with an
 * `Authorization` header (unless allowed), error responses, responses that set a cookie or say
 * `Cache-Control: private` / `no-store`, and streamed responses are never stored. Concurrent
 * requests for one entry share one run of the handler. When the cache server cannot be
 * reached, the handler answers (fail open).
 *
 * @example
 * ```ts
 * @Module({ providers: [{ provide: APP_INTERCEPTOR, useClass: CacheResponseInterceptor }] })
 * ```
 */
@Injectable()
export class CacheResponseInterceptor implements NestInterceptor {
  /**
   * @param registry - the application's caches, injected; without it (an interceptor created
   *   with `new`, or outside the module's scope), those of the application initialised last
   */
  constructor(@Optional() @Inject(CacheRegistry) private readonly registry?: CacheRegistry) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http' || claimed.has(context)) return next.handle();
    claimed.add(context);
    const registry = this.registry ?? registryHost.get(WHERE);
    const route = routeCaching(
      httpCacheSettingsOf(registry),
      context.getHandler(),
      context.getClass(),
    );
    if (route === null) return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const { method, headers } = request;
    if (method !== 'GET' && method !== 'HEAD') return next.handle();
    if (headers.authorization !== undefined && !route.allowAuthorization) return next.handle();
    const response = http.getResponse<HttpResponse>();
    const cache = registry.get(route.cache);
    let ran = false;
    const lookup = await cache.methodCache.lookup(
      keyOf(route, context, request),
      tagsOf(route, context),
      () => {
        ran = true;
        return capture(next, response);
      },
      route.caching,
    );
    const stored = lookup.value;
    // Not shareable: another request's result (a stream, a cookie) is not this one's answer.
    if (stored instanceof Unstorable) return ran ? of(stored.body) : next.handle();
    answerHeaders(response, stored, route, lookup.status, lookup.freshUntil);
    const condition = headers['if-none-match'];
    if (typeof condition === 'string' && ifNoneMatch(condition, stored[2]))
      return of(new Response(null, { status: 304 }));
    return of(bodyOf(stored));
  }
}

/** Runs the handler (and the interceptors inside this one) and makes its result an entry. */
async function capture(
  next: CallHandler,
  response: HttpResponse,
): Promise<StoredResponse | Unstorable> {
  const before = response.getHeaders();
  const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
  const after = response.getHeaders();
  if (!storable(response.statusCode, after, body)) return new Unstorable(body);
  return storedResponse(body, before, after);
}

function storable(status: number, headers: HeaderMap, body: unknown): boolean {
  if (status < 200 || status > 299 || headers['set-cookie'] !== undefined) return false;
  const control = headers['cache-control'];
  if (control !== undefined && /\b(?:private|no-store)\b/i.test(String(control))) return false;
  if (typeof body !== 'object' || body === null) return true;
  // Streams are sent as they are read: there is no body to store.
  return !(
    body instanceof StreamableFile ||
    typeof (body as { pipe?: unknown }).pipe === 'function' ||
    typeof (body as { getReader?: unknown }).getReader === 'function' ||
    Object.prototype.toString.call(body) === '[object Response]' ||
    Symbol.asyncIterator in body
  );
}

/** Replays the handler's headers, then sets the cache's own. */
function answerHeaders(
  response: HttpResponse,
  stored: StoredResponse,
  route: ResponseCaching,
  status: CacheLookupStatus,
  freshUntil: number | null,
): void {
  const set =
    response.setHeader === undefined
      ? (name: string, value: string | readonly string[]) => response.header(name, value)
      : (name: string, value: string | readonly string[]) => response.setHeader!(name, value);
  const headers = stored[3];
  for (let i = 0; i + 1 < headers.length; i += 2) set(headers[i] as string, headers[i + 1]!);
  set('x-cache', X_CACHE[status]);
  set('etag', stored[2]);
  if (route.varyHeader !== undefined) {
    const own = response.getHeader('vary');
    set('vary', own === undefined ? route.varyHeader : `${String(own)}, ${route.varyHeader}`);
  }
  if (route.maxAge && freshUntil !== null) {
    const seconds =
      status === 'stale' ? 0 : Math.max(0, Math.floor((freshUntil - Date.now()) / 1000));
    set('cache-control', `max-age=${seconds}`);
  }
}

/** `http:` + the key (by default `GET:<path>?<query sorted by name>`) + the `vary` values. */
function keyOf(route: ResponseCaching, context: ExecutionContext, request: HttpRequest): string {
  let key: string;
  if (route.key === undefined) key = `GET:${sortedUrl(request.originalUrl ?? request.url)}`;
  else if (typeof route.key === 'string') key = route.key;
  else {
    const made = route.key(context);
    if (typeof made !== 'string' || made === '')
      throw new InvalidArgumentError(
        MESSAGES.cachingKey(
          keyWhere(context),
          `\`key\` returned ${describe(made)}, not a non-empty string`,
        ),
        route.cache,
        'key',
      );
    key = made;
  }
  key = `http:${key}`;
  for (const name of route.vary) {
    const value = request.headers[name];
    key += value === undefined ? `|${name}` : `|${name}=${String(value)}`;
  }
  return key;
}

function tagsOf(route: ResponseCaching, context: ExecutionContext): readonly string[] {
  if (route.tags === undefined) return NO_TAGS;
  if (typeof route.tags !== 'function') return route.tags;
  const tags = route.tags(context);
  const problem = tagsProblem(tags);
  if (problem !== undefined)
    throw new InvalidArgumentError(
      MESSAGES.cachingKey(keyWhere(context), `\`tags\` returned a value that ${problem}`),
      route.cache,
      'tags',
    );
  return tags as readonly string[];
}

function keyWhere(context: ExecutionContext): string {
  return `@CacheResponse on ${context.getClass().name}.${context.getHandler().name}`;
}

/**
 * The URL with its query parameters sorted by name, so that their order does not split
 * entries. The sort is stable: repeated parameters keep their order, which the handler sees.
 */
function sortedUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0 || url.indexOf('&', mark) < 0) return url;
  const params = url
    .slice(mark + 1)
    .split('&')
    .filter((param) => param !== '');
  params.sort((a, b) => {
    const x = nameOf(a);
    const y = nameOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return `${url.slice(0, mark)}?${params.join('&')}`;
}

function nameOf(param: string): string {
  const equals = param.indexOf('=');
  return equals < 0 ? param : param.slice(0, equals);
}
