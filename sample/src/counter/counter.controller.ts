import { Controller, Get } from '@nestjs/common';
import { CacheService } from 'nestjs-cachex';

/** Atomic counters: `incr` is safe across concurrent requests and processes sharing a server. */
@Controller('counter')
export class CounterController {
  constructor(private readonly cache: CacheService) {}

  /** Increments the counter and returns its new value (a missing counter starts from 0). */
  @Get()
  async increment(): Promise<{ value: number }> {
    return { value: await this.cache.incr('counter') };
  }
}
