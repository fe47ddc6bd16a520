import { createSecretKey } from 'node:crypto';
import { resolveSessionSettings } from '../../../lib/session/session.config.js';
import { CacheRegistry } from '../../../lib/registry/cache.registry.js';
import { SessionStorage } from '../../../lib/session/session-storage.js';
import {
  cookieValues,
  newSessionId,
  serializeCookie,
  signSessionId,
  verifySessionCookie,
} from '../../../lib/session/session-cookie.js';

const key = (secret: string) => createSecretKey(Buffer.from(secret));
const [A, B] = [key('a'.repeat(32)), key('b'.repeat(32))];

describe('session cookies', () => {
  it('makes ids of 192 random bits, in base64url', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newSessionId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('signs an id with HMAC-SHA256 and verifies it with any key of the list', () => {
    const id = newSessionId();
    const signed = signSessionId(id, A);
    expect(signed).toMatch(new RegExp(`^${id}\\.[A-Za-z0-9_-]{43}$`));
    expect(verifySessionCookie(signed, [A])).toBe(id);
    expect(verifySessionCookie(signed, [B, A])).toBe(id);
    expect(verifySessionCookie(signed, [B])).toBeUndefined();
  });

  it('refuses tampered, truncated, extended and unsigned values', () => {
    const id = newSessionId();
    const signed = signSessionId(id, A);
    const otherId = newSessionId();
    for (const value of [
      signed.slice(0, -1),
      `${signed}A`,
      `${otherId}${signed.slice(id.length)}`,
      `${id.slice(0, -1)}x${signed.slice(id.length)}`,
      id,
      `${id}.`,
      `.${signed.split('.')[1]}`,
      '',
      signed.replace('.', '-'),
    ])
      expect(verifySessionCookie(value, [A, B])).toBeUndefined();
  });

  it('reads every cookie of a name from a Cookie header, unquoted', () => {
    expect(cookieValues('a=1; sid=x; b=2; sid="y"', 'sid')).toEqual(['x', 'y']);
    expect(cookieValues('sidx=1;xsid=2; sid = z ', 'sid')).toEqual(['z']);
    expect(cookieValues('sid=', 'sid')).toEqual(['']);
    expect(cookieValues(undefined, 'sid')).toEqual([]);
    expect(cookieValues('garbage', 'sid')).toEqual([]);
  });

  it('serializes the cookie with its attributes, and a clearing cookie', () => {
    const { cookie } = resolveSessionSettings({
      secret: 'a'.repeat(32),
      cookie: { domain: 'example.com', path: '/app' },
    });
    expect(serializeCookie(cookie, 'v', 90_500, true)).toMatch(
      /^cachex\.sid=v; Path=\/app; Domain=example\.com; Expires=\w{3}, \d\d \w{3} \d{4} [\d:]{8} GMT; Max-Age=90; HttpOnly; Secure; SameSite=Lax$/,
    );
    expect(serializeCookie(cookie, 'v', null, false)).toBe(
      'cachex.sid=v; Path=/app; Domain=example.com; HttpOnly; SameSite=Lax',
    );
    expect(serializeCookie(cookie, undefined, 90_000, false)).toBe(
      'cachex.sid=; Path=/app; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; SameSite=Lax',
    );
  });
});

describe('SessionStorage.verify (the memo of verified cookie values)', () => {
  const SECRET = 'a-test-secret-of-at-least-32-characters';

  async function storage(secret: string | string[] = SECRET) {
    const registry = await CacheRegistry.create({
      default: { location: 'memory://', keyPrefix: 'verify-memo', ttl: '1h' },
    });
    return new SessionStorage(resolveSessionSettings({ secret }), registry);
  }

  it('answers the id of a signed value, again from the memo, and nothing for a tampered one', async () => {
    const sessions = await storage();
    const id = newSessionId();
    const value = signSessionId(id, sessions.settings.keys[0]!);
    expect(sessions.verify(value)).toBe(id);
    expect(sessions.verify(value)).toBe(id);
    const tampered = `${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`;
    expect(sessions.verify(tampered)).toBeUndefined();
    expect(sessions.verify(tampered)).toBeUndefined();
    expect(sessions.verify(`${id}.`)).toBeUndefined();
  });

  it('does not accept a value another secret signed, even once a valid one is known', async () => {
    const ours = await storage();
    const theirs = await storage('another-secret-of-at-least-32-characters!!');
    const id = newSessionId();
    expect(ours.verify(signSessionId(id, ours.settings.keys[0]!))).toBe(id);
    expect(ours.verify(signSessionId(id, theirs.settings.keys[0]!))).toBeUndefined();
  });

  it('stays bounded: after many sessions, every value still verifies', async () => {
    const sessions = await storage();
    const ids = Array.from({ length: 5000 }, () => newSessionId());
    const values = ids.map((id) => signSessionId(id, sessions.settings.keys[0]!));
    values.forEach((value, i) => expect(sessions.verify(value)).toBe(ids[i]));
    expect(
      (sessions as unknown as { verified: Map<string, string> }).verified.size,
    ).toBeLessThanOrEqual(4096);
    values.forEach((value, i) => expect(sessions.verify(value)).toBe(ids[i]));
  });
});
