import type { Duration } from '../utils/duration.js';

/** Options of {@link CacheXHealthIndicator.isHealthy}. */
export interface CacheHealthOptions {
  /**
   * How long a PING may take before the cache is reported `down`: **milliseconds** or a duration
   * string such as `'500ms'`.
   * @default 1000 (1 s, as terminus' own indicators)
   */
  timeout?: Duration;
}
