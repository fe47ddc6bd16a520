import { randomUUID } from 'node:crypto';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { CacheXModule, RateLimit, type CacheXModuleOptions } from '../../../lib/index.js';

/**
 * The guard counts on the caches of the application it belongs to, also with several
 * applications in one process (it used to take those of the application initialised last).
 */
@Controller()
class SearchController {
  @RateLimit({ limit: 2, window: '1m' })
  @Get('search')
  search(): string {
    return 'ok';
  }
}

const apps: INestApplication[] = [];

async function boot(rateLimit: CacheXModuleOptions['rateLimit']): Promise<INestApplication> {
  @Module({
    imports: [
      CacheXModule.forRoot({ default: { location: `memory://${randomUUID()}` } }, { rateLimit }),
    ],
    controllers: [SearchController],
  })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { logger: false });
  await app.init();
  apps.push(app);
  return app;
}

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

describe('RateLimitGuard with two applications in one process', () => {
  it("each application's routes count on its own caches, with its own settings", async () => {
    const legacy = await boot({ headers: 'legacy' });
    const ietf = await boot({ headers: 'ietf' });

    const first = await request(legacy.getHttpServer()).get('/search').expect(200);
    expect(first.headers['x-ratelimit-remaining']).toBe('1');
    expect(first.headers['ratelimit']).toBeUndefined();
    await request(legacy.getHttpServer()).get('/search').expect(200);
    await request(legacy.getHttpServer()).get('/search').expect(429);

    // The other application's budget is untouched by the first one's requests.
    const other = await request(ietf.getHttpServer()).get('/search').expect(200);
    expect(other.headers['ratelimit']).toBe('"default";r=1;t=60');
    expect(other.headers['x-ratelimit-remaining']).toBeUndefined();
  });

  it('an application initialised first keeps its caches after the last one closes', async () => {
    const first = await boot({ headers: 'legacy' });
    const last = await boot({ headers: 'ietf' });
    await request(last.getHttpServer()).get('/search').expect(200);
    await last.close();
    apps.splice(apps.indexOf(last), 1);
    const answer = await request(first.getHttpServer()).get('/search').expect(200);
    expect(answer.headers['x-ratelimit-remaining']).toBe('1');
  });
});
