import { Controller, Get } from '@nestjs/common';
import { CacheRegistry, CacheService, type BackendKind } from 'nestjs-cachex';

/** Introspection: the backend in use (`cache.kind`) and every registered cache (`CacheRegistry`). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly cache: CacheService,
    private readonly registry: CacheRegistry,
  ) {}

  @Get()
  check(): { backend: BackendKind; caches: string[] } {
    return { backend: this.cache.kind, caches: this.registry.names() };
  }
}
