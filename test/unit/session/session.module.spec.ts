import {
  Catch,
  Controller,
  Get,
  Module,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  CacheXConfigError,
  CacheXModule,
  Session,
  SessionHandle,
  type CachesConfig,
  type CacheXModuleOptions,
} from '../../../lib/index.js';

const SECRET = 'a-test-secret-of-at-least-32-characters';

@Controller()
class ReadController {
  @Get('read')
  read(@Session() session: SessionHandle) {
    return session.all();
  }
}

/** Answers any error with its name, so that the test sees which error a route threw. */
@Catch()
class NameFilter implements ExceptionFilter {
  catch(error: Error, host: ArgumentsHost) {
    host
      .switchToHttp()
      .getResponse()
      .status(500)
      .json({ name: error.name, message: error.message });
  }
}

async function start(caches: CachesConfig, options: CacheXModuleOptions) {
  @Module({
    imports: [CacheXModule.forRoot(caches, options)],
    controllers: [ReadController],
    providers: [{ provide: APP_FILTER, useClass: NameFilter }],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('sessions in CacheXModule', () => {
  it('refuses a missing secret when forRoot is called', () => {
    expect(() => CacheXModule.forRoot({ default: {} }, { session: {} as never })).toThrow(
      CacheXConfigError,
    );
    expect(() =>
      CacheXModule.forRootAsync({
        useFactory: () => ({ default: {} }),
        session: { secret: 'short' },
      }),
    ).toThrow(/session\.secret/);
  });

  it('fails at start-up for an unknown session cache, listing the registered ones', async () => {
    await expect(
      start({ default: { ttl: '1h' } }, { session: { secret: SECRET, cache: 'sessions' } }),
    ).rejects.toThrow(/cache 'sessions', which is not registered. Registered caches: default/);
  });

  it('fails at start-up when sessions would never expire', async () => {
    const error = await start({ default: { ttl: null } }, { session: { secret: SECRET } }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(CacheXConfigError);
    expect(error.message).toMatch(/would never expire/);
    const app = await start({ default: { ttl: null } }, { session: { secret: SECRET, ttl: '1h' } });
    await app.close();
  });

  it('works with forRootAsync', async () => {
    @Module({
      imports: [
        CacheXModule.forRootAsync({
          useFactory: () => ({ default: { ttl: '1h' } }),
          session: { secret: SECRET },
        }),
      ],
      controllers: [ReadController],
    })
    class AsyncModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AsyncModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      expect((await request(app.getHttpServer()).get('/read').expect(200)).body).toEqual({});
    } finally {
      await app.close();
    }
  });

  it('@Session() without the session option throws SessionError, saying how to enable it', async () => {
    const app = await start({ default: {} }, {});
    try {
      const res = await request(app.getHttpServer()).get('/read').expect(500);
      expect(res.body.name).toBe('SessionError');
      expect(res.body.message).toMatch(/module option `session`/);
    } finally {
      await app.close();
    }
  });
});
