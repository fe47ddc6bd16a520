import { Module } from '@nestjs/common';
import { NightlyReportJob } from './nightly-report.js';
import { ReportsController } from './reports.controller.js';

/** Recipe: distributed locking (`@WithLock` with `onLocked: 'skip'`). */
@Module({
  controllers: [ReportsController],
  providers: [NightlyReportJob],
})
export class ReportsModule {}
