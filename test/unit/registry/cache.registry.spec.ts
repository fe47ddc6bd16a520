import type { LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheXModule, type CachesConfig } from '../../../lib/index.js';

/** The warnings Nest's Logger receives, with their context. */
class WarningLog implements LoggerService {
  readonly warnings: Array<{ message: string; context: string }> = [];
  log(): void {}
  error(): void {}
  warn(message: string, context: string): void {
    this.warnings.push({ message, context });
  }
}

/** Starts an app with these caches and answers the warnings logged while it started. */
async function startupWarnings(caches: CachesConfig): Promise<WarningLog['warnings']> {
  const log = new WarningLog();
  const app = await Test.createTestingModule({ imports: [CacheXModule.forRoot(caches)] })
    .setLogger(log)
    .compile();
  await app.init();
  await app.close();
  return log.warnings;
}

describe('CacheRegistry: a ttl that looks like seconds', () => {
  it('warns once, in the cache’s log context, when a plain-number ttl is under 1 s', async () => {
    const warnings = await startupWarnings({
      default: { location: 'memory://', ttl: 300 },
      sessions: { location: 'memory://sessions', ttl: 999 },
      pages: { location: 'memory://pages', ttl: 1000 },
    });
    expect(warnings).toEqual([
      {
        context: 'CacheX:default',
        message:
          "Cache 'default': option `ttl` is 300 ms; did you mean '300s'? " +
          "A plain number is milliseconds; write '300ms' to keep 300 ms without this warning.",
      },
      {
        context: 'CacheX:sessions',
        message: expect.stringContaining("is 999 ms; did you mean '999s'?"),
      },
    ]);
  });

  it('does not warn for 1 s or more, a duration string, null or the default', async () => {
    const warnings = await startupWarnings({
      default: { location: 'memory://' },
      second: { location: 'memory://second', ttl: 1000 },
      short: { location: 'memory://short', ttl: '300ms' },
      forever: { location: 'memory://forever', ttl: null },
      day: { location: 'memory://day', ttl: '1d' },
    });
    expect(warnings).toEqual([]);
  });
});
