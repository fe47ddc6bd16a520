import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CacheXConfigError,
  CacheXModule,
  RateLimit,
  RateLimiter,
  type RateLimitModuleOptions,
} from '../../../lib/index.js';

@Injectable()
class Quota {
  constructor(readonly limiter: RateLimiter) {}

  @RateLimit({ limit: 1, window: '1m' })
  async run(): Promise<string> {
    return 'ran';
  }
}

@Module({ providers: [Quota], exports: [Quota] })
class QuotaModule {}

const caches = { default: { location: 'memory://' } };

describe('CacheXModule and rate limiting', () => {
  it('provides RateLimiter to feature modules; decorators use the same counters', async () => {
    const app = await Test.createTestingModule({
      imports: [CacheXModule.forRoot(caches), QuotaModule],
    }).compile();
    await app.init();
    const quota = app.get(Quota);
    expect(quota.limiter).toBeInstanceOf(RateLimiter);
    expect(quota.limiter).toBe(app.get(RateLimiter));
    expect(await quota.run()).toBe('ran');
    const state = await quota.limiter.peek('Quota.run|default|*', { limit: 1, window: '1m' });
    expect(state.remaining).toBe(0);
    expect(await quota.limiter.reset('Quota.run|default|*')).toBe(true);
    expect(await quota.run()).toBe('ran');
    await app.close();
  });

  it('forRootAsync takes the rateLimit option too', async () => {
    const app = await Test.createTestingModule({
      imports: [
        CacheXModule.forRootAsync({
          useFactory: () => caches,
          rateLimit: { onBackendError: 'deny' },
        }),
      ],
    }).compile();
    await app.init();
    expect(app.get(RateLimiter).settings.onBackendError).toBe('deny');
    await app.close();
  });

  describe('an invalid rateLimit option fails when the module is declared', () => {
    it.each<[unknown, string, RegExp]>([
      [
        { default: { limit: 5, window: 'x' } },
        'rateLimit.default.window',
        /^CacheXModule: option `rateLimit.default.window` is not a valid duration: 'x'/,
      ],
      [
        {
          default: [
            { limit: 5, window: '1s' },
            { limit: -1, window: '1s' },
          ],
        },
        'rateLimit.default[1].limit',
        /^CacheXModule: option `rateLimit.default\[1\].limit` must be a positive integer/,
      ],
      [
        {
          default: [
            { limit: 5, window: '1s' },
            { limit: 9, window: '1m' },
          ],
        },
        'rateLimit.default[1].name',
        /two limits are named 'default'/,
      ],
      [
        { default: { limit: 5, window: '1s', key: () => 'k' } },
        'rateLimit.default.key',
        /`rateLimit.default.key` is for provider methods/,
      ],
      [{ headers: 'ietf-draft' }, 'rateLimit.headers', /must be one of ietf, legacy, both, none/],
      [{ userPath: 'user..id' }, 'rateLimit.userPath', /must be a dotted path/],
      [{ onBackendError: 'ignore' }, 'rateLimit.onBackendError', /must be one of allow/],
      [{ trustProxy: true }, 'rateLimit.trustProxy', /unknown option `rateLimit.trustProxy`/],
      ['100/min', 'rateLimit', /option `rateLimit` must be an object/],
    ])('%j', (rateLimit, option, message) => {
      let error: unknown;
      try {
        CacheXModule.forRoot(caches, { rateLimit: rateLimit as RateLimitModuleOptions });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CacheXConfigError);
      expect((error as CacheXConfigError).option).toBe(option);
      expect((error as Error).message).toMatch(message);
    });
  });
});
