import type { Provider } from '@nestjs/common';
import { CacheRegistry } from '../registry/cache.registry.js';
import { resolveMetricsSettings } from './metrics.config.js';
import type { CacheXMetricsOptions } from './metrics-options.interface.js';
import { OtelMetricsExporter } from './otel-metrics.exporter.js';

/**
 * What `CacheXModule` provides for metrics: the OpenTelemetry exporter, started while the
 * application initialises. Validates the option at once, so that a mistake stops the
 * application at start-up.
 * @throws CacheXConfigError naming the option at fault
 * @internal
 */
export function metricsProviders(options: boolean | CacheXMetricsOptions | undefined): Provider[] {
  const settings = resolveMetricsSettings(options);
  return [
    {
      provide: OtelMetricsExporter,
      inject: [CacheRegistry],
      useFactory: (registry: CacheRegistry) => OtelMetricsExporter.start(registry, settings),
    },
  ];
}
