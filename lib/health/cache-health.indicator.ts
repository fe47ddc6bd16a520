import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { DEFAULT_CACHE } from '../cachex.constants.js';
import { MESSAGES } from '../cachex.messages.js';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { CacheRegistry } from '../registry/cache.registry.js';
import { describe, parseDuration } from '../utils/duration.js';
import type { CacheHealthOptions } from './cache-health-options.interface.js';

/** The default PING timeout of a health check: 1 s. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 1000;

const TIMED_OUT = Symbol('timed out');

/**
 * A `@nestjs/terminus` health indicator for the named caches: one PING per cache, its round
 * trip in **milliseconds** as `pingMs`. A cache is `down` when the PING fails or takes longer
 * than `timeout`; the memory backend is always `up`. Import it from `nestjs-cachex/health` (the
 * main entry point does not need `@nestjs/terminus`), and provide it in a module that imports
 * `TerminusModule`.
 * @example
 * @Controller('health')
 * class HealthController {
 *   constructor(
 *     private readonly health: HealthCheckService,
 *     private readonly caches: CacheXHealthIndicator,
 *   ) {}
 *
 *   @Get()
 *   @HealthCheck()
 *   check() {
 *     return this.health.check([() => this.caches.isHealthy(['default', 'sessions'])]);
 *   }
 * }
 */
@Injectable()
export class CacheXHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly registry: CacheRegistry,
  ) {}

  /**
   * Pings the caches, all at once, each under the key `cache:<name>`:
   * `{ 'cache:default': { status: 'up', pingMs: 0.42 } }`, or
   * `{ 'cache:default': { status: 'down', message: '…' } }` (the message names the cache and the
   * cause, with credentials masked). Never rejects for an unreachable server.
   * @param names - one cache's name or several; default: the `default` cache
   * @param options - `timeout` (**ms** or a duration string; default 1000)
   * @throws CacheXConfigError when a name is not a registered cache
   * @throws InvalidArgumentError for an invalid `timeout`
   * @example await this.caches.isHealthy('sessions', { timeout: '300ms' });
   */
  async isHealthy<const Name extends string = typeof DEFAULT_CACHE>(
    names: Name | readonly Name[] = DEFAULT_CACHE as Name,
    options: CacheHealthOptions = {},
  ): Promise<HealthIndicatorResult<`cache:${Name}`>> {
    const list: readonly Name[] = typeof names === 'string' ? [names] : names;
    const caches = list.map((name) => this.registry.get(name));
    const timeout = parseDuration(options.timeout ?? DEFAULT_HEALTH_TIMEOUT_MS);
    if (typeof timeout === 'string' || timeout < 1) {
      const problem =
        typeof timeout === 'string'
          ? timeout
          : `must be at least 1 ms, got ${describe(options.timeout)}`;
      throw new InvalidArgumentError(
        MESSAGES.invalidArgument(list.join(', '), 'timeout', problem),
        list.join(', '),
        'timeout',
      );
    }
    const results = await Promise.all(
      caches.map(async (cache) => {
        const session = this.indicator.check(`cache:${cache.name as Name}` as const);
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
          timer = setTimeout(() => resolve(TIMED_OUT), timeout);
        });
        try {
          const pingMs = await Promise.race([cache.ping(), deadline]);
          if (pingMs === TIMED_OUT) {
            return session.down({ message: MESSAGES.healthTimeout(cache.name, timeout) });
          }
          return session.up({ pingMs: Math.round(pingMs * 100) / 100 });
        } catch (error) {
          return session.down({ message: error instanceof Error ? error.message : String(error) });
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return Object.assign({}, ...results) as HealthIndicatorResult<`cache:${Name}`>;
  }
}
