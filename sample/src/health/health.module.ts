import { Module } from '@nestjs/common';
import { HealthController } from './health.controller.js';

/** Recipe: `CacheRegistry` and `cache.kind`. */
@Module({ controllers: [HealthController] })
export class HealthModule {}
