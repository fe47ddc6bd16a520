import { randomUUID } from 'node:crypto';
import {
  Controller,
  Get,
  HttpException,
  Injectable,
  Module,
  SetMetadata,
  type ExecutionContext,
} from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  CacheXConfigError,
  CacheXError,
  CacheXModule,
  RateLimit,
  RateLimitExceededError,
  RateLimitGuard,
  RateLimiter,
  SkipRateLimit,
  type RateLimitDefinition,
} from '../../../lib/index.js';

@Injectable()
class Mailer {
  sent: string[] = [];

  @RateLimit({ limit: 2, window: '1m', key: (email: string) => email })
  async sendReset(email: string): Promise<string> {
    this.sent.push(email);
    return `sent to ${email}`;
  }

  @RateLimit({ limit: 1, window: '1m' })
  async report(): Promise<string> {
    return 'report';
  }

  @RateLimit({ limit: 3, window: '1m', name: 'hourly', key: (id: number) => String(id) })
  @RateLimit({ limit: 1, window: '1m', name: 'burst', key: (id: number) => String(id) })
  async stacked(id: number): Promise<number> {
    return id;
  }

  @RateLimit({ limit: 1, window: '1m', by: 'user' })
  async needsRequest(): Promise<void> {}

  @RateLimit({ limit: 1, window: '1m', key: () => '' })
  async emptyKey(): Promise<void> {}

  @RateLimit({ limit: 1, window: '1m', cache: 'nope' })
  async unknownCache(): Promise<void> {}
}

/** Built by a factory, as many providers are: the decorator must not depend on DI. */
class Sms {
  constructor(readonly prefix: string) {}

  @SetMetadata('before', 'kept')
  @RateLimit({ limit: 1, window: '1m', key: (to: string) => to })
  @SetMetadata('after', 'kept too')
  async send(to: string): Promise<string> {
    return `${this.prefix} ${to}`;
  }
}

@Controller('gateway')
class EventsGateway {
  handled = 0;

  @RateLimit({ limit: 1, window: '1m' })
  @Get()
  async onMessage(): Promise<string> {
    this.handled++;
    return 'pong';
  }

  @RateLimit({
    limit: 1,
    window: '1m',
    by: (context) => String(context.switchToRpc().getData<{ tenant: string }>().tenant),
  })
  async onPattern(): Promise<void> {}

  @RateLimit({ limit: 1, window: '1m' })
  async onPatternByIp(): Promise<void> {}

  @SkipRateLimit()
  async free(): Promise<void> {}
}

@Module({
  providers: [Mailer, { provide: Sms, useFactory: () => new Sms('SMS to') }],
  exports: [Mailer, Sms],
})
class FeatureModule {}

const opened: TestingModule[] = [];

async function boot(): Promise<TestingModule> {
  const app = await Test.createTestingModule({
    imports: [
      CacheXModule.forRoot({ default: { location: `memory://${randomUUID()}` } }),
      FeatureModule,
    ],
  }).compile();
  await app.init();
  opened.push(app);
  return app;
}

afterEach(async () => {
  for (const app of opened.splice(0)) await app.close();
});

/** A guard run as Nest runs it: one fresh context per call. */
async function guardRun(
  type: string,
  args: unknown[],
  instance: object,
  method: (...args: never[]) => unknown,
): Promise<boolean> {
  const context = new ExecutionContextHost(
    args,
    instance.constructor as never,
    method as unknown as () => void,
  );
  context.setType(type);
  return new RateLimitGuard().canActivate(context as ExecutionContext);
}

describe('@RateLimit on a provider method', () => {
  it('throws RateLimitExceededError over the limit, before the method runs', async () => {
    const app = await boot();
    const mailer = app.get(Mailer);
    expect(await mailer.sendReset('ada@example.com')).toBe('sent to ada@example.com');
    await mailer.sendReset('ada@example.com');
    const error = await mailer.sendReset('ada@example.com').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitExceededError);
    expect(error).toBeInstanceOf(CacheXError);
    expect(error).not.toBeInstanceOf(HttpException);
    expect(error).toMatchObject({
      name: 'RateLimitExceededError',
      limitName: 'default',
      key: 'Mailer.sendReset|default|key:ada@example.com',
      limit: 2,
      windowMs: 60_000,
    });
    const { retryAfterMs } = error as RateLimitExceededError;
    expect(retryAfterMs).toBeGreaterThan(59_000);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
    expect((error as Error).message).toBe(
      `Rate limit 'default' (2 per 60000 ms) exceeded for 'Mailer.sendReset|default|key:ada@example.com'; retry in ${retryAfterMs} ms.`,
    );
    expect(mailer.sent).toEqual(['ada@example.com', 'ada@example.com']);
    // Another key has its own budget.
    expect(await mailer.sendReset('bob@example.com')).toBe('sent to bob@example.com');
  });

  it('without `key`, shares one budget among all calls', async () => {
    const app = await boot();
    await app.get(Mailer).report();
    await expect(app.get(Mailer).report()).rejects.toThrow(RateLimitExceededError);
  });

  it('applies stacked limits; a call one limit refuses counts against none', async () => {
    const app = await boot();
    const mailer = app.get(Mailer);
    const limiter = app.get(RateLimiter);
    expect(await mailer.stacked(7)).toBe(7);
    for (let i = 0; i < 3; i++) {
      const error = await mailer.stacked(7).catch((e: unknown) => e);
      expect(error).toMatchObject({ limitName: 'burst' });
    }
    const hourly = await limiter.peek('Mailer.stacked|hourly|key:7', { limit: 3, window: '1m' });
    expect(hourly.remaining).toBe(2);
    expect(await mailer.stacked(8)).toBe(8);
  });

  it('works on a provider built by useFactory and on a class created with new', async () => {
    const app = await boot();
    const sms = app.get(Sms);
    expect(await sms.send('+100')).toBe('SMS to +100');
    await expect(sms.send('+100')).rejects.toThrow(RateLimitExceededError);
    // Another instance counts in the same budget: the limit belongs to the method.
    await expect(new Sms('x').send('+100')).rejects.toThrow(RateLimitExceededError);
    expect(await new Sms('other').send('+200')).toBe('other +200');
  });

  it("keeps the method's name and metadata, whatever the decorator order", () => {
    const method = Sms.prototype.send;
    expect(method.name).toBe('send');
    expect(Reflect.getMetadata('before', method)).toBe('kept');
    expect(Reflect.getMetadata('after', method)).toBe('kept too');
  });

  it('needs an initialised application', async () => {
    await expect(new Sms('x').send('+300')).rejects.toThrow(
      /@RateLimit on Sms\.send needs a cache.*CacheXModule/s,
    );
  });

  it('refuses `by` outside a request, a key function giving no string, an unknown cache', async () => {
    const app = await boot();
    const mailer = app.get(Mailer);
    const byError = await mailer.needsRequest().catch((e: unknown) => e);
    expect(byError).toBeInstanceOf(CacheXConfigError);
    expect((byError as Error).message).toMatch(/needsRequest: `by` needs a request.*`key:/);
    await expect(mailer.emptyKey()).rejects.toThrow(
      /@RateLimit on Mailer\.emptyKey: `key` must give a non-empty string, got ''/,
    );
    await expect(mailer.unknownCache()).rejects.toThrow(/cache 'nope'.*Registered caches/);
  });
});

describe('@RateLimit declarations are checked when the class is declared', () => {
  const declare = (definition: unknown) => () => {
    class Service {
      @RateLimit(definition as RateLimitDefinition)
      async run(): Promise<void> {}
    }
    return Service;
  };

  it.each([
    [{ limit: 0, window: '1s' }, 'limit', /`limit` must be a positive integer, got number 0/],
    [{ limit: 5, window: 'soon' }, 'window', /`window` is not a valid duration: 'soon'/],
    [{ limit: 5, window: 0 }, 'window', /`window` must be a whole number of milliseconds ≥ 1/],
    [{ limit: 5, window: '1s', algorithm: 'leaky' }, 'algorithm', /must be one of sliding-log/],
    [{ limit: 5, window: '1s', by: 'cookie' }, 'by', /'ip', 'user', 'session' or a function/],
    [{ limit: 5, window: '1s', name: 'émoji' }, 'name', /printable ASCII/],
    [{ limit: 5, window: '1s', by: 'ip', key: () => 'k' }, 'key', /cannot be combined with `by`/],
    [{ limit: 5, window: '1s', onBackendError: 'panic' }, 'onBackendError', /must be one of/],
    [{ limit: 5, window: '1s', windw: '1m' }, 'windw', /unknown option `windw`/],
  ])('%j: CacheXConfigError naming `%s`', (definition, option, message) => {
    let error: unknown;
    try {
      declare(definition)();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CacheXConfigError);
    expect(error).toMatchObject({ option });
    expect((error as Error).message).toMatch(/^@RateLimit on Service\.run: /);
    expect((error as Error).message).toMatch(message);
  });

  it('two limits of one method need different names', () => {
    expect(() => {
      class Service {
        @RateLimit({ limit: 1, window: '1s' })
        @RateLimit({ limit: 2, window: '1m' })
        async run(): Promise<void> {}
      }
      return Service;
    }).toThrow(/two limits are named 'default'/);
  });

  it('a limit must be an object', () => {
    expect(declare('100/min')).toThrow(
      "@RateLimit on Service.run: the limit must be an object, got '100/min'.",
    );
  });
});

describe('RateLimitGuard on gateways, microservices and resolvers', () => {
  it('ws: counts the client by its address and throws RateLimitExceededError, not an HTTP error', async () => {
    const app = await boot();
    const gateway = new EventsGateway();
    const client = { handshake: { address: '10.0.0.1' } };
    expect(await guardRun('ws', [client, {}], gateway, gateway.onMessage)).toBe(true);
    const error = await guardRun('ws', [client, {}], gateway, gateway.onMessage).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RateLimitExceededError);
    expect(error).toMatchObject({ key: 'EventsGateway.onMessage|default|ip:10.0.0.1' });
    const other = { _socket: { remoteAddress: '10.0.0.2' } };
    expect(await guardRun('ws', [other, {}], gateway, gateway.onMessage)).toBe(true);
    await app.close();
  });

  it('after the guard ran for a handler, calling it does not count a second time', async () => {
    await boot();
    const gateway = new EventsGateway();
    const client = { handshake: { address: '10.0.0.3' } };
    await guardRun('ws', [client, {}], gateway, gateway.onMessage);
    expect(await gateway.onMessage()).toBe('pong');
    expect(await gateway.onMessage()).toBe('pong');
    expect(gateway.handled).toBe(2);
  });

  it('rpc: counts by the `by` function; without one there is no client to count', async () => {
    await boot();
    const gateway = new EventsGateway();
    expect(await guardRun('rpc', [{ tenant: 'a' }, {}], gateway, gateway.onPattern)).toBe(true);
    await expect(
      guardRun('rpc', [{ tenant: 'a' }, {}], gateway, gateway.onPattern),
    ).rejects.toThrow(RateLimitExceededError);
    expect(await guardRun('rpc', [{ tenant: 'b' }, {}], gateway, gateway.onPattern)).toBe(true);
    const error = await guardRun('rpc', [{}, {}], gateway, gateway.onPatternByIp).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CacheXConfigError);
    expect((error as Error).message).toMatch(
      /EventsGateway.onPatternByIp: cannot tell the client's IP address in a 'rpc' context; give the limit `by:/,
    );
  });

  it('graphql: reads the request from the GraphQL context; no response needed', async () => {
    await boot();
    const gateway = new EventsGateway();
    const args = [{}, {}, { req: { ip: '10.1.1.1' } }, {}];
    expect(await guardRun('graphql', args, gateway, gateway.onMessage)).toBe(true);
    await expect(guardRun('graphql', args, gateway, gateway.onMessage)).rejects.toThrow(
      RateLimitExceededError,
    );
  });

  it('http without a response object (a custom adapter) does not crash', async () => {
    await boot();
    const gateway = new EventsGateway();
    const args = [{ ip: '10.2.2.2' }, undefined];
    expect(await guardRun('http', args, gateway, gateway.onMessage)).toBe(true);
    await expect(guardRun('http', args, gateway, gateway.onMessage)).rejects.toThrow(HttpException);
  });

  it('a `key` limit on a handler is a configuration error: handlers use `by`', async () => {
    await boot();
    class Misplaced {
      @RateLimit({ limit: 1, window: '1m', key: (id: string) => id })
      async handle(id: string): Promise<string> {
        return id;
      }
    }
    const instance = new Misplaced();
    await expect(
      guardRun('http', [{ ip: '10.3.3.3' }, undefined], instance, instance.handle),
    ).rejects.toThrow(/Misplaced.handle: `key` is a function of a provider method's arguments/);
  });

  it('getTracker is an extension point', async () => {
    await boot();
    class TenantGuard extends RateLimitGuard {
      protected override async getTracker(context: ExecutionContext): Promise<string> {
        return `tenant:${context.switchToHttp().getRequest<{ tenant: string }>().tenant}`;
      }
    }
    const gateway = new EventsGateway();
    const run = (tenant: string) => {
      const context = new ExecutionContextHost(
        [{ tenant, ip: '10.4.4.4' }, undefined],
        EventsGateway,
        gateway.onMessage,
      );
      return new TenantGuard().canActivate(context);
    };
    expect(await run('t1')).toBe(true);
    expect(await run('t2')).toBe(true);
    await expect(run('t1')).rejects.toThrow(HttpException);
  });

  it('lets a handler without limits through', async () => {
    await boot();
    const gateway = new EventsGateway();
    for (let i = 0; i < 3; i++)
      expect(await guardRun('rpc', [{}], gateway, gateway.free)).toBe(true);
  });
});
