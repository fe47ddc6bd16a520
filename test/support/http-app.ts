import type { INestApplication, Type } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { testServers } from '../harness/index.js';

/** The HTTP adapters every e2e scenario runs on. */
export type AdapterName = 'express' | 'fastify';

/** Both adapters, for scenarios that run on one backend. */
export const ADAPTERS: readonly AdapterName[] = ['express', 'fastify'];

/**
 * Every e2e scenario's backends × adapters: memory and the harness' Redis, each on Express and
 * on Fastify. `location` is lazy: `testServers()` needs the servers project's global set-up.
 */
export const httpMatrix = (['memory', 'redis'] as const).flatMap((backend) =>
  (['express', 'fastify'] as const).map((adapter) => ({
    backend,
    adapter,
    location: () => (backend === 'memory' ? 'memory://' : testServers().redis.url),
  })),
);

/**
 * Boots a Nest application of `module` on an adapter, without logs, ready to answer (Fastify's
 * `ready()` awaited). `trustProxy` sets Express' `trust proxy` or Fastify's `trustProxy`.
 */
export async function bootHttpApp(
  module: Type<unknown>,
  adapter: AdapterName,
  trustProxy = false,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  if (adapter === 'fastify') {
    const app = moduleRef.createNestApplication(new FastifyAdapter({ trustProxy }), {
      logger: false,
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return app;
  }
  const app = moduleRef.createNestApplication(new ExpressAdapter(), { logger: false });
  app.getHttpAdapter().getInstance().set('trust proxy', trustProxy);
  await app.init();
  return app;
}
