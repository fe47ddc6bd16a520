import { HttpException, HttpStatus } from '@nestjs/common';
import type { RateLimitExceededError } from '../errors/rate-limit-exceeded.error.js';
import type { ResolvedLimit } from './rate-limit.config.js';
import type { RateLimitHeaders, RateLimitResult } from './rate-limit-options.interface.js';

/** Whole seconds, rounded up: a client that waits that long is never too early. */
export function toSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

/** `Retry-After` of a refusal: whole seconds, at least 1 (0 would invite an immediate retry). */
export function retryAfter(ms: number): [string, string] {
  return ['Retry-After', String(Math.max(1, toSeconds(ms)))];
}

/**
 * The 429 answer to a refused HTTP request: the one place its body is built, for the guard and
 * `RateLimitExceededFilter` alike. `Retry-After` goes with it ({@link retryAfter}).
 */
export function tooManyRequests(error: RateLimitExceededError): HttpException {
  const seconds = Math.max(1, toSeconds(error.retryAfterMs));
  return new HttpException(
    {
      statusCode: HttpStatus.TOO_MANY_REQUESTS,
      error: 'Too Many Requests',
      message: `Rate limit '${error.limitName}' exceeded; retry in ${seconds} s.`,
    },
    HttpStatus.TOO_MANY_REQUESTS,
    { cause: error },
  );
}

/** A structured-field string (RFC 8941): quoted, with `"` and `\` escaped. */
function sfString(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&')}"`;
}

/** What the headers of a set of limits always say: worked out once per handler. */
export interface HeaderParts {
  /** `RateLimit-Policy`. */
  readonly policy: string;
  /** Each limit's name as a structured-field string, for `RateLimit`. */
  readonly names: readonly string[];
}

export function headerParts(limits: readonly ResolvedLimit[]): HeaderParts {
  return {
    policy: limits
      .map((l) => `${sfString(l.name)};q=${l.limit};w=${toSeconds(l.windowMs)}`)
      .join(', '),
    names: limits.map((l) => sfString(l.name)),
  };
}

/**
 * The rate-limit headers of a response, for the limits that applied to it:
 * - IETF draft (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy: "name";q=100;w=60` (quota,
 *   window in seconds) and `RateLimit: "name";r=42;t=30` (remaining, seconds until reset), one list
 *   item per limit;
 * - legacy: `X-RateLimit-Limit`, `-Remaining`, `-Reset` (seconds until reset) of the most
 *   restrictive limit (the fewest remaining; the refusing one on a refusal);
 * - `Retry-After` (seconds) on a refusal, whatever `mode` says.
 */
export function rateLimitHeaders(
  parts: HeaderParts,
  results: readonly RateLimitResult[],
  mode: RateLimitHeaders,
): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  if (mode === 'ietf' || mode === 'both') {
    let state = '';
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      state += `${i > 0 ? ', ' : ''}${parts.names[i]!};r=${r.remaining};t=${toSeconds(r.resetMs)}`;
    }
    headers.push(['RateLimit-Policy', parts.policy], ['RateLimit', state]);
  }
  if (mode === 'legacy' || mode === 'both') {
    const tightest = results.reduce((a, b) =>
      a.allowed !== b.allowed
        ? a.allowed
          ? b
          : a
        : b.remaining < a.remaining || (b.remaining === a.remaining && b.resetMs > a.resetMs)
          ? b
          : a,
    );
    headers.push(
      ['X-RateLimit-Limit', String(tightest.limit)],
      ['X-RateLimit-Remaining', String(tightest.remaining)],
      ['X-RateLimit-Reset', String(toSeconds(tightest.resetMs))],
    );
  }
  const refused = results.filter((r) => !r.allowed);
  if (refused.length > 0) {
    const wait = Math.max(...refused.map((r) => r.retryAfterMs));
    headers.push(retryAfter(wait));
  }
  return headers;
}

/** Sets headers on an Express response or a Fastify reply; does nothing without one. */
export function setHeaders(response: unknown, headers: ReadonlyArray<[string, string]>): void {
  const res = response as
    | {
        header?: (name: string, value: string) => unknown;
        setHeader?: (name: string, value: string) => unknown;
      }
    | undefined;
  for (const [name, value] of headers) {
    if (typeof res?.header === 'function') res.header(name, value);
    else if (typeof res?.setHeader === 'function') res.setHeader(name, value);
  }
}
