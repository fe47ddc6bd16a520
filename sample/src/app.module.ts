import { Module, type DynamicModule } from '@nestjs/common';
import { CacheXModule, type CachesConfig } from 'nestjs-cachex';
import { CounterModule } from './counter/counter.module.js';
import { HealthModule } from './health/health.module.js';
import { LeaderboardModule } from './leaderboard/leaderboard.module.js';
import { ProductsModule } from './products/products.module.js';
import { ReportsModule } from './reports/reports.module.js';
import { SearchModule } from './search/search.module.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { UsersModule } from './users/users.module.js';

/** Where the sample's caches live and how their keys are prefixed. */
export interface SampleOptions {
  /**
   * Location of both caches: `memory://`, `redis://host:port/db`, `valkey://…`.
   * @default 'memory://'
   */
  location?: string;
  /**
   * Key prefix of the `default` cache; the `sessions` cache uses `<keyPrefix>-sessions`.
   * @default 'sample'
   */
  keyPrefix?: string;
  /**
   * The secret that signs session cookies (at least 32 characters).
   * @default process.env.SESSION_SECRET, else a development-only secret
   */
  sessionSecret?: string;
}

/** Never use it in production: anyone who reads this file can forge session cookies. */
const DEVELOPMENT_SECRET = 'development-only-secret-of-the-nestjs-cachex-sample';

/**
 * The sample's caches: `default` (injected as `CacheService`) and `sessions` (the log-in sessions
 * of the module option `session`), on the same server but under different key prefixes, sessions
 * living 14 days.
 */
export function sampleCaches({
  location = 'memory://',
  keyPrefix = 'sample',
}: SampleOptions = {}): CachesConfig {
  return {
    default: { location, keyPrefix },
    sessions: { location, keyPrefix: `${keyPrefix}-sessions`, ttl: '14d' },
  };
}

/**
 * The sample application: one feature module per recipe. `CacheXModule` is global, so the
 * feature modules inject caches without importing it.
 *
 * @example NestFactory.create(AppModule.forRoot({ location: 'redis://127.0.0.1:6379/0' }))
 */
@Module({})
export class AppModule {
  static forRoot(options: SampleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CacheXModule.forRoot(sampleCaches(options), {
          session: {
            cache: 'sessions',
            secret: options.sessionSecret ?? process.env.SESSION_SECRET ?? DEVELOPMENT_SECRET,
          },
        }),
        ProductsModule,
        UsersModule,
        SessionsModule,
        CounterModule,
        LeaderboardModule,
        HealthModule,
        ReportsModule,
        SearchModule,
      ],
    };
  }
}
