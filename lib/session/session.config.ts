import { createSecretKey, type KeyObject } from 'node:crypto';
import { DEFAULT_CACHE } from '../cachex.constants.js';
import { MESSAGES } from '../cachex.messages.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { describe, parseDuration } from '../utils/duration.js';
import type { SessionModuleOptions } from './session-options.interface.js';

/** OWASP: the secret must resist guessing; 32 characters of a random string are 190+ bits. */
const MIN_SECRET_LENGTH = 32;
/** RFC 6265 `token`: the characters a cookie name may have. */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What a cookie attribute value may not contain: controls, `;` and `,`. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
const ATTRIBUTE = /^[^\x00-\x1f\x7f;,]+$/;
const OPTION_KEYS = [
  'secret',
  'cache',
  'ttl',
  'rolling',
  'touchAfter',
  'saveUninitialized',
  'cookie',
];
const COOKIE_KEYS = ['name', 'path', 'domain', 'httpOnly', 'sameSite', 'secure', 'maxAge'];
const SAME_SITE = ['lax', 'strict', 'none'];

/** The session cookie's options, validated. @internal */
export interface CookieSettings {
  name: string;
  path: string;
  domain: string | undefined;
  httpOnly: boolean;
  sameSite: 'Lax' | 'Strict' | 'None';
  secure: boolean | 'auto';
  /** In ms; `null` = browser-session cookie; `undefined` = the session's TTL. */
  maxAgeMs: number | null | undefined;
}

/** The module's `session` option, validated; `ttlMs` is settled at start-up. @internal */
export interface SessionSettings {
  cache: string;
  /** The signing keys: the first signs, each verifies. */
  keys: readonly KeyObject[];
  /** In ms; `undefined` = the session cache's TTL. */
  ttlMs: number | undefined;
  rolling: boolean;
  touchAfter: number;
  saveUninitialized: boolean;
  cookie: CookieSettings;
}

/**
 * Validates the module's `session` option when `forRoot`/`forRootAsync` is called, so that a
 * mistake (a missing secret, above all) stops the application at start-up.
 * @throws CacheXConfigError naming the option at fault (`session.cookie.sameSite`)
 * @internal
 */
export function resolveSessionSettings(options: SessionModuleOptions): SessionSettings {
  const fail = (option: string, problem: string): never => {
    throw new CacheXConfigError(
      MESSAGES.sessionOption(option, problem),
      undefined,
      `session.${option}`,
    );
  };
  if (typeof options !== 'object' || options === null)
    throw new CacheXConfigError(
      MESSAGES.sessionNotAnObject(describe(options)),
      undefined,
      'session',
    );
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key))
      fail(key, `is not an option. Known options: ${OPTION_KEYS.join(', ')}`);
  }
  const secrets: unknown[] = Array.isArray(options.secret) ? options.secret : [options.secret];
  if (secrets.length === 0) fail('secret', 'must hold at least one secret');
  secrets.forEach((secret, i) => {
    const name = Array.isArray(options.secret) ? `secret[${i}]` : 'secret';
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH)
      fail(
        name,
        `must be a string of at least ${MIN_SECRET_LENGTH} characters (a random one, kept out of the source code), ` +
          `got ${typeof secret === 'string' ? `${secret.length} characters` : describe(secret)}`,
      );
  });
  const cache = options.cache ?? DEFAULT_CACHE;
  if (typeof cache !== 'string' || cache === '')
    fail('cache', `must be a cache name, got ${describe(cache)}`);
  let ttlMs: number | undefined;
  if (options.ttl !== undefined) {
    const ms = parseDuration(options.ttl);
    if (typeof ms === 'string') fail('ttl', ms);
    if (ms === 0) fail('ttl', 'must be positive');
    ttlMs = ms as number;
  }
  const flag = (name: string, value: unknown, fallback: boolean): boolean => {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') fail(name, `must be true or false, got ${describe(value)}`);
    return value as boolean;
  };
  const touchAfter = options.touchAfter ?? 0.1;
  if (typeof touchAfter !== 'number' || !(touchAfter >= 0 && touchAfter <= 1))
    fail('touchAfter', `must be a fraction of the ttl from 0 to 1, got ${describe(touchAfter)}`);
  return {
    cache: cache as string,
    keys: (secrets as string[]).map((secret) => createSecretKey(Buffer.from(secret, 'utf8'))),
    ttlMs,
    rolling: flag('rolling', options.rolling, false),
    touchAfter,
    saveUninitialized: flag('saveUninitialized', options.saveUninitialized, false),
    cookie: resolveCookie(options.cookie, fail, flag),
  };
}

function resolveCookie(
  options: SessionModuleOptions['cookie'],
  fail: (option: string, problem: string) => never,
  flag: (name: string, value: unknown, fallback: boolean) => boolean,
): CookieSettings {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null)
    fail('cookie', `must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!COOKIE_KEYS.includes(key))
      fail(`cookie.${key}`, `is not an option. Known options: ${COOKIE_KEYS.join(', ')}`);
  }
  const name = options.name ?? 'cachex.sid';
  if (typeof name !== 'string' || !COOKIE_NAME.test(name))
    fail(
      'cookie.name',
      `must be a cookie name (letters, digits, !#$%&'*+-.^_\`|~), got ${describe(name)}`,
    );
  const attribute = (option: string, value: unknown): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !ATTRIBUTE.test(value))
      fail(
        `cookie.${option}`,
        `must be a string without ';', ',' or control characters, got ${describe(value)}`,
      );
    return value as string;
  };
  const path = attribute('path', options.path) ?? '/';
  const domain = attribute('domain', options.domain);
  const sameSite = options.sameSite ?? 'lax';
  if (!SAME_SITE.includes(sameSite))
    fail('cookie.sameSite', `must be 'lax', 'strict' or 'none', got ${describe(sameSite)}`);
  const secure = options.secure ?? 'auto';
  if (secure !== 'auto' && typeof secure !== 'boolean')
    fail('cookie.secure', `must be true, false or 'auto', got ${describe(secure)}`);
  if (sameSite === 'none' && secure === false)
    fail('cookie.secure', "cannot be false with sameSite 'none': browsers refuse such cookies");
  let maxAgeMs: number | null | undefined;
  if (options.maxAge === null) maxAgeMs = null;
  else if (options.maxAge !== undefined) {
    const ms = parseDuration(options.maxAge);
    if (typeof ms === 'string') fail('cookie.maxAge', ms);
    maxAgeMs = ms as number;
  }
  return {
    name: name as string,
    path,
    domain,
    httpOnly: flag('cookie.httpOnly', options.httpOnly, true),
    sameSite: sameSite === 'lax' ? 'Lax' : sameSite === 'strict' ? 'Strict' : 'None',
    secure,
    maxAgeMs,
  };
}
