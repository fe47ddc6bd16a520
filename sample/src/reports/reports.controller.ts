import { Controller, HttpCode, Post } from '@nestjs/common';
import { NightlyReportJob, type NightlyReport } from './nightly-report.js';

export type NightlyReportResponse =
  { status: 'done'; report: NightlyReport } | { status: 'skipped'; reason: string };

/** Triggers the lock-protected nightly report. */
@Controller('reports')
export class ReportsController {
  constructor(private readonly job: NightlyReportJob) {}

  /** Runs the report unless a run is in progress (on any instance), in which case it is skipped. */
  @Post('nightly')
  @HttpCode(200)
  async nightly(): Promise<NightlyReportResponse> {
    const report = await this.job.run();
    return report
      ? { status: 'done', report }
      : { status: 'skipped', reason: 'the nightly report is already being built' };
  }
}
