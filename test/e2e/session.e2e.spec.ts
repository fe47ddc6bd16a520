/**
 * Sessions over HTTP as a browser sees them: cookies, the guard, saves and their races, on
 * Express and on Fastify, with the sessions on the memory backend and on a real Redis. Each test
 * boots its own application with its own key prefix.
 */
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Module,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
  type INestApplication,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { jest } from '@jest/globals';
import request from 'supertest';
import {
  CacheRegistry,
  CacheXModule,
  RateLimit,
  RequireSession,
  Session,
  SessionGuard,
  SessionHandle,
  SkipSession,
  type CacheConfig,
  type SessionModuleOptions,
} from '../../lib/index.js';
import { uniquePrefix } from '../contract/cache.contract.js';
import { spawnRedis } from '../harness/index.js';
import { bootHttpApp, httpMatrix, type AdapterName } from '../support/http-app.js';
import { deleteKeys } from '../support/delete-keys.js';

const SECRET = 'a-test-secret-of-at-least-32-characters';
const OTHER_SECRET = 'another-test-secret-of-32-characters-too';

const lateErrors: string[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Controller()
class AccountController {
  @Post('login')
  @HttpCode(200)
  async login(@Session() session: SessionHandle, @Body() body: { userId: number }) {
    await session.regenerate();
    session.set('userId', body.userId);
    return { ok: true };
  }

  @UseGuards(SessionGuard)
  @RequireSession((s) => s.get('userId') !== undefined)
  @Get('me')
  me(@Session() session: SessionHandle) {
    return { userId: session.get('userId') };
  }

  @UseGuards(SessionGuard)
  @Get('any')
  any(@Session() session: SessionHandle) {
    return session.all();
  }

  @Post('logout')
  @HttpCode(200)
  async logout(@Session() session: SessionHandle) {
    await session.destroy();
    return { ok: true };
  }

  @Get('plain')
  plain() {
    return 'plain';
  }

  @Get('read')
  read(@Session() session: SessionHandle) {
    return { data: session.all(), isNew: session.isNew };
  }

  @Post('set/:field')
  @HttpCode(200)
  async set(
    @Session() session: SessionHandle,
    @Param('field') field: string,
    @Body() body: { value: unknown },
    @Query('delay') delay?: string,
  ) {
    if (delay) await sleep(Number(delay));
    session.set(field, body.value);
    return { ok: true };
  }

  @Get('stream')
  stream(@Session() session: SessionHandle, @Res() res: any) {
    session.set('streamed', true);
    res.hijack?.();
    const raw = res.raw ?? res;
    raw.writeHead(200, { 'content-type': 'text/plain' });
    raw.write('chunk-1;');
    setTimeout(() => raw.end('chunk-2'), 20);
  }

  /** Sets a cookie of the app's own next to the session's. */
  @Get('other-cookie')
  otherCookie(@Session() session: SessionHandle, @Res({ passthrough: true }) res: any) {
    res.header('set-cookie', 'other=1; Path=/');
    session.set('with', 'other');
    return { ok: true };
  }

  /** Ends the response, then tries to change the session: what it threw is in `lateErrors`. */
  @Get('late')
  late(@Session() session: SessionHandle, @Res() res: any) {
    res.hijack?.();
    (res.raw ?? res).end('sent');
    try {
      session.set('late', true);
      lateErrors.push('none');
    } catch (error) {
      lateErrors.push((error as Error).name);
    }
  }

  @RateLimit({ limit: 1, window: '1m', by: 'session' })
  @Get('limited')
  limited() {
    return 'ok';
  }
}

@UseGuards(SessionGuard)
@Controller('guarded')
class GuardedController {
  @Get()
  guarded() {
    return 'in';
  }
}

@Controller('global')
class GlobalController {
  @Get('private')
  private() {
    return 'private';
  }

  @SkipSession()
  @Get('public')
  public() {
    return 'public';
  }
}

interface AppOptions {
  adapter: AdapterName;
  location: string;
  keyPrefix: string;
  session?: Partial<SessionModuleOptions>;
  cache?: Partial<CacheConfig>;
  trustProxy?: boolean;
  globalGuard?: boolean;
}

async function createApp(options: AppOptions): Promise<INestApplication> {
  @Module({
    imports: [
      CacheXModule.forRoot(
        {
          default: { location: options.location, keyPrefix: `${options.keyPrefix}d` },
          sessions: {
            location: options.location,
            keyPrefix: options.keyPrefix,
            ttl: '14d',
            ...options.cache,
          },
        },
        { session: { cache: 'sessions', secret: SECRET, ...options.session } },
      ),
    ],
    controllers: options.globalGuard ? [GlobalController] : [AccountController, GuardedController],
    providers: options.globalGuard ? [{ provide: APP_GUARD, useClass: SessionGuard }] : [],
  })
  class AppModule {}

  return bootHttpApp(AppModule, options.adapter, options.trustProxy ?? false);
}

/** The session cookie a response sets (`name=value` and attributes), if any. */
function sessionCookie(res: request.Response): string | undefined {
  const header = res.headers['set-cookie'] as unknown as string[] | undefined;
  return header?.find((c) => c.startsWith('cachex.sid='));
}

/** The `Cookie` header a browser sends back for a response's session cookie. */
function cookieOf(res: request.Response): string {
  const cookie = sessionCookie(res);
  if (!cookie) throw new Error(`no session cookie in ${JSON.stringify(res.headers)}`);
  return cookie.split(';')[0]!;
}

/** The session id in a cookie (`cachex.sid=<id>.<signature>`). */
const idOf = (cookie: string) => cookie.slice('cachex.sid='.length).split('.')[0]!;

const matrix = httpMatrix;

describe.each(matrix)('sessions over HTTP: $adapter, $backend', ({ adapter, location }) => {
  const apps: INestApplication[] = [];
  const prefixes: string[] = [];

  async function boot(options: Partial<AppOptions> = {}) {
    const keyPrefix = options.keyPrefix ?? uniquePrefix();
    prefixes.push(keyPrefix);
    const app = await createApp({ adapter, location: location(), keyPrefix, ...options });
    apps.push(app);
    const http = () => request(app.getHttpServer());
    const sessions = app.get(CacheRegistry).get('sessions');
    return { http, sessions, keyPrefix };
  }

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    if (location() !== 'memory://') {
      for (const prefix of prefixes.splice(0)) await deleteKeys(location(), prefix);
    }
  });

  it('login sets a signed, HttpOnly, SameSite=Lax cookie; the next request sees the data', async () => {
    const { http, sessions } = await boot();
    const login = await http().post('/login').send({ userId: 42 }).expect(200);
    const cookie = sessionCookie(login)!;
    expect(cookie).toMatch(
      /^cachex\.sid=[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43}; Path=\/; Expires=[^;]+; Max-Age=1209600; HttpOnly; SameSite=Lax$/,
    );
    const me = await http().get('/me').set('Cookie', cookieOf(login)).expect(200);
    expect(me.body).toEqual({ userId: 42 });
    expect(sessionCookie(me)).toBeUndefined();
    // Stored as a hash under the session cache's prefix, with the session TTL.
    const id = idOf(cookieOf(login));
    expect(await sessions.type(`session:${id}`)).toBe('hash');
    expect(await sessions.hget(`session:${id}`, 'userId')).toBe(42);
    expect(await sessions.ttl(`session:${id}`)).toBeGreaterThan(1209600_000 - 60_000);
  });

  it('sets no cookie and stores nothing for requests that do not write the session', async () => {
    const { http, sessions } = await boot();
    const plain = await http().get('/plain').expect(200);
    expect(plain.headers['set-cookie']).toBeUndefined();
    const read = await http().get('/read').expect(200);
    expect(read.body).toEqual({ data: {}, isNew: true });
    expect(read.headers['set-cookie']).toBeUndefined();
    const me = await http().get('/me').expect(401);
    expect(me.headers['set-cookie']).toBeUndefined();
    expect(await sessions.keys('session:*')).toEqual([]);
  });

  it('regenerate changes the id and keeps the data; the old id no longer works', async () => {
    const { http } = await boot();
    const first = await http()
      .post('/set/cart')
      .send({ value: ['apple'] })
      .expect(200);
    const before = cookieOf(first);
    const login = await http().post('/login').set('Cookie', before).send({ userId: 7 }).expect(200);
    const after = cookieOf(login);
    expect(idOf(after)).not.toBe(idOf(before));
    expect((await http().get('/any').set('Cookie', after).expect(200)).body).toEqual({
      cart: ['apple'],
      userId: 7,
    });
    await http().get('/any').set('Cookie', before).expect(401);
  });

  it('logout destroys the session and clears the cookie; replaying the cookie gives a fresh session', async () => {
    const { http, sessions } = await boot();
    const cookie = cookieOf(await http().post('/login').send({ userId: 1 }).expect(200));
    const logout = await http().post('/logout').set('Cookie', cookie).expect(200);
    expect(sessionCookie(logout)).toMatch(
      /^cachex\.sid=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0/,
    );
    expect(await sessions.has(`session:${idOf(cookie)}`)).toBe(false);
    await http().get('/me').set('Cookie', cookie).expect(401);
    const replay = await http().get('/read').set('Cookie', cookie).expect(200);
    expect(replay.body).toEqual({ data: {}, isNew: true });
  });

  it('tampered, truncated, unsigned or foreign cookies give a fresh session, never an error', async () => {
    const { http } = await boot();
    const cookie = cookieOf(await http().post('/login').send({ userId: 1 }).expect(200));
    const value = cookie.slice('cachex.sid='.length);
    const id = idOf(cookie);
    const flip = (s: string, i: number) =>
      s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const bad = [
      flip(value, 3), // the id
      flip(value, value.length - 2), // the signature
      value.slice(0, -1), // truncated
      id, // unsigned
      `${id}.`,
      '',
      'garbage',
      `${'x'.repeat(32)}.${value.split('.')[1]}`, // another id with this signature
    ];
    for (const candidate of bad) {
      await http().get('/me').set('Cookie', `cachex.sid=${candidate}`).expect(401);
      const read = await http().get('/read').set('Cookie', `cachex.sid=${candidate}`).expect(200);
      expect(read.body).toEqual({ data: {}, isNew: true });
    }
    // Other cookies around the session cookie are ignored.
    await http().get('/me').set('Cookie', `a=1; ${cookie}; b="2"`).expect(200);
  });

  it('rotates secrets: signs with the first, accepts any', async () => {
    const first = await boot({ session: { secret: SECRET } });
    const cookie = cookieOf(await first.http().post('/login').send({ userId: 5 }).expect(200));
    const rotated = await boot({
      keyPrefix: first.keyPrefix,
      session: { secret: [OTHER_SECRET, SECRET] },
    });
    expect((await rotated.http().get('/me').set('Cookie', cookie).expect(200)).body).toEqual({
      userId: 5,
    });
    const resaved = await rotated
      .http()
      .post('/set/x')
      .set('Cookie', cookie)
      .send({ value: 1 })
      .expect(200);
    const newCookie = cookieOf(resaved);
    expect(newCookie).not.toBe(cookie);
    expect(idOf(newCookie)).toBe(idOf(cookie));
    const onlyNew = await boot({ keyPrefix: first.keyPrefix, session: { secret: OTHER_SECRET } });
    await onlyNew.http().get('/me').set('Cookie', newCookie).expect(200);
    await onlyNew.http().get('/me').set('Cookie', cookie).expect(401);
  });

  it('adds Secure behind a trusted HTTPS proxy only, or when forced', async () => {
    const untrusted = await boot();
    const plain = await untrusted
      .http()
      .post('/login')
      .set('X-Forwarded-Proto', 'https')
      .send({ userId: 1 });
    expect(sessionCookie(plain)).not.toMatch(/Secure/);
    const trusted = await boot({ trustProxy: true });
    const proxied = await trusted
      .http()
      .post('/login')
      .set('X-Forwarded-Proto', 'https')
      .send({ userId: 1 });
    expect(sessionCookie(proxied)).toMatch(/; Secure/);
    const forced = await boot({
      session: { cookie: { secure: true, sameSite: 'strict', maxAge: null, name: 'sid' } },
    });
    const res = await forced.http().post('/login').send({ userId: 1 });
    const header = (res.headers['set-cookie'] as unknown as string[])[0]!;
    expect(header).toMatch(/^sid=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
  });

  it('a session expires with the TTL of its cache', async () => {
    const { http } = await boot({ cache: { ttl: 300 } });
    const cookie = cookieOf(await http().post('/login').send({ userId: 1 }).expect(200));
    await http().get('/me').set('Cookie', cookie).expect(200);
    await sleep(450);
    await http().get('/me').set('Cookie', cookie).expect(401);
  });

  it('rolling: every request with the cookie renews the expiry and re-sends the cookie', async () => {
    const { http, sessions } = await boot({ session: { rolling: true, ttl: 2000 } });
    const cookie = cookieOf(await http().post('/login').send({ userId: 1 }).expect(200));
    await sleep(300);
    const key = `session:${idOf(cookie)}`;
    expect(await sessions.ttl(key)).toBeLessThan(1800);
    const plain = await http().get('/plain').set('Cookie', cookie).expect(200);
    expect(sessionCookie(plain)).toMatch(/Max-Age=2;/);
    expect(await sessions.ttl(key)).toBeGreaterThan(1800);
    // Without the cookie, nothing happens.
    expect((await http().get('/plain').expect(200)).headers['set-cookie']).toBeUndefined();
  });

  it('without rolling, a read renews the expiry once touchAfter of the TTL has passed', async () => {
    const { http, sessions } = await boot({ session: { ttl: 1000, touchAfter: 0.4 } });
    const cookie = cookieOf(await http().post('/login').send({ userId: 1 }).expect(200));
    const key = `session:${idOf(cookie)}`;
    const early = await http().get('/me').set('Cookie', cookie).expect(200);
    expect(sessionCookie(early)).toBeUndefined();
    await sleep(500);
    const late = await http().get('/me').set('Cookie', cookie).expect(200);
    expect(sessionCookie(late)).toMatch(/Max-Age=1;/);
    expect(await sessions.ttl(key)).toBeGreaterThan(800);
    // Untouched routes never renew without rolling.
    await sleep(500);
    expect(sessionCookie(await http().get('/plain').set('Cookie', cookie))).toBeUndefined();
  });

  it('keeps the writes of concurrent requests to different fields', async () => {
    const { http } = await boot();
    const cookie = cookieOf(await http().post('/set/start').send({ value: 0 }).expect(200));
    await Promise.all([
      http().post('/set/a?delay=80').set('Cookie', cookie).send({ value: 'A' }).expect(200),
      http().post('/set/b?delay=10').set('Cookie', cookie).send({ value: 'B' }).expect(200),
    ]);
    const read = await http().get('/read').set('Cookie', cookie).expect(200);
    expect(read.body.data).toEqual({ start: 0, a: 'A', b: 'B' });
  });

  it('destroy wins over a concurrent late save: the session is not resurrected', async () => {
    const { http, sessions } = await boot();
    const cookie = cookieOf(await http().post('/login').send({ userId: 1 }).expect(200));
    // `then` sends the request now (supertest sends on first `then`).
    const slow = http()
      .post('/set/late?delay=150')
      .set('Cookie', cookie)
      .send({ value: 1 })
      .then((res) => res);
    await sleep(50);
    await http().post('/logout').set('Cookie', cookie).expect(200);
    const late = await slow;
    expect(late.status).toBe(200);
    // The late save found the session gone: it wrote nothing and cleared the cookie.
    expect(sessionCookie(late)).toMatch(/Max-Age=0/);
    expect(await sessions.has(`session:${idOf(cookie)}`)).toBe(false);
    await http().get('/any').set('Cookie', cookie).expect(401);
  });

  it('saves before the headers of a streamed @Res() response', async () => {
    const { http } = await boot();
    const res = await http().get('/stream').expect(200);
    expect(res.text).toBe('chunk-1;chunk-2');
    const read = await http().get('/read').set('Cookie', cookieOf(res)).expect(200);
    expect(read.body).toEqual({ data: { streamed: true }, isNew: false });
  });

  it("keeps the app's own Set-Cookie next to the session's", async () => {
    const { http } = await boot();
    const res = await http().get('/other-cookie').expect(200);
    const cookies = res.headers['set-cookie'] as unknown as string[];
    expect(cookies).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^other=1/),
        expect.stringMatching(/^cachex\.sid=[\w-]/),
      ]),
    );
    const read = await http().get('/read').set('Cookie', cookieOf(res)).expect(200);
    expect(read.body.data).toEqual({ with: 'other' });
  });

  it('a change after the response has started throws SessionError and is not saved', async () => {
    const { http, sessions } = await boot();
    lateErrors.length = 0;
    const res = await http().get('/late').expect(200);
    expect(res.text).toBe('sent');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(lateErrors).toEqual(['SessionError']);
    expect(await sessions.keys('session:*')).toEqual([]);
  });

  it('saveUninitialized stores new sessions that nothing was written to', async () => {
    const { http, sessions } = await boot({ session: { saveUninitialized: true } });
    const read = await http().get('/read').expect(200);
    const cookie = cookieOf(read);
    expect(await sessions.has(`session:${idOf(cookie)}`)).toBe(true);
    await http().get('/any').set('Cookie', cookie).expect(200);
    // Routes that never ask for the session still store nothing.
    expect((await http().get('/plain').expect(200)).headers['set-cookie']).toBeUndefined();
  });

  it('the guard answers 401 without a session or when @RequireSession fails, on a class too', async () => {
    const { http } = await boot();
    await http().get('/guarded').expect(401);
    const cookie = cookieOf(await http().post('/set/cart').send({ value: [] }).expect(200));
    expect((await http().get('/guarded').set('Cookie', cookie).expect(200)).text).toBe('in');
    // A session without userId: the predicate fails.
    const denied = await http().get('/me').set('Cookie', cookie).expect(401);
    expect(denied.body).toEqual({ statusCode: 401, message: 'Unauthorized' });
  });

  it('a global guard protects every route but those with @SkipSession', async () => {
    const { http } = await boot({ globalGuard: true });
    await http().get('/global/private').expect(401);
    await http().get('/global/public').expect(200);
  });

  it("deletePattern('session:*') on the session cache logs everyone out", async () => {
    const { http, sessions } = await boot();
    const a = cookieOf(await http().post('/login').send({ userId: 1 }).expect(200));
    const b = cookieOf(await http().post('/login').send({ userId: 2 }).expect(200));
    expect(await sessions.deletePattern('session:*')).toBe(2);
    await http().get('/me').set('Cookie', a).expect(401);
    await http().get('/me').set('Cookie', b).expect(401);
  });

  it("the rate-limit tracker 'session' counts each session apart", async () => {
    const { http } = await boot();
    const a = cookieOf(await http().post('/login').send({ userId: 1 }).expect(200));
    const b = cookieOf(await http().post('/login').send({ userId: 2 }).expect(200));
    await http().get('/limited').set('Cookie', a).expect(200);
    await http().get('/limited').set('Cookie', a).expect(429);
    await http().get('/limited').set('Cookie', b).expect(200);
  });
});

describe('sessions when the server fails', () => {
  it('a save that fails is logged; the response goes out without the change and without a cookie', async () => {
    const server = await spawnRedis();
    const errors: string[] = [];
    const { Logger } = await import('@nestjs/common');
    const spy = jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => {
      errors.push(String(message));
    });
    const app = await createApp({
      adapter: 'express',
      location: server.url,
      keyPrefix: uniquePrefix(),
      cache: {
        redis: { enableOfflineQueue: false, maxRetriesPerRequest: 0 },
      } as Partial<CacheConfig>,
    });
    try {
      const http = () => request(app.getHttpServer());
      // The client connects in the background: wait (bounded) until it answers.
      const sessions = app.get(CacheRegistry).get('sessions');
      for (
        let i = 0;
        i < 100 &&
        !(await sessions.has('ping').then(
          () => true,
          () => false,
        ));
        i++
      )
        await sleep(20);
      const cookie = cookieOf(await http().post('/login').send({ userId: 1 }).expect(200));
      const slow = http()
        .post('/set/x?delay=300')
        .set('Cookie', cookie)
        .send({ value: 1 })
        .then((res) => res);
      await sleep(100);
      await server.stop();
      const res = await slow;
      expect(res.status).toBe(200);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(errors.some((e) => /Session on cache 'sessions' could not be saved/.test(e))).toBe(
        true,
      );
    } finally {
      spy.mockRestore();
      await app.close();
      await server.stop();
    }
  });
});
