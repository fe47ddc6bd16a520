import { createHash } from 'node:crypto';

/**
 * How a stored body is sent back: `j` a JSON value stored serialized (sent as that string with
 * a JSON content type, so a hit does not serialize it again), `s` a string, `v` another value
 * sent as it is (a number, a boolean, a Buffer), `n` no body.
 */
type BodyKind = 'j' | 's' | 'v' | 'n';

/**
 * A stored response, the value of a method-caching envelope (see `method-cache.ts`):
 * `[kind, body, etag, headers]`, `headers` a flat list of names and values that the handler
 * set (replayed on hits). The status is not stored: Nest answers every non-error response with
 * the route's status (`@HttpCode`, or 200), on a hit as on a miss.
 */
export type StoredResponse = [
  kind: BodyKind,
  body: unknown,
  etag: string,
  headers: Array<string | string[]>,
];

/** A handler's result that must not be stored (streamed, set a cookie, private, not 2xx). */
export class Unstorable {
  constructor(readonly body: unknown) {}
}

/** Whether a computed result is stored: the `unless` of response caching. */
export const isUnstorable = (result: unknown): boolean => result instanceof Unstorable;

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Response headers never replayed: per connection (RFC 9110 §7.6.1), per response (length,
 * date, cookies), or set by the interceptor itself on every answer.
 */
const NOT_REPLAYED: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'date',
  'set-cookie',
  'etag',
  'vary',
  'x-cache',
]);

/** Response headers as both adapters give them (`res.getHeaders()`, `reply.getHeaders()`). */
export type HeaderMap = Record<string, string | number | readonly string[] | undefined>;

/**
 * The entry of a handler's result, with the headers it set (those in `after` that were not in
 * `before` with the same value) and a strong ETag of its body, computed once here.
 */
export function storedResponse(body: unknown, before: HeaderMap, after: HeaderMap): StoredResponse {
  const headers: Array<string | string[]> = [];
  for (const name of Object.keys(after)) {
    const value = after[name];
    if (value === undefined || NOT_REPLAYED.has(name) || before[name] === value) continue;
    headers.push(name, Array.isArray(value) ? [...(value as string[])] : String(value));
  }
  if (body === undefined || body === null) return ['n', null, etagOf(''), headers];
  if (typeof body === 'string') return ['s', body, etagOf(body), headers];
  if (typeof body === 'object' && !Buffer.isBuffer(body)) {
    const json = JSON.stringify(body);
    if (after['content-type'] === undefined) headers.push('content-type', JSON_TYPE);
    return ['j', json, etagOf(json), headers];
  }
  return ['v', body, etagOf(Buffer.isBuffer(body) ? body : JSON.stringify(body)), headers];
}

/** The value handed back to Nest for a stored response, which sends it as on a miss. */
export function bodyOf(stored: StoredResponse): unknown {
  return stored[0] === 'n' ? undefined : stored[1];
}

/** A strong ETag: a digest of the body's bytes. */
function etagOf(body: string | Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/**
 * Whether an `If-None-Match` header matches `etag`, by the weak comparison that RFC 9110
 * §13.1.2 prescribes for it (a `W/` prefix is ignored).
 */
export function ifNoneMatch(header: string, etag: string): boolean {
  if (header === etag) return true;
  for (const candidate of header.split(',')) {
    const tag = candidate.trim();
    if (tag === '*' || tag === etag || (tag.startsWith('W/') && tag.slice(2) === etag)) return true;
  }
  return false;
}
