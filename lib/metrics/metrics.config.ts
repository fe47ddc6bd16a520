import { MESSAGES } from '../cachex.messages.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { describe } from '../utils/duration.js';
import type { CacheXMetricsOptions, MeterProviderLike } from './metrics-options.interface.js';

/** The meter's name when the `metrics` option does not give one. */
export const DEFAULT_METER_NAME = 'nestjs-cachex';

/** @internal The `metrics` module option after validation: `false` = no export. */
export type MetricsSettings = false | { meterName: string; meterProvider?: MeterProviderLike };

const KNOWN = ['meterName', 'meterProvider'];

/**
 * @internal Validates the `metrics` module option and applies the defaults.
 * @throws CacheXConfigError naming the option at fault
 */
export function resolveMetricsSettings(
  options: boolean | CacheXMetricsOptions | undefined,
): MetricsSettings {
  if (options === false) return false;
  if (options === undefined || options === true) return { meterName: DEFAULT_METER_NAME };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid('metrics', `must be a boolean or an object, got ${describe(options)}`);
  }
  const unknown = Object.keys(options).find((option) => !KNOWN.includes(option));
  if (unknown !== undefined) {
    throw invalid(`metrics.${unknown}`, `is not an option; known options: ${KNOWN.join(', ')}`);
  }
  const { meterName = DEFAULT_METER_NAME, meterProvider } = options;
  if (typeof meterName !== 'string' || meterName === '') {
    throw invalid('metrics.meterName', `must be a non-empty string, got ${describe(meterName)}`);
  }
  if (
    meterProvider !== undefined &&
    typeof (meterProvider as Partial<MeterProviderLike> | null)?.getMeter !== 'function'
  ) {
    throw invalid(
      'metrics.meterProvider',
      `must be an OpenTelemetry MeterProvider (with getMeter()), got ${describe(meterProvider)}`,
    );
  }
  return meterProvider === undefined ? { meterName } : { meterName, meterProvider };
}

function invalid(option: string, problem: string): CacheXConfigError {
  return new CacheXConfigError(MESSAGES.moduleOption(option, problem), undefined, option);
}
