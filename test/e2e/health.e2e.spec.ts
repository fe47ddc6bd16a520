/**
 * A `/health` route built with terminus' `HealthCheckService` and `CacheXHealthIndicator`, as an
 * orchestrator probes it: 200 with every cache up, 503 naming the cache whose server was killed
 * (answered within the health timeout), 200 again once the server is back. On Express and on
 * Fastify, each with a private Redis server that the test kills and restarts.
 */
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import request from 'supertest';
import { CacheXModule } from 'nestjs-cachex';
import { CacheXHealthIndicator } from 'nestjs-cachex/health';
import { uniquePrefix } from '../contract/cache.contract.js';
import { sleep } from '../contract/open-caches.js';
import { spawnRedis, type SpawnedRedis } from '../harness/index.js';
import { ADAPTERS, bootHttpApp } from '../support/http-app.js';

const HEALTH_TIMEOUT_MS = 500;
/** How long a probe may take with a server down: the health timeout, plus a margin for HTTP. */
const PROBE_BOUND_MS = HEALTH_TIMEOUT_MS + 1000;
const RECOVERY_BOUND_MS = 15_000;

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly caches: CacheXHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.caches.isHealthy(['default', 'remote'], { timeout: HEALTH_TIMEOUT_MS }),
    ]);
  }
}

describe.each(ADAPTERS)('GET /health with terminus (%s)', (adapter) => {
  let server: SpawnedRedis;
  let app: INestApplication;

  beforeAll(async () => {
    server = await spawnRedis();
    @Module({
      imports: [
        TerminusModule.forRoot({ logger: false }),
        CacheXModule.forRoot({
          default: { location: 'memory://' },
          remote: {
            location: `redis://${server.host}:${server.port}`,
            keyPrefix: uniquePrefix(),
            redis: { commandTimeout: 300 },
          },
        }),
      ],
      controllers: [HealthController],
      providers: [CacheXHealthIndicator],
    })
    class HealthModule {}
    app = await bootHttpApp(HealthModule, adapter);
  });

  afterAll(async () => {
    await app?.close();
    await server?.stop();
  });

  it('answers 200 with every cache up, 503 naming the killed one, and 200 once it is back', async () => {
    const up = await request(app.getHttpServer()).get('/health');
    expect(up.status).toBe(200);
    expect(up.body).toStrictEqual({
      status: 'ok',
      info: {
        'cache:default': { status: 'up', pingMs: expect.any(Number) },
        'cache:remote': { status: 'up', pingMs: expect.any(Number) },
      },
      error: {},
      details: expect.any(Object),
    });

    await server.stop();
    const started = Date.now();
    const down = await request(app.getHttpServer()).get('/health');
    const tookMs = Date.now() - started;
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('error');
    expect(down.body.info).toStrictEqual({
      'cache:default': { status: 'up', pingMs: expect.any(Number) },
    });
    expect(down.body.error['cache:remote']).toStrictEqual({
      status: 'down',
      message: expect.stringContaining("Cache 'remote'"),
    });
    expect(tookMs).toBeLessThan(PROBE_BOUND_MS);

    await server.restart();
    const deadline = Date.now() + RECOVERY_BOUND_MS;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await request(app.getHttpServer()).get('/health')).status;
      if (status === 200) break;
      await sleep(100);
    }
    expect(status).toBe(200);
  });
});
