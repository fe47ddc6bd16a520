import { createHmac, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { CookieSettings } from './session.config.js';

/** 24 random bytes: 192 bits, above OWASP's 128, as 32 base64url characters. */
const ID_BYTES = 24;
const ID = /^[A-Za-z0-9_-]{32}$/;
/** An HMAC-SHA256 in base64url: 43 characters. */
const SIGNATURE_LENGTH = 43;

/** A new session id from `crypto.randomBytes`. @internal */
export function newSessionId(): string {
  return randomBytes(ID_BYTES).toString('base64url');
}

/** The cookie value of a session id: `<id>.<HMAC-SHA256(id) in base64url>`, signed with `key`. @internal */
export function signSessionId(id: string, key: KeyObject): string {
  return `${id}.${createHmac('sha256', key).update(id).digest('base64url')}`;
}

/**
 * The session id a cookie value carries, if one of the keys signed it; `undefined` for anything
 * else (unsigned, tampered, truncated, signed with an unknown secret). Signatures are compared
 * in constant time.
 * @internal
 */
export function verifySessionCookie(value: string, keys: readonly KeyObject[]): string | undefined {
  const dot = value.length - SIGNATURE_LENGTH - 1;
  if (dot < 1 || value.charCodeAt(dot) !== 46 /* . */) return undefined;
  const id = value.slice(0, dot);
  if (!ID.test(id)) return undefined;
  const signature = value.slice(dot + 1);
  const given = Buffer.from(signature, 'base64url');
  // base64url decoding skips invalid characters: re-encoding tells a canonical signature.
  if (given.length !== 32 || given.toString('base64url') !== signature) return undefined;
  for (const key of keys) {
    if (timingSafeEqual(given, createHmac('sha256', key).update(id).digest())) return id;
  }
  return undefined;
}

/**
 * The values of the cookies named `name` in a `Cookie` header, in order (a browser sends several
 * when cookies of one name have different paths or domains). Surrounding quotes are removed.
 * @internal
 */
export function cookieValues(header: string | undefined, name: string): string[] {
  const values: string[] = [];
  if (!header) return values;
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end && header.slice(start, eq).trim() === name) {
      let value = header.slice(eq + 1, end).trim();
      if (value.length > 1 && value.startsWith('"') && value.endsWith('"'))
        value = value.slice(1, -1);
      values.push(value);
    }
    start = end + 1;
  }
  return values;
}

/**
 * A `Set-Cookie` header value for the session cookie.
 * @param value - the signed id, or `undefined` to clear the cookie
 * @param maxAgeMs - `null` for a browser-session cookie
 * @param secure - whether to add `Secure`
 * @internal
 */
export function serializeCookie(
  cookie: CookieSettings,
  value: string | undefined,
  maxAgeMs: number | null,
  secure: boolean,
): string {
  let header = `${cookie.name}=${value ?? ''}; Path=${cookie.path}`;
  if (cookie.domain) header += `; Domain=${cookie.domain}`;
  if (value === undefined) {
    header += '; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0';
  } else if (maxAgeMs !== null) {
    const seconds = Math.floor(maxAgeMs / 1000);
    header += `; Expires=${new Date(Date.now() + seconds * 1000).toUTCString()}; Max-Age=${seconds}`;
  }
  if (cookie.httpOnly) header += '; HttpOnly';
  if (secure) header += '; Secure';
  return `${header}; SameSite=${cookie.sameSite}`;
}
