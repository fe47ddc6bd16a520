import { Injectable } from '@nestjs/common';
import { WithLock, currentLock } from 'nestjs-cachex';

export interface NightlyReport {
  generatedAt: string;
  /** The lock's fencing token: it grows with every run, whichever instance ran it. */
  fencingToken: number;
}

/** How long building the report takes here (a stand-in for real work). */
const BUILD_MS = 300;

/**
 * The nightly report: a job that must not run twice at once, even with several instances of the
 * app on one Redis. It would be scheduled (e.g. `@Cron('0 3 * * *')` of @nestjs/schedule);
 * here an endpoint triggers it.
 */
@Injectable()
export class NightlyReportJob {
  /** How many times this instance built the report. */
  runs = 0;

  /**
   * Builds the report under the `nightly-report` lock. A call that finds the job already running
   * (here or on another instance) is skipped and resolves to `undefined`. The lease bounds how
   * long a crashed instance keeps the lock.
   */
  @WithLock('nightly-report', { lease: '10s', onLocked: 'skip' })
  async run(): Promise<NightlyReport | undefined> {
    this.runs++;
    const { fencingToken } = currentLock()!;
    await new Promise((resolve) => setTimeout(resolve, BUILD_MS));
    return { generatedAt: new Date().toISOString(), fencingToken: fencingToken! };
  }
}
