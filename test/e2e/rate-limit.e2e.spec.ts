/**
 * `@RateLimit` on HTTP routes as a client sees it: status codes and headers, on Express and on
 * Fastify, with the counters on the memory backend and on a real Redis. Every scenario runs on
 * both adapters; each test boots its own application with its own key prefix.
 */
import {
  Controller,
  Get,
  Injectable,
  Module,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import request from 'supertest';
import {
  CacheXModule,
  RateLimit,
  RateLimitExceededFilter,
  SkipRateLimit,
  type CacheConfig,
  type RateLimitModuleOptions,
} from '../../lib/index.js';
import { uniquePrefix } from '../contract/cache.contract.js';
import { spawnRedis, type SpawnedRedis } from '../harness/index.js';
import { ADAPTERS, bootHttpApp, httpMatrix, type AdapterName } from '../support/http-app.js';
import { deleteKeys } from '../support/delete-keys.js';

/** Stands in for authentication and sessions: `x-user` and `x-session` request headers. */
@Injectable()
class FakeAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Record<string, any>>();
    const user = req.headers['x-user'];
    if (user) req.user = { id: user };
    const session = req.headers['x-session'];
    if (session) req.sessionID = session;
    return true;
  }
}

@Injectable()
class Mailer {
  @RateLimit({ limit: 1, window: '1m', key: (email: string) => email })
  async sendReset(email: string): Promise<string> {
    return `sent to ${email}`;
  }
}

@Controller('limited')
class LimitedController {
  constructor(private readonly mailer: Mailer) {}

  @RateLimit({ limit: 3, window: '10s' })
  @Get('route')
  route() {
    return { ok: true };
  }

  @RateLimit({ limit: 5, window: '1m' })
  @RateLimit({ limit: 2, window: '10s', name: 'burst' })
  @Get('stacked')
  stacked() {
    return { ok: true };
  }

  @RateLimit({ limit: 2, window: '1m', by: 'user' })
  @Get('user')
  user() {
    return { ok: true };
  }

  @RateLimit({ limit: 2, window: '1m', by: 'session' })
  @Get('session')
  session() {
    return { ok: true };
  }

  @RateLimit({
    limit: 2,
    window: '1m',
    by: (context) => String(context.switchToHttp().getRequest().headers['x-api-key']),
  })
  @Get('by-key')
  byKey() {
    return { ok: true };
  }

  @Get('reset-mail')
  async resetMail() {
    return { result: await this.mailer.sendReset('ada@example.com') };
  }
}

@RateLimit({ limit: 2, window: '1m' })
@Controller('class-limited')
class ClassLimitedController {
  @Get('a')
  a() {
    return 'a';
  }

  @Get('b')
  b() {
    return 'b';
  }

  @SkipRateLimit()
  @Get('free')
  free() {
    return 'free';
  }

  @RateLimit({ limit: 4, window: '1m' })
  @Get('own')
  own() {
    return 'own';
  }
}

@Controller('plain')
class PlainController {
  @Get()
  plain() {
    return 'plain';
  }

  @SkipRateLimit()
  @Get('skip')
  skip() {
    return 'skip';
  }

  @RateLimit({ limit: 1, window: '1m' })
  @Get('override')
  override() {
    return 'override';
  }
}

interface AppOptions {
  adapter: AdapterName;
  location: string;
  keyPrefix: string;
  rateLimit?: RateLimitModuleOptions;
  trustProxy?: boolean;
  /** More options of the cache. */
  cache?: Partial<CacheConfig>;
}

async function createApp(options: AppOptions): Promise<INestApplication> {
  @Module({
    imports: [
      CacheXModule.forRoot(
        { default: { location: options.location, keyPrefix: options.keyPrefix, ...options.cache } },
        { rateLimit: options.rateLimit },
      ),
    ],
    controllers: [LimitedController, ClassLimitedController, PlainController],
    providers: [
      Mailer,
      { provide: APP_GUARD, useClass: FakeAuthGuard },
      { provide: APP_FILTER, useClass: RateLimitExceededFilter },
    ],
  })
  class AppModule {}

  return bootHttpApp(AppModule, options.adapter, options.trustProxy ?? false);
}

const matrix = httpMatrix;

describe.each(matrix)('@RateLimit over HTTP: $adapter, $backend', ({ adapter, location }) => {
  const apps: INestApplication[] = [];
  const prefixes: string[] = [];

  async function boot(options: Partial<AppOptions> = {}) {
    const keyPrefix = uniquePrefix();
    prefixes.push(keyPrefix);
    const app = await createApp({ adapter, location: location(), keyPrefix, ...options });
    apps.push(app);
    return () => request(app.getHttpServer());
  }

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    if (location() !== 'memory://') {
      for (const prefix of prefixes.splice(0)) await deleteKeys(location(), prefix);
    }
  });

  it('admits `limit` requests with RateLimit headers, then answers 429 with Retry-After', async () => {
    const http = await boot();
    for (const remaining of [2, 1, 0]) {
      const res = await http().get('/limited/route').expect(200);
      expect(res.headers['ratelimit-policy']).toBe('"default";q=3;w=10');
      expect(res.headers['ratelimit']).toBe(`"default";r=${remaining};t=10`);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      expect(res.headers['retry-after']).toBeUndefined();
    }
    const refused = await http().get('/limited/route').expect(429);
    expect(refused.headers['retry-after']).toBe('10');
    expect(refused.headers['ratelimit']).toBe('"default";r=0;t=10');
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: "Rate limit 'default' exceeded; retry in 10 s.",
    });
  });

  it('applies stacked limits together; a refused request counts against none', async () => {
    const http = await boot();
    const first = await http().get('/limited/stacked').expect(200);
    expect(first.headers['ratelimit-policy']).toBe('"default";q=5;w=60, "burst";q=2;w=10');
    expect(first.headers['ratelimit']).toBe('"default";r=4;t=60, "burst";r=1;t=10');
    await http().get('/limited/stacked').expect(200);
    for (let i = 0; i < 3; i++) {
      const refused = await http().get('/limited/stacked').expect(429);
      expect(refused.body.message).toContain("'burst'");
      // The 'default' limit admitted it but took it back: still 3 left of 5.
      expect(refused.headers['ratelimit']).toMatch(/^"default";r=3;t=60, "burst";r=0;t=\d+$/);
    }
  });

  it('a class limit is one budget for all its routes; @SkipRateLimit and a method limit override it', async () => {
    const http = await boot();
    await http().get('/class-limited/a').expect(200);
    const b = await http().get('/class-limited/b').expect(200);
    expect(b.headers['ratelimit']).toBe('"default";r=0;t=60');
    await http().get('/class-limited/a').expect(429);
    await http().get('/class-limited/b').expect(429);
    for (let i = 0; i < 5; i++) {
      const free = await http().get('/class-limited/free').expect(200);
      expect(free.headers['ratelimit']).toBeUndefined();
    }
    for (let i = 0; i < 4; i++) await http().get('/class-limited/own').expect(200);
    await http().get('/class-limited/own').expect(429);
  });

  it('module default limits apply to every route, unless skipped or overridden', async () => {
    const http = await boot({ rateLimit: { default: { limit: 2, window: '30s' } } });
    for (let i = 0; i < 2; i++) {
      const res = await http().get('/plain').expect(200);
      expect(res.headers['ratelimit-policy']).toBe('"default";q=2;w=30');
    }
    await http().get('/plain').expect(429);
    const skipped = await http().get('/plain/skip').expect(200);
    expect(skipped.headers['ratelimit']).toBeUndefined();
    await http().get('/plain/skip').expect(200);
    await http().get('/plain/skip').expect(200);
    const override = await http().get('/plain/override').expect(200);
    expect(override.headers['ratelimit-policy']).toBe('"default";q=1;w=60');
    await http().get('/plain/override').expect(429);
    // A route's own limit replaces the default of the same name: 3 per 10 s here.
    for (let i = 0; i < 3; i++) await http().get('/limited/route').expect(200);
    await http().get('/limited/route').expect(429);
  });

  it('sends legacy X-RateLimit headers when asked, for the tightest limit', async () => {
    const http = await boot({ rateLimit: { headers: 'both' } });
    const res = await http().get('/limited/stacked').expect(200);
    expect(res.headers['ratelimit']).toBeDefined();
    expect(res.headers['x-ratelimit-limit']).toBe('2');
    expect(res.headers['x-ratelimit-remaining']).toBe('1');
    expect(res.headers['x-ratelimit-reset']).toBe('10');
    const legacy = await boot({ rateLimit: { headers: 'legacy' } });
    const only = await legacy().get('/limited/route').expect(200);
    expect(only.headers['ratelimit']).toBeUndefined();
    expect(only.headers['x-ratelimit-remaining']).toBe('2');
    const none = await boot({ rateLimit: { headers: 'none' } });
    const bare = await none().get('/limited/route').expect(200);
    expect(bare.headers['ratelimit']).toBeUndefined();
    expect(bare.headers['x-ratelimit-limit']).toBeUndefined();
  });

  describe('trackers', () => {
    it('ip: ignores X-Forwarded-For unless the app trusts the proxy', async () => {
      const http = await boot();
      for (const ip of ['1.1.1.1', '2.2.2.2', '3.3.3.3'])
        await http().get('/limited/route').set('X-Forwarded-For', ip).expect(200);
      await http().get('/limited/route').set('X-Forwarded-For', '4.4.4.4').expect(429);
    });

    it('ip: counts each forwarded client apart when the app trusts the proxy', async () => {
      const http = await boot({ trustProxy: true });
      for (let i = 0; i < 3; i++)
        await http().get('/limited/route').set('X-Forwarded-For', '1.1.1.1').expect(200);
      await http().get('/limited/route').set('X-Forwarded-For', '1.1.1.1').expect(429);
      await http().get('/limited/route').set('X-Forwarded-For', '2.2.2.2').expect(200);
      await http().get('/limited/route').expect(200);
    });

    it('user: counts each user apart, anonymous requests by IP', async () => {
      const http = await boot();
      for (const user of ['ann', 'ann', 'bob', 'bob'])
        await http().get('/limited/user').set('x-user', user).expect(200);
      await http().get('/limited/user').set('x-user', 'ann').expect(429);
      await http().get('/limited/user').expect(200);
      await http().get('/limited/user').expect(200);
      await http().get('/limited/user').expect(429);
      await http().get('/limited/user').set('x-user', 'cid').expect(200);
    });

    it('user: reads the id at the configured path', async () => {
      const http = await boot({ rateLimit: { userPath: 'headers.x-tenant' } });
      for (const tenant of ['t1', 't1', 't2'])
        await http().get('/limited/user').set('x-tenant', tenant).expect(200);
      await http().get('/limited/user').set('x-tenant', 't1').expect(429);
    });

    it('session: counts each session apart', async () => {
      const http = await boot();
      for (const session of ['s1', 's1', 's2'])
        await http().get('/limited/session').set('x-session', session).expect(200);
      await http().get('/limited/session').set('x-session', 's1').expect(429);
      await http().get('/limited/session').set('x-session', 's2').expect(200);
    });

    it('a function of the execution context', async () => {
      const http = await boot();
      for (const apiKey of ['k1', 'k1', 'k2'])
        await http().get('/limited/by-key').set('x-api-key', apiKey).expect(200);
      await http().get('/limited/by-key').set('x-api-key', 'k1').expect(429);
    });
  });

  it('a limited provider method called by a route: RateLimitExceededFilter answers 429', async () => {
    const http = await boot();
    const ok = await http().get('/limited/reset-mail').expect(200);
    expect(ok.body).toEqual({ result: 'sent to ada@example.com' });
    const refused = await http().get('/limited/reset-mail').expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(59);
    expect(refused.body.message).toBe("Rate limit 'default' exceeded; retry in 60 s.");
  });
});

describe.each(ADAPTERS)('@RateLimit over HTTP while Redis is down: %s', (adapter) => {
  let server: SpawnedRedis;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    server = await spawnRedis();
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });
  afterAll(async () => {
    await server.stop();
  });

  async function bootDown(rateLimit: RateLimitModuleOptions) {
    const app = await createApp({
      adapter,
      location: server.url,
      keyPrefix: uniquePrefix(),
      rateLimit,
      // Fail fast while the server is down.
      cache: { redis: { maxRetriesPerRequest: 1, retryStrategy: () => 50 } },
    });
    apps.push(app);
    await server.stop();
    return () => request(app.getHttpServer());
  }

  it("onBackendError 'deny': 429 with Retry-After of one window", async () => {
    const http = await bootDown({ onBackendError: 'deny' });
    const refused = await http().get('/limited/route').expect(429);
    expect(refused.headers['retry-after']).toBe('10');
  });

  it("onBackendError 'allow' (the default): the request goes through", async () => {
    const http = await bootDown({});
    await http().get('/limited/route').expect(200);
    await http().get('/limited/route').expect(200);
  });

  it("onBackendError 'fallback': the limit holds in the process", async () => {
    const http = await bootDown({ onBackendError: 'fallback' });
    for (let i = 0; i < 3; i++) await http().get('/limited/route').expect(200);
    await http().get('/limited/route').expect(429);
  });
});
