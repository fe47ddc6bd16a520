import { Module } from '@nestjs/common';
import { CounterController } from './counter.controller.js';

/** Recipe: atomic counters (`incr`). */
@Module({ controllers: [CounterController] })
export class CounterModule {}
