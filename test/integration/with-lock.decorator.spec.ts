/**
 * `@WithLock` in a Nest application, on the memory backend and on Redis: on a service, on a
 * controller route (over HTTP, its route, status and guard metadata kept), on a provider built by
 * `useFactory`, with a lock name from the arguments, `onLocked: 'skip'`, `currentLock()`, a named
 * cache, and its errors.
 */
import {
  Controller,
  HttpCode,
  Injectable,
  Module,
  Post,
  SetMetadata,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  CacheRegistry,
  CacheXConfigError,
  CacheXError,
  CacheXModule,
  LockAcquireTimeoutError,
  LockLostError,
  WithLock,
  currentLock,
  type CacheService,
} from '../../lib/index.js';
import { escapeGlob } from '../../lib/utils/glob.js';
import { uniquePrefix } from '../contract/cache.contract.js';
import { testServers } from '../harness/index.js';

const ROLE = 'test:role';

/** Lets a request through when its `x-role` header is the role the handler's metadata asks for. */
@Injectable()
class RoleGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const role = this.reflector.get<string>(ROLE, context.getHandler());
    return context.switchToHttp().getRequest().headers['x-role'] === role;
  }
}

/** Counts how many calls run at once, to prove that the lock excludes them. */
class Overlap {
  inside = 0;
  max = 0;
  async during<T>(ms: number, result: T): Promise<T> {
    this.max = Math.max(this.max, ++this.inside);
    await sleep(ms);
    this.inside--;
    return result;
  }
}

@Injectable()
class PaymentsService {
  readonly overlap = new Overlap();

  @WithLock('payments', { wait: '20s' })
  async process(ms: number): Promise<string> {
    return this.overlap.during(ms, 'processed');
  }

  @WithLock((invoiceId: string) => `invoice:${invoiceId}`)
  async settle(invoiceId: string): Promise<string> {
    await sleep(150);
    return `settled ${invoiceId}`;
  }

  @WithLock('nightly', { onLocked: 'skip' })
  async nightly(): Promise<string | undefined> {
    await sleep(150);
    return 'ran';
  }

  @WithLock('inspect', { lease: '10s' })
  async inspect(): Promise<{ name: string; fencingToken: number; aborted: boolean }> {
    const lock = currentLock()!;
    return { name: lock.name, fencingToken: lock.fencingToken!, aborted: lock.signal.aborted };
  }

  @WithLock('overrun', { lease: 100 })
  async overrun(): Promise<string> {
    await sleep(300);
    return 'too late';
  }

  @WithLock('locks-cache', { cache: 'locks' })
  async inLocksCache(inside: () => void, leave: Promise<void>): Promise<string> {
    inside();
    await leave;
    return 'done';
  }

  @WithLock('fails')
  async fails(): Promise<never> {
    throw new Error('the work failed');
  }
}

/** Built by `useFactory`, not by Nest's class instantiation. */
class ReportJob {
  readonly overlap = new Overlap();
  constructor(readonly label: string) {}

  @WithLock('report-job', { wait: '20s' })
  async run(): Promise<string> {
    return this.overlap.during(30, this.label);
  }
}

@Controller('jobs')
class JobsController {
  runs = 0;
  /** A run stays inside the lock until this settles. */
  leave: Promise<void> = Promise.resolve();

  // Decorators apply bottom-up: HttpCode, SetMetadata and UseGuards write their metadata on the
  // original method, which @WithLock must copy to its wrapper; @Post comes after the wrapping.
  @Post('run')
  @WithLock('route-lock', { onLocked: 'skip' })
  @HttpCode(202)
  @SetMetadata(ROLE, 'operator')
  @UseGuards(RoleGuard)
  async run(): Promise<{ ran: true; fencingToken: number } | undefined> {
    this.runs++;
    await this.leave;
    return { ran: true, fencingToken: currentLock()!.fencingToken! };
  }
}

@Module({
  controllers: [JobsController],
  providers: [
    PaymentsService,
    { provide: ReportJob, useFactory: () => new ReportJob('from a factory') },
  ],
})
class JobsModule {}

it('a decorated method called with no application initialised says how to fix it', async () => {
  const error = await new PaymentsService().inspect().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CacheXError);
  expect((error as Error).message).toContain('@WithLock on PaymentsService.inspect');
  expect((error as Error).message).toContain('CacheXModule');
});

it('refuses invalid options when the class is defined', () => {
  const define = (options: object) => () => {
    class Broken {
      @WithLock('x', options)
      async m(): Promise<void> {}
    }
    return Broken;
  };
  for (const [options, option] of [
    [{ lease: 'soon' }, 'lease'],
    [{ wait: -5 }, 'wait'],
    [{ onLocked: 'ignore' }, 'onLocked'],
    [{ autoExtend: 1 }, 'autoExtend'],
  ] as const) {
    let error: unknown;
    try {
      define(options)();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CacheXConfigError);
    expect((error as CacheXConfigError).option).toBe(option);
    expect((error as Error).message).toContain('@WithLock on Broken.m');
  }
});

it('accepts async methods only (checked by the compiler)', () => {
  class Sync {
    // @ts-expect-error: a lock must be held until the method's promise settles
    @WithLock('x')
    sync(): number {
      return 1;
    }
  }
  expect(Sync).toBeDefined();
});

const backends = [
  { kind: 'memory', location: () => 'memory://' },
  { kind: 'redis', location: () => testServers().redis.url },
];

describe.each(backends)('@WithLock on the $kind backend', ({ location }) => {
  let app: INestApplication;
  let payments: PaymentsService;
  let prefix: string;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    prefix = uniquePrefix();
    const moduleRef = await Test.createTestingModule({
      imports: [
        CacheXModule.forRoot({
          default: { location: location(), keyPrefix: prefix },
          locks: { location: location(), keyPrefix: `${prefix}-locks` },
        }),
        JobsModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    payments = app.get(PaymentsService);
  });

  afterAll(async () => {
    const registry = app.get(CacheRegistry);
    for (const name of registry.names()) await removeInternalKeys(registry.get(name));
    await app.close();
  });

  it('on a service: concurrent calls run one at a time', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => payments.process(20)));
    expect(results).toEqual(Array(5).fill('processed'));
    expect(payments.overlap.max).toBe(1);
  });

  it('the lock name may come from the arguments; wait 0 throws LockAcquireTimeoutError', async () => {
    const [a, b, c] = await Promise.allSettled([
      payments.settle('A'),
      payments.settle('A'),
      payments.settle('B'),
    ]);
    expect(a).toEqual({ status: 'fulfilled', value: 'settled A' });
    expect(b.status).toBe('rejected');
    expect((b as PromiseRejectedResult).reason).toBeInstanceOf(LockAcquireTimeoutError);
    expect((b as PromiseRejectedResult).reason.lock).toBe('invoice:A');
    expect(c).toEqual({ status: 'fulfilled', value: 'settled B' });
  });

  it("onLocked: 'skip' resolves to undefined without running the method", async () => {
    const results = await Promise.all([payments.nightly(), payments.nightly()]);
    expect(results.sort()).toEqual(['ran', undefined]);
    expect(await payments.nightly()).toBe('ran');
  });

  it('currentLock() gives the method its lock', async () => {
    const first = await payments.inspect();
    expect(first).toEqual({ name: 'inspect', fencingToken: expect.any(Number), aborted: false });
    expect((await payments.inspect()).fencingToken).toBeGreaterThan(first.fencingToken);
  });

  it('a method that outlives its lease rejects with LockLostError', async () => {
    await expect(payments.overrun()).rejects.toBeInstanceOf(LockLostError);
  });

  it("a method's own error propagates, and the lock is released", async () => {
    await expect(payments.fails()).rejects.toThrow('the work failed');
    await expect(payments.fails()).rejects.toThrow('the work failed');
  });

  it('the cache option picks a named cache', async () => {
    const [leave, letLeave] = signal();
    const [inside, entered] = signal();
    const running = payments.inLocksCache(entered, leave);
    await inside;
    const registry = app.get(CacheRegistry);
    expect(await registry.get('locks').lock('locks-cache').acquire()).toBe(false);
    const other = registry.get('default').lock('locks-cache');
    expect(await other.acquire()).toBe(true);
    await other.release();
    letLeave();
    expect(await running).toBe('done');
  });

  it('on a provider built by useFactory', async () => {
    const job = app.get(ReportJob);
    const results = await Promise.all([job.run(), job.run(), job.run()]);
    expect(results).toEqual(Array(3).fill('from a factory'));
    expect(job.overlap.max).toBe(1);
  });

  describe('on a controller route', () => {
    it('keeps the route, status code and guard metadata', async () => {
      expect(Reflect.getMetadata(PATH_METADATA, JobsController.prototype.run)).toBe('run');
      await http().post('/jobs/run').expect(403);
      const res = await http().post('/jobs/run').set('x-role', 'operator').expect(202);
      expect(res.body).toEqual({ ran: true, fencingToken: expect.any(Number) });
    });

    it('two concurrent requests: one runs, the other is skipped', async () => {
      const controller = app.get(JobsController);
      const before = controller.runs;
      const [leave, letLeave] = signal();
      controller.leave = leave;
      try {
        const requests = [1, 2].map(() =>
          http()
            .post('/jobs/run')
            .set('x-role', 'operator')
            .then((res) => res),
        );
        // The run holds the lock until told to leave, so the first answer is the skipped one,
        // however late the second request arrives.
        const skipped = await Promise.race(requests);
        expect(skipped.status).toBe(202);
        expect(skipped.body?.ran).toBeUndefined();
        letLeave();
        const responses = await Promise.all(requests);
        for (const res of responses) expect(res.status).toBe(202);
        const ran = responses.filter((res) => res.body?.ran === true);
        expect(ran).toHaveLength(1);
        expect(controller.runs).toBe(before + 1);
      } finally {
        letLeave();
        controller.leave = Promise.resolve();
      }
    });
  });
});

/** Removes the lock keys (fencing counters never expire) a test left on a shared server. */
async function removeInternalKeys(cache: CacheService): Promise<void> {
  for await (const keys of cache.backend.scan(
    `${escapeGlob(cache.keyBuilder.prefix)}:cachex:*`,
    100,
  )) {
    await cache.backend.delete(keys);
  }
}

/** A promise and the function that resolves it. */
function signal(): [Promise<void>, () => void] {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return [promise, resolve];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
