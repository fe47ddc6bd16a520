/**
 * `@Cacheable` in a Nest application, as a client sees it, on Express and Fastify: on a route
 * (its guard, HTTP code and headers still apply), on a provider built by `useFactory`, and
 * composed with `@WithLock` and `@RateLimit`.
 */
import {
  Controller,
  Get,
  Header,
  HttpCode,
  Injectable,
  Module,
  Param,
  ParseIntPipe,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  CacheEvict,
  Cacheable,
  CacheService,
  CacheXModule,
  RateLimit,
  RateLimitExceededError,
  WithLock,
  type CacheConfig,
} from '../../lib/index.js';
import { uniquePrefix } from '../contract/cache.contract.js';
import { testServers } from '../harness/index.js';

let guardCalls = 0;

@Injectable()
class CountingGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    guardCalls++;
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string> }>();
    return req.headers['x-deny'] === undefined;
  }
}

/** Built by `useFactory`: the decorators find their cache at call time all the same. */
class PriceList {
  runs = 0;

  // Outermost first: a hit takes no lock and is not counted by the limit.
  @Cacheable({ key: 'price:{0}', ttl: '1m' })
  @RateLimit({ limit: 2, window: '1m', key: (sku: string) => sku })
  @WithLock((sku: string) => `price:${sku}`, { wait: '2s' })
  async price(sku: string): Promise<{ sku: string; run: number }> {
    return { sku, run: ++this.runs };
  }
}

@Controller('users')
@UseGuards(CountingGuard)
class UsersController {
  runs = 0;

  constructor(private readonly prices: PriceList) {}

  @Get(':id')
  @HttpCode(203)
  @Header('x-source', 'users')
  @Cacheable({ key: 'user:{0}', tags: (id: number) => [`user:${id}`] })
  async user(@Param('id', ParseIntPipe) id: number): Promise<{ id: number; run: number }> {
    return { id, run: ++this.runs };
  }

  @Get(':id/evict')
  @CacheEvict({ tags: (id: string) => [`user:${Number(id)}`] })
  async evict(@Param('id') id: string): Promise<{ evicted: string }> {
    return { evicted: id };
  }

  @Get('price/:sku')
  async price(@Param('sku') sku: string) {
    try {
      return await this.prices.price(sku);
    } catch (error) {
      if (error instanceof RateLimitExceededError) return { limited: true };
      throw error;
    }
  }
}

function appModule(config: CacheConfig) {
  @Module({
    imports: [CacheXModule.forRoot({ default: config })],
    controllers: [UsersController],
    providers: [CountingGuard, { provide: PriceList, useFactory: () => new PriceList() }],
  })
  class AppModule {}
  return AppModule;
}

const adapters = [
  ['express', () => new ExpressAdapter()],
  ['fastify', () => new FastifyAdapter()],
] as const;
const backends: Array<[string, () => CacheConfig]> = [
  ['memory', () => ({ location: 'memory://' })],
  ['redis', () => ({ location: testServers().redis.url })],
];

describe.each(adapters)('@Cacheable over HTTP (%s)', (_adapter, makeAdapter) => {
  describe.each(backends)('on %s', (_backend, config) => {
    let app: INestApplication;

    beforeEach(async () => {
      guardCalls = 0;
      const moduleRef = await Test.createTestingModule({
        imports: [appModule({ ...config(), keyPrefix: uniquePrefix() })],
      }).compile();
      app = moduleRef.createNestApplication(makeAdapter());
      await app.init();
      if (_adapter === 'fastify') await app.getHttpAdapter().getInstance().ready();
    });

    afterEach(async () => {
      await app.get(CacheService).clear();
      await app.close();
    });

    it('caches a route; its guard, HTTP code and headers still apply', async () => {
      const server = app.getHttpServer();
      const first = await request(server).get('/users/7').expect(203);
      expect(first.body).toStrictEqual({ id: 7, run: 1 });
      expect(first.headers['x-source']).toBe('users');
      const second = await request(server).get('/users/7').expect(203);
      expect(second.body).toStrictEqual({ id: 7, run: 1 });
      await request(server).get('/users/7').set('x-deny', '1').expect(403);
      expect(guardCalls).toBe(3);
      await request(server).get('/users/7/evict').expect(200);
      expect((await request(server).get('/users/7').expect(203)).body).toStrictEqual({
        id: 7,
        run: 2,
      });
    });

    it('composes with @RateLimit and @WithLock on a useFactory provider', async () => {
      const server = app.getHttpServer();
      const results = await Promise.all(
        Array.from({ length: 5 }, () => request(server).get('/users/price/abc').expect(200)),
      );
      // One computation (single flight under the lock); hits are not counted by the limit.
      for (const { body } of results) expect(body).toStrictEqual({ sku: 'abc', run: 1 });
      await request(server).get('/users/price/def').expect(200);
      expect((await request(server).get('/users/price/ghi').expect(200)).body).toStrictEqual({
        sku: 'ghi',
        run: 3,
      });
      await app.get(CacheService).delete('price:ghi');
      expect((await request(server).get('/users/price/ghi').expect(200)).body).toStrictEqual({
        sku: 'ghi',
        run: 4,
      });
      await app.get(CacheService).delete('price:ghi');
      expect((await request(server).get('/users/price/ghi').expect(200)).body).toStrictEqual({
        limited: true,
      });
    });
  });
});

describe('@Cacheable with two applications in one process', () => {
  it("each application's instances use its own caches, not the last initialised", async () => {
    const apps: INestApplication[] = [];
    for (const keyPrefix of [uniquePrefix(), uniquePrefix()]) {
      const moduleRef = await Test.createTestingModule({
        imports: [appModule({ location: 'memory://', keyPrefix })],
      }).compile();
      const app = moduleRef.createNestApplication(new ExpressAdapter());
      await app.init();
      apps.push(app);
    }
    try {
      const [first, second] = apps as [INestApplication, INestApplication];
      await request(first.getHttpServer()).get('/users/7').expect(203);
      expect(await first.get(CacheService).has('user:7')).toBe(true);
      expect(await second.get(CacheService).has('user:7')).toBe(false);
      await request(second.getHttpServer()).get('/users/price/x').expect(200);
      expect(await second.get(CacheService).has('price:x')).toBe(true);
      expect(await first.get(CacheService).has('price:x')).toBe(false);
    } finally {
      for (const app of apps) await app.close();
    }
  });
});
