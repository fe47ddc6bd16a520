import { HttpException, HttpStatus } from '@nestjs/common';
import type { RateLimitExceededError } from '../errors/rate-limit-exceeded.error.js';
import type { ResolvedLimit } from './rate-limit.config.js';
import type { RateLimitHeaders, RateLimitResult } from './rate-limit-options.interface.js';

/** Whole seconds, rounded up: a client that waits that long is never too early. */
export function toSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

/**
 * The 429 answer to a refused HTTP request: the one place its body is built, for the guard and
 * `RateLimitExceededFilter` alike. `Retry-After` goes with it ({@link setRetryAfter}).
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
  /** Whether the IETF draft's headers are sent. */
  readonly ietf: boolean;
  /** Whether the legacy `X-RateLimit-*` headers are sent. */
  readonly legacy: boolean;
  /** `RateLimit-Policy`. */
  readonly policy: string;
  /** Each limit's name as a structured-field string, for `RateLimit`. */
  readonly names: readonly string[];
}

export function headerParts(limits: readonly ResolvedLimit[], mode: RateLimitHeaders): HeaderParts {
  return {
    ietf: mode === 'ietf' || mode === 'both',
    legacy: mode === 'legacy' || mode === 'both',
    policy: limits
      .map((l) => `${sfString(l.name)};q=${l.limit};w=${toSeconds(l.windowMs)}`)
      .join(', '),
    names: limits.map((l) => sfString(l.name)),
  };
}

/**
 * Sets the rate-limit headers of a response, for the limits that applied to it (`results` in
 * the order of the limits `parts` was made for):
 * - IETF draft (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy: "name";q=100;w=60` (quota,
 *   window in seconds) and `RateLimit: "name";r=42;t=30` (remaining, seconds until reset), one list
 *   item per limit;
 * - legacy: `X-RateLimit-Limit`, `-Remaining`, `-Reset` (seconds until reset) of the most
 *   restrictive limit (the fewest remaining; the refusing one on a refusal);
 * - `Retry-After` (seconds) on a refusal, whatever the mode says.
 */
export function setRateLimitHeaders(
  response: unknown,
  parts: HeaderParts,
  results: readonly RateLimitResult[],
): void {
  const res = response as HeaderTarget | undefined;
  if (parts.ietf) {
    let state = '';
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      state += `${i > 0 ? ', ' : ''}${parts.names[i]!};r=${r.remaining};t=${toSeconds(r.resetMs)}`;
    }
    setHeader(res, 'RateLimit-Policy', parts.policy);
    setHeader(res, 'RateLimit', state);
  }
  if (parts.legacy) {
    let tightest = results[0]!;
    for (let i = 1; i < results.length; i++) {
      const b = results[i]!;
      const a = tightest;
      if (
        a.allowed !== b.allowed
          ? a.allowed
          : b.remaining < a.remaining || (b.remaining === a.remaining && b.resetMs > a.resetMs)
      )
        tightest = b;
    }
    setHeader(res, 'X-RateLimit-Limit', String(tightest.limit));
    setHeader(res, 'X-RateLimit-Remaining', String(tightest.remaining));
    setHeader(res, 'X-RateLimit-Reset', String(toSeconds(tightest.resetMs)));
  }
  let wait = -1;
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!;
    if (!r.allowed && r.retryAfterMs > wait) wait = r.retryAfterMs;
  }
  if (wait >= 0) setRetryAfter(res, wait);
}

/** Sets `Retry-After` (whole seconds, at least 1: 0 would invite an immediate retry). */
export function setRetryAfter(response: unknown, ms: number): void {
  setHeader(
    response as HeaderTarget | undefined,
    'Retry-After',
    String(Math.max(1, toSeconds(ms))),
  );
}

/** An Express response (a Node `ServerResponse`) or a Fastify reply. */
interface HeaderTarget {
  header?: (name: string, value: string) => unknown;
  setHeader?: (name: string, value: string) => unknown;
}

/**
 * Sets a header on an Express response (Node's own `setHeader`: Express' `header()` adds only
 * content-type handling on top) or a Fastify reply (`header()`); does nothing without one.
 */
function setHeader(res: HeaderTarget | undefined, name: string, value: string): void {
  if (typeof res?.setHeader === 'function') res.setHeader(name, value);
  else if (typeof res?.header === 'function') res.header(name, value);
}
