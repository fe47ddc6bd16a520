import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CacheXHealthIndicator } from 'nestjs-cachex/health';
import { HealthController } from './health.controller.js';

/** Recipe: `CacheRegistry`, `cache.kind`, `cache.stats()`, and a terminus health check. */
@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [CacheXHealthIndicator],
})
export class HealthModule {}
