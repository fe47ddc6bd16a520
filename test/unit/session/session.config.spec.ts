import { CacheXConfigError, type SessionModuleOptions } from '../../../lib/index.js';
import { resolveSessionSettings } from '../../../lib/session/session.config.js';

const SECRET = 'a-test-secret-of-at-least-32-characters';

function problem(options: unknown): CacheXConfigError {
  try {
    resolveSessionSettings(options as SessionModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(CacheXConfigError);
    return error as CacheXConfigError;
  }
  throw new Error('no error');
}

describe('session options', () => {
  it('has secure defaults', () => {
    const settings = resolveSessionSettings({ secret: SECRET });
    expect(settings).toMatchObject({
      cache: 'default',
      ttlMs: undefined,
      rolling: false,
      touchAfter: 0.1,
      saveUninitialized: false,
      cookie: {
        name: 'cachex.sid',
        path: '/',
        domain: undefined,
        httpOnly: true,
        sameSite: 'Lax',
        secure: 'auto',
        maxAgeMs: undefined,
      },
    });
    expect(settings.keys).toHaveLength(1);
  });

  it('takes durations in ms or as strings, and a list of secrets', () => {
    const settings = resolveSessionSettings({
      secret: [SECRET, `${SECRET}-old`],
      ttl: '2h',
      cookie: { maxAge: 60_000, sameSite: 'none', secure: true },
    });
    expect(settings.ttlMs).toBe(7_200_000);
    expect(settings.cookie.maxAgeMs).toBe(60_000);
    expect(settings.cookie.sameSite).toBe('None');
    expect(settings.keys).toHaveLength(2);
    expect(
      resolveSessionSettings({ secret: SECRET, cookie: { maxAge: null } }).cookie.maxAgeMs,
    ).toBeNull();
  });

  it.each([
    [undefined, 'session', /must be an object/],
    [{}, 'session.secret', /at least 32 characters.*got undefined/],
    [{ secret: 'short' }, 'session.secret', /at least 32 characters.*got 5 characters/],
    [{ secret: [] }, 'session.secret', /at least one secret/],
    [{ secret: [SECRET, 'short'] }, 'session.secret[1]', /at least 32/],
    [{ secret: SECRET, ttl: 'soon' }, 'session.ttl', /not a valid duration/],
    [{ secret: SECRET, ttl: 0 }, 'session.ttl', /positive/],
    [{ secret: SECRET, cache: '' }, 'session.cache', /cache name/],
    [{ secret: SECRET, rolling: 'yes' }, 'session.rolling', /true or false/],
    [{ secret: SECRET, touchAfter: 2 }, 'session.touchAfter', /from 0 to 1/],
    [{ secret: SECRET, saveUninitialised: true }, 'session.saveUninitialised', /Known options/],
    [{ secret: SECRET, cookie: { name: 'a b' } }, 'session.cookie.name', /cookie name/],
    [{ secret: SECRET, cookie: { path: '/;x' } }, 'session.cookie.path', /without ';'/],
    [{ secret: SECRET, cookie: { domain: 'a\nb' } }, 'session.cookie.domain', /control/],
    [
      { secret: SECRET, cookie: { sameSite: 'lax ' } },
      'session.cookie.sameSite',
      /'lax', 'strict' or 'none'/,
    ],
    [{ secret: SECRET, cookie: { secure: 'yes' } }, 'session.cookie.secure', /'auto'/],
    [
      { secret: SECRET, cookie: { sameSite: 'none', secure: false } },
      'session.cookie.secure',
      /sameSite 'none'/,
    ],
    [{ secret: SECRET, cookie: { maxAge: -1 } }, 'session.cookie.maxAge', /negative/],
    [{ secret: SECRET, cookie: { httpOnly: 1 } }, 'session.cookie.httpOnly', /true or false/],
    [{ secret: SECRET, cookie: { expires: 1 } }, 'session.cookie.expires', /Known options/],
  ])('refuses %j naming %s', (options, option, message) => {
    const error = problem(options);
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(option);
  });
});
