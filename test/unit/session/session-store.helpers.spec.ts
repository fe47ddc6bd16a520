/**
 * What the express-session and @fastify/session stores write: the session with its cookie as
 * plain JSON, built from the libraries' own Cookie classes, so that the codec takes its plain
 * JSON path and the libraries read the cookie back.
 */
import { createRequire } from 'node:module';
import { JsonSerializer } from '../../../lib/codecs/json.serializer.js';
import { storeTtl, storedForm } from '../../../lib/session/session-store.helpers.js';

const require = createRequire(import.meta.url);
type CookieClass = new (...args: unknown[]) => object;
const ExpressCookie = require('express-session/session/cookie') as CookieClass;
const FastifyCookie = require('@fastify/session/lib/cookie') as CookieClass;

const DAY_MS = 86_400_000;

describe('storedForm', () => {
  it("writes express-session's Cookie as plain JSON, its expiry as ISO text", () => {
    const cookie = new ExpressCookie({ maxAge: DAY_MS, httpOnly: true });
    const session = { cookie, userId: 42 };
    const stored = storedForm(session) as { cookie: Record<string, unknown>; userId: number };
    expect(stored.userId).toBe(42);
    expect(stored.cookie.expires).toEqual(expect.any(String));
    expect(Date.parse(stored.cookie.expires as string)).toBeGreaterThan(Date.now());
    expect(stored.cookie.originalMaxAge).toBe(DAY_MS);
    // No extended-JSON header: the codec's plain path.
    expect(new JsonSerializer().serialize(stored)).toMatch(/^\{/);
    // The caller's session is not changed.
    expect(session.cookie).toBe(cookie);
  });

  it("writes @fastify/session's Cookie with both its dates as ISO text", () => {
    const expires = new Date(Date.now() + DAY_MS);
    // As @fastify/session rebuilds the cookie of a stored session: it has an originalExpires.
    const cookie = new FastifyCookie({ expires, path: '/' }, {});
    const stored = storedForm({ cookie }) as { cookie: Record<string, unknown> };
    expect(stored.cookie.originalExpires).toBe(expires.toISOString());
    expect(stored.cookie.expires).toBe(expires.toISOString());
    expect(new JsonSerializer().serialize(stored)).toMatch(/^\{/);
  });

  it('copies a plain cookie instead of changing it', () => {
    const expires = new Date(Date.now() + DAY_MS);
    const session = { cookie: { expires, originalMaxAge: DAY_MS } };
    const stored = storedForm(session);
    expect(stored.cookie!.expires).toBe(expires.toISOString());
    expect(session.cookie.expires).toBe(expires);
  });
});

describe('storeTtl', () => {
  it('lasts until the cookie expires, from a Date or its ISO text', () => {
    const expires = new Date(Date.now() + 60_000);
    for (const form of [expires, expires.toISOString()]) {
      const ttl = storeTtl({ cookie: { expires: form } }, undefined) as number;
      expect(ttl).toBeGreaterThan(58_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
  });

  it('is 0 for an expired cookie and the fallback without (or with an unreadable) expiry', () => {
    expect(storeTtl({ cookie: { expires: new Date(Date.now() - 1) } }, '1h')).toBe(0);
    expect(storeTtl({ cookie: {} }, '1h')).toBe('1h');
    expect(storeTtl({}, undefined)).toBeUndefined();
    expect(storeTtl({ cookie: { expires: 'not a date' } }, 5000)).toBe(5000);
  });
});
