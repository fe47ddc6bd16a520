/**
 * `@CacheResponse` as a client sees it: X-Cache, ETag and 304, Vary, what is never stored,
 * route metadata, the app-wide option, single flight and failing open. Every scenario runs on
 * Express and Fastify, with the entries on the memory backend and on a real Redis; each test
 * boots its own application with its own key prefix.
 */
import {
  Controller,
  ForbiddenException,
  Get,
  Header,
  HttpCode,
  Injectable,
  InternalServerErrorException,
  Module,
  Post,
  Query,
  Res,
  StreamableFile,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import request from 'supertest';
import {
  CacheResponse,
  CacheService,
  CacheXConfigError,
  CacheXModule,
  NoCacheResponse,
  type CacheConfig,
  type HttpCacheModuleOptions,
} from '../../lib/index.js';
import { uniquePrefix } from '../contract/cache.contract.js';
import { spawnRedis, type SpawnedRedis } from '../harness/index.js';
import { Test } from '@nestjs/testing';
import { ADAPTERS, bootHttpApp, httpMatrix, type AdapterName } from '../support/http-app.js';
import { deleteKeys } from '../support/delete-keys.js';

/** How many times each handler ran in the current test. */
const runs = new Map<string, number>();
function ran(name: string): number {
  const count = (runs.get(name) ?? 0) + 1;
  runs.set(name, count);
  return count;
}

/** Sets a response header from a handler with `@Res({ passthrough: true })`, on either adapter. */
function setHeader(res: any, name: string, value: string): void {
  if (typeof res.setHeader === 'function') res.setHeader(name, value);
  else res.header(name, value);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Refuses requests with an `x-deny` header, cached or not. */
@Injectable()
class DenyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.switchToHttp().getRequest().headers['x-deny']) throw new ForbiddenException();
    return true;
  }
}

@Controller('http')
class CachedController {
  @CacheResponse({ ttl: '1m' })
  @Get('items')
  items(@Query() query: Record<string, unknown>) {
    return { query, run: ran('items') };
  }

  @CacheResponse({ ttl: '1m', vary: ['Accept-Language'] })
  @Get('greeting')
  greeting() {
    return { run: ran('greeting') };
  }

  @CacheResponse({ ttl: 200, staleWhileRevalidate: '1m' })
  @Get('stale')
  stale() {
    return { run: ran('stale') };
  }

  @CacheResponse({ ttl: '1m', tags: ['etag'] })
  @Get('etag')
  etag() {
    ran('etag');
    return { same: 'body' };
  }

  @CacheResponse({ ttl: '1m' })
  @Get('fail')
  fail() {
    ran('fail');
    throw new InternalServerErrorException('boom');
  }

  @CacheResponse({ ttl: '1m' })
  @Get('cookie')
  cookie(@Res({ passthrough: true }) res: unknown) {
    setHeader(res, 'set-cookie', 'sid=1; Path=/');
    return { run: ran('cookie') };
  }

  @CacheResponse({ ttl: '1m' })
  @Header('Cache-Control', 'private, max-age=10')
  @Get('private')
  private() {
    return { run: ran('private') };
  }

  @CacheResponse({ ttl: '1m' })
  @Get('no-store')
  noStore(@Res({ passthrough: true }) res: unknown) {
    setHeader(res, 'cache-control', 'no-store');
    return { run: ran('no-store') };
  }

  @CacheResponse({ ttl: '1m', allowAuthorization: true })
  @Get('public-with-auth')
  publicWithAuth() {
    return { run: ran('public-with-auth') };
  }

  @CacheResponse({ ttl: '1m' })
  @Get('file')
  file() {
    ran('file');
    return new StreamableFile(Buffer.from('file body'));
  }

  @CacheResponse({ ttl: '1m' })
  @UseGuards(DenyGuard)
  @Get('guarded')
  guarded() {
    return { run: ran('guarded') };
  }

  @CacheResponse({ ttl: '1m' })
  @HttpCode(203)
  @Header('X-Static', 'yes')
  @Get('meta')
  meta(@Res({ passthrough: true }) res: unknown) {
    setHeader(res, 'x-handler', `run-${ran('meta')}`);
    return { ok: true };
  }

  @CacheResponse({ ttl: '1m' })
  @Get('slow')
  async slow() {
    const run = ran('slow');
    await sleep(100);
    return { run };
  }

  @CacheResponse({ ttl: '1m' })
  @Get('own-response')
  ownResponse(@Res() res: any) {
    const body = JSON.stringify({ run: ran('own-response') });
    if (typeof res.setHeader === 'function') res.setHeader('content-type', 'application/json');
    else res.header('content-type', 'application/json');
    res.send(body);
  }

  @CacheResponse({ ttl: 200, staleWhileRevalidate: '1m', maxAge: true })
  @Get('stale-max-age')
  staleMaxAge() {
    return { run: ran('stale-max-age') };
  }

  @CacheResponse({ ttl: '1m', maxAge: true })
  @Get('max-age')
  maxAge() {
    return { run: ran('max-age') };
  }

  @CacheResponse({ ttl: '1m' })
  @Get('text')
  text() {
    return `text run ${ran('text')}`;
  }

  @CacheResponse({
    ttl: '1m',
    key: (context) => `lang:${context.switchToHttp().getRequest().query.lang}`,
  })
  @Get('custom-key')
  customKey() {
    return { run: ran('custom-key') };
  }
}

@CacheResponse({ ttl: '1m' })
@Controller('class')
class ClassCachedController {
  @Get('a')
  a() {
    return { run: ran('class-a') };
  }

  @NoCacheResponse()
  @Get('b')
  b() {
    return { run: ran('class-b') };
  }

  @Post('p')
  p() {
    return { run: ran('class-p') };
  }
}

@Controller('plain')
class PlainController {
  @Get()
  plain() {
    return { run: ran('plain') };
  }

  @NoCacheResponse()
  @Get('out')
  out() {
    return { run: ran('plain-out') };
  }
}

interface AppOptions {
  adapter: AdapterName;
  location: string;
  keyPrefix: string;
  httpCache?: HttpCacheModuleOptions;
  cache?: Partial<CacheConfig>;
}

async function createApp(options: AppOptions): Promise<INestApplication> {
  @Module({
    imports: [
      CacheXModule.forRoot(
        { default: { location: options.location, keyPrefix: options.keyPrefix, ...options.cache } },
        { httpCache: options.httpCache },
      ),
    ],
    controllers: [CachedController, ClassCachedController, PlainController],
  })
  class AppModule {}

  return bootHttpApp(AppModule, options.adapter);
}

const matrix = httpMatrix;

describe.each(matrix)('@CacheResponse over HTTP: $adapter, $backend', ({ adapter, location }) => {
  const apps: INestApplication[] = [];
  const prefixes: string[] = [];
  let app: INestApplication;

  async function boot(options: Partial<AppOptions> = {}) {
    const keyPrefix = uniquePrefix();
    prefixes.push(keyPrefix);
    const booted = await createApp({ adapter, location: location(), keyPrefix, ...options });
    app = booted;
    apps.push(booted);
    return () => request(booted.getHttpServer());
  }

  beforeEach(() => runs.clear());
  afterEach(async () => {
    for (const each of apps.splice(0)) await each.close();
    if (location() !== 'memory://') {
      for (const prefix of prefixes.splice(0)) await deleteKeys(location(), prefix);
    }
  });

  it('answers MISS, then HIT from the entry without running the handler; stats count both', async () => {
    const http = await boot();
    const miss = await http().get('/http/items?x=1').expect(200);
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(miss.headers['content-type']).toMatch(/^application\/json/);
    expect(miss.body).toEqual({ query: { x: '1' }, run: 1 });
    const hit = await http().get('/http/items?x=1').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['content-type']).toBe(miss.headers['content-type']);
    expect(hit.text).toBe(miss.text);
    expect(runs.get('items')).toBe(1);
    const stats = app.get(CacheService).stats().methods;
    expect(stats.misses).toBe(1);
    expect(stats.hits).toBe(1);
  });

  it('keys by the query sorted by name, keeping the order of repeated parameters', async () => {
    const http = await boot();
    expect((await http().get('/http/items?b=2&a=1').expect(200)).headers['x-cache']).toBe('MISS');
    const same = await http().get('/http/items?a=1&b=2').expect(200);
    expect(same.headers['x-cache']).toBe('HIT');
    expect(same.body).toEqual({ query: { a: '1', b: '2' }, run: 1 });
    await http().get('/http/items?a=1&a=2').expect(200);
    const other = await http().get('/http/items?a=2&a=1').expect(200);
    expect(other.headers['x-cache']).toBe('MISS');
    expect(other.body.query).toEqual({ a: ['2', '1'] });
    expect(runs.get('items')).toBe(3);
  });

  it('splits entries by the vary headers and says so in Vary', async () => {
    const http = await boot();
    const en = await http().get('/http/greeting').set('Accept-Language', 'en').expect(200);
    expect(en.headers['vary']).toMatch(/accept-language/i);
    expect(en.headers['x-cache']).toBe('MISS');
    const de = await http().get('/http/greeting').set('Accept-Language', 'de').expect(200);
    expect(de.headers['x-cache']).toBe('MISS');
    const again = await http().get('/http/greeting').set('Accept-Language', 'en').expect(200);
    expect(again.headers['x-cache']).toBe('HIT');
    expect(again.body).toEqual(en.body);
    expect(again.headers['vary']).toMatch(/accept-language/i);
    expect(runs.get('greeting')).toBe(2);
  });

  it('a strong ETag from the body; If-None-Match answers 304 on a hit and on a miss', async () => {
    const http = await boot();
    const first = await http().get('/http/etag').expect(200);
    const etag = first.headers['etag'];
    expect(etag).toMatch(/^"[\w-]+"$/);
    const hit = await http().get('/http/etag').set('If-None-Match', etag).expect(304);
    expect(hit.text ?? '').toBe('');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['etag']).toBe(etag);
    await http().get('/http/etag').set('If-None-Match', '"other"').expect(200);
    await http().get('/http/etag').set('If-None-Match', `"other", W/${etag}`).expect(304);
    // Invalidated: the handler runs again and makes the same body, so the client's copy holds.
    await app.get(CacheService).invalidateTags(['etag']);
    const miss = await http().get('/http/etag').set('If-None-Match', etag).expect(304);
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(runs.get('etag')).toBe(2);
  });

  it('serves a stale entry at once and refreshes it once in the background', async () => {
    const http = await boot();
    expect((await http().get('/http/stale').expect(200)).body).toEqual({ run: 1 });
    await sleep(300);
    const stale = await http().get('/http/stale').expect(200);
    expect(stale.headers['x-cache']).toBe('STALE');
    expect(stale.body).toEqual({ run: 1 });
    let refreshed: request.Response | undefined;
    for (let i = 0; i < 50 && refreshed?.headers['x-cache'] !== 'HIT'; i++) {
      await sleep(20);
      refreshed = await http().get('/http/stale').expect(200);
    }
    expect(refreshed?.headers['x-cache']).toBe('HIT');
    expect(refreshed?.body).toEqual({ run: 2 });
    expect(runs.get('stale')).toBe(2);
  });

  it('never stores errors, cookies, private or no-store responses, nor streamed files', async () => {
    const http = await boot();
    for (let i = 0; i < 2; i++) {
      const failed = await http().get('/http/fail').expect(500);
      expect(failed.headers['x-cache']).toBeUndefined();
      const cookie = await http().get('/http/cookie').expect(200);
      expect(cookie.headers['set-cookie']).toEqual(['sid=1; Path=/']);
      expect(cookie.headers['x-cache']).toBeUndefined();
      await http().get('/http/private').expect(200);
      await http().get('/http/no-store').expect(200);
      const file = await http().get('/http/file').expect(200);
      expect(Buffer.from(file.body ?? file.text).toString()).toBe('file body');
    }
    for (const name of ['fail', 'cookie', 'private', 'no-store', 'file'])
      expect([name, runs.get(name)]).toEqual([name, 2]);
  });

  it('a handler that sends its own response (@Res() without passthrough) is not cached', async () => {
    const http = await boot();
    for (const run of [1, 2]) {
      const res = await http().get('/http/own-response').expect(200);
      expect(res.body).toEqual({ run });
      expect(res.headers['x-cache']).toBeUndefined();
    }
  });

  it('a stale answer says max-age=0', async () => {
    const http = await boot();
    await http().get('/http/stale-max-age').expect(200);
    await sleep(300);
    const stale = await http().get('/http/stale-max-age').expect(200);
    expect(stale.headers['x-cache']).toBe('STALE');
    expect(stale.headers['cache-control']).toBe('max-age=0');
  });

  it('requests with Authorization go to the handler, unless the route allows them', async () => {
    const http = await boot();
    await http().get('/http/items').expect(200);
    const authorized = await http().get('/http/items').set('Authorization', 'Bearer x').expect(200);
    expect(authorized.headers['x-cache']).toBeUndefined();
    expect(authorized.body.run).toBe(2);
    await http().get('/http/public-with-auth').set('Authorization', 'Bearer a').expect(200);
    const shared = await http().get('/http/public-with-auth').set('Authorization', 'Bearer b');
    expect(shared.headers['x-cache']).toBe('HIT');
    expect(runs.get('public-with-auth')).toBe(1);
  });

  it('HEAD is served from the GET entry', async () => {
    const http = await boot();
    await http().get('/http/items?h=1').expect(200);
    const head = await http().head('/http/items?h=1').expect(200);
    expect(head.headers['x-cache']).toBe('HIT');
    expect(head.headers['etag']).toBeDefined();
    expect(runs.get('items')).toBe(1);
    const headFirst = await http().head('/http/items?h=2').expect(200);
    expect(headFirst.headers['x-cache']).toBe('MISS');
    const get = await http().get('/http/items?h=2').expect(200);
    expect(get.headers['x-cache']).toBe('HIT');
    expect(get.body).toEqual({ query: { h: '2' }, run: 2 });
  });

  it('keeps route metadata: guards run on hits, @HttpCode, @Header and handler headers apply', async () => {
    const http = await boot();
    await http().get('/http/guarded').expect(200);
    expect((await http().get('/http/guarded').expect(200)).headers['x-cache']).toBe('HIT');
    await http().get('/http/guarded').set('x-deny', '1').expect(403);
    const miss = await http().get('/http/meta').expect(203);
    const hit = await http().get('/http/meta').expect(203);
    expect(hit.headers['x-cache']).toBe('HIT');
    for (const res of [miss, hit]) {
      expect(res.headers['x-static']).toBe('yes');
      expect(res.headers['x-handler']).toBe('run-1');
    }
  });

  it('runs the handler once for 20 concurrent requests', async () => {
    const http = await boot();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => http().get('/http/slow').expect(200)),
    );
    expect(runs.get('slow')).toBe(1);
    for (const res of answers) expect(res.body).toEqual({ run: 1 });
  });

  it('Cache-Control max-age counts down from the TTL when maxAge is on', async () => {
    const http = await boot();
    const miss = await http().get('/http/max-age').expect(200);
    expect(miss.headers['cache-control']).toMatch(/^max-age=(59|60)$/);
    const hit = await http().get('/http/max-age').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['cache-control']).toMatch(/^max-age=(5[89]|60)$/);
    expect((await http().get('/http/items').expect(200)).headers['cache-control']).toBeUndefined();
  });

  it('a text body comes back with the content type the adapter gave it', async () => {
    const http = await boot();
    const miss = await http().get('/http/text').expect(200);
    const hit = await http().get('/http/text').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.text).toBe('text run 1');
    expect(hit.headers['content-type']).toBe(miss.headers['content-type']);
  });

  it('a key function replaces the path and query', async () => {
    const http = await boot();
    await http().get('/http/custom-key?lang=en&page=1').expect(200);
    const hit = await http().get('/http/custom-key?lang=en&page=2').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    const other = await http().get('/http/custom-key?lang=de').expect(200);
    expect(other.headers['x-cache']).toBe('MISS');
  });

  it('on a controller: every GET route, except @NoCacheResponse ones; never POST', async () => {
    const http = await boot();
    await http().get('/class/a').expect(200);
    expect((await http().get('/class/a').expect(200)).headers['x-cache']).toBe('HIT');
    for (let i = 0; i < 2; i++) {
      expect((await http().get('/class/b').expect(200)).headers['x-cache']).toBeUndefined();
      expect((await http().post('/class/p').expect(201)).headers['x-cache']).toBeUndefined();
    }
    expect([runs.get('class-a'), runs.get('class-b'), runs.get('class-p')]).toEqual([1, 2, 2]);
  });

  it('the global option caches every GET route, except @NoCacheResponse ones', async () => {
    const http = await boot({ httpCache: { global: true, ttl: '1m' } });
    await http().get('/plain').expect(200);
    expect((await http().get('/plain').expect(200)).headers['x-cache']).toBe('HIT');
    await http().get('/plain/out').expect(200);
    expect((await http().get('/plain/out').expect(200)).headers['x-cache']).toBeUndefined();
    // A route and a controller with their own decorator are cached once, not twice.
    await http().get('/class/a').expect(200);
    expect((await http().get('/class/a').expect(200)).headers['x-cache']).toBe('HIT');
    expect([runs.get('plain'), runs.get('plain-out'), runs.get('class-a')]).toEqual([1, 2, 1]);
  });

  it('with two applications in one process, each caches in its own caches', async () => {
    const first = await boot();
    const firstApp = app;
    const second = await boot();
    await first().get('/http/items?app=1').expect(200);
    await first().get('/http/items?app=1').expect(200);
    expect(firstApp.get(CacheService).stats().methods).toMatchObject({ hits: 1, misses: 1 });
    expect(app.get(CacheService).stats().methods).toMatchObject({ hits: 0, misses: 0 });
    expect((await second().get('/http/items?app=1').expect(200)).headers['x-cache']).toBe('MISS');
  });

  it('without the global option, undecorated routes are not cached', async () => {
    const http = await boot();
    await http().get('/plain').expect(200);
    expect((await http().get('/plain').expect(200)).headers['x-cache']).toBeUndefined();
    expect(runs.get('plain')).toBe(2);
  });
});

describe('@CacheResponse options', () => {
  it('an invalid option fails when the class is defined, naming it', () => {
    const decorate = (options: object) => {
      class Target {
        get() {
          return 1;
        }
      }
      const descriptor = Object.getOwnPropertyDescriptor(Target.prototype, 'get')!;
      CacheResponse(options as never)(Target.prototype, 'get', descriptor);
    };
    expect(() => decorate({ ttl: 'soon' })).toThrow(CacheXConfigError);
    expect(() => decorate({ ttl: 'soon' })).toThrow(/Target\.get: option `ttl`/);
    expect(() => decorate({ vary: 'accept' })).toThrow(/option `vary`/);
    expect(() => decorate({ maxAge: 'yes' })).toThrow(/option `maxAge`/);
    expect(() => decorate({ ttl: '1m', vari: ['x'] })).toThrow(/option `vari` is not an option/);
  });

  it('a route whose cache is not registered fails at start-up, naming route and cache', async () => {
    @Controller('wrong')
    class WrongCacheController {
      @CacheResponse({ cache: 'nope' })
      @Get()
      get() {
        return 1;
      }
    }
    @Module({
      imports: [CacheXModule.forRoot({ default: { location: 'memory://' } })],
      controllers: [WrongCacheController],
    })
    class WrongModule {}
    const compiling = Test.createTestingModule({ imports: [WrongModule] }).compile();
    await expect(compiling).rejects.toThrow(CacheXConfigError);
    await expect(Test.createTestingModule({ imports: [WrongModule] }).compile()).rejects.toThrow(
      /WrongCacheController\.get: option `cache` names 'nope', which is not registered/,
    );
  });

  it('an invalid httpCache module option fails at start-up', () => {
    expect(() =>
      CacheXModule.forRoot({ default: { location: 'memory://' } }, {
        httpCache: { staleWhileRevalidate: 'later' },
      } as never),
    ).toThrow(/`httpCache`: option `staleWhileRevalidate`/);
    expect(() =>
      CacheXModule.forRoot({ default: { location: 'memory://' } }, {
        httpCache: { key: 'x' },
      } as never),
    ).toThrow(CacheXConfigError);
  });
});

describe.each(ADAPTERS)('@CacheResponse while Redis is down: %s', (adapter) => {
  let server: SpawnedRedis;
  const apps: INestApplication[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    server = await spawnRedis();
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    for (const app of apps.splice(0)) await app.close();
    process.off('unhandledRejection', onUnhandled);
    await server.stop();
  });

  it('the route still answers, within the command timeout, uncached', async () => {
    runs.clear();
    const app = await createApp({
      adapter,
      location: server.url,
      keyPrefix: uniquePrefix(),
      cache: { redis: { commandTimeout: 300, maxRetriesPerRequest: 0, retryStrategy: () => 50 } },
    });
    apps.push(app);
    const http = () => request(app.getHttpServer());
    expect((await http().get('/http/items').expect(200)).headers['x-cache']).toBe('MISS');
    expect((await http().get('/http/items').expect(200)).headers['x-cache']).toBe('HIT');
    await server.stop();
    for (let i = 0; i < 2; i++) {
      const started = Date.now();
      const res = await http().get('/http/items?down=1').expect(200);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(res.body).toEqual({ query: { down: '1' }, run: 2 + i });
    }
    expect(app.get(CacheService).stats().methods.errors).toBeGreaterThan(0);
    await sleep(50);
    expect(unhandled).toEqual([]);
  });
});
