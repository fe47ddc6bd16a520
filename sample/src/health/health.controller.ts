import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { CacheRegistry, CacheService, type BackendKind, type CacheStats } from 'nestjs-cachex';
import { CacheXHealthIndicator } from 'nestjs-cachex/health';

/**
 * Introspection: the backend in use (`cache.kind`) and every registered cache (`CacheRegistry`);
 * a terminus readiness check of both caches (`CacheXHealthIndicator`, one PING each); and the
 * default cache's counters (`cache.stats()`).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly cache: CacheService,
    private readonly registry: CacheRegistry,
    private readonly health: HealthCheckService,
    private readonly caches: CacheXHealthIndicator,
  ) {}

  @Get()
  check(): { backend: BackendKind; caches: string[] } {
    return { backend: this.cache.kind, caches: this.registry.names() };
  }

  /** 200 while both caches answer a PING within 500 ms, 503 naming the one that does not. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.caches.isHealthy(['default', 'sessions'], { timeout: '500ms' }),
    ]);
  }

  @Get('stats')
  stats(): CacheStats {
    return this.cache.stats();
  }
}
