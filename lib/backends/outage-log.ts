import { Logger } from '@nestjs/common';
import { MESSAGES } from '../cachex.messages.js';

/** How often a cache that lost its server checks whether it is back, in ms. */
const PROBE_INTERVAL_MS = 1_000;

/**
 * @internal One cache's record of whether its server is reachable, shared by everything that
 * notices (the connection's events, plain operations under `onError: 'ignore'`, method caching),
 * so that an outage is logged once and its end once (Nest `Logger`, context `CacheX:<cache>`),
 * whoever noticed first.
 *
 * A lost connection ends with the client's `ready` event; a stalled server (commands time out on
 * a connection that stays open) sends no event, so while the cache is down a PING is sent every
 * second, outside any request, until one is answered.
 */
export class OutageLog {
  private readonly logger: Logger;
  private down = false;
  private closed = false;
  private probe: (() => Promise<unknown>) | undefined;
  private probeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly cache: string) {
    this.logger = new Logger(`CacheX:${cache}`);
  }

  /** Whether the last thing noticed was a failure to reach the server. */
  get isDown(): boolean {
    return this.down;
  }

  /** How to check, while down, whether the server answers again (a PING). */
  probeWith(probe: () => Promise<unknown>): void {
    this.probe = probe;
  }

  /** Logs `message` as an error if this starts an outage; nothing while one is going on. */
  failed(message: string): void {
    if (this.down || this.closed) return;
    this.down = true;
    this.logger.error(message);
    this.scheduleProbe();
  }

  /** Logs the end of an outage, if one is going on. */
  recovered(): void {
    if (!this.down) return;
    this.down = false;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    if (!this.closed) this.logger.log(MESSAGES.backendUp(this.cache));
  }

  /** Stops probing and logging: the cache is closing. */
  close(): void {
    this.closed = true;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }

  private scheduleProbe(): void {
    const probe = this.probe;
    if (probe === undefined || this.closed) return;
    this.probeTimer = setTimeout(() => {
      probe().then(
        () => this.recovered(),
        () => {
          if (this.down) this.scheduleProbe();
        },
      );
    }, PROBE_INTERVAL_MS);
    // A probe must not keep a process alive that has nothing else to do.
    this.probeTimer.unref();
  }
}
