import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { MESSAGES } from '../cachex.messages.js';
import type { CacheRegistry } from '../registry/cache.registry.js';
import type { CacheStats } from './cache-stats.interface.js';
import type { MetricsSettings } from './metrics.config.js';
import type {
  BatchObservableResultLike,
  MeterProviderLike,
  ObservableLike,
} from './metrics-options.interface.js';

/** The attribute naming the cache on every data point. */
export const CACHE_ATTRIBUTE = 'cachex.cache';

type Attributes = Record<string, string>;

/** One observable counter and how its data points are read from a cache's stats. */
interface InstrumentSpec {
  name: string;
  unit: string;
  description: string;
  points: ReadonlyArray<readonly [Attributes, (stats: CacheStats) => number]>;
}

/**
 * Every counter of `cache.stats()`, as OpenTelemetry instruments (monotonic sums), each data
 * point with the cache's name as `cachex.cache`. Names follow the semantic conventions' style:
 * a namespace, what is counted, the kind of outcome as an attribute.
 */
export const INSTRUMENTS: readonly InstrumentSpec[] = [
  {
    name: 'cachex.operations',
    unit: '{operation}',
    description: 'Keys read (by result), values written and keys deleted by plain cache operations',
    points: [
      [{ 'cachex.operation': 'get', 'cachex.result': 'hit' }, (s) => s.ops.hits],
      [{ 'cachex.operation': 'get', 'cachex.result': 'miss' }, (s) => s.ops.misses],
      [{ 'cachex.operation': 'set' }, (s) => s.ops.sets],
      [{ 'cachex.operation': 'delete' }, (s) => s.ops.deletes],
    ],
  },
  {
    name: 'cachex.errors',
    unit: '{error}',
    description: 'Cache operations that failed on the server or its connection',
    points: [
      [{ 'error.type': 'timeout' }, (s) => s.ops.timeouts],
      [{ 'error.type': 'other' }, (s) => s.ops.errors - s.ops.timeouts],
    ],
  },
  {
    name: 'cachex.method.calls',
    unit: '{call}',
    description: 'Cached method calls and responses, by result',
    points: [
      [{ 'cachex.result': 'hit' }, (s) => s.methods.hits],
      [{ 'cachex.result': 'miss' }, (s) => s.methods.misses],
      [{ 'cachex.result': 'stale' }, (s) => s.methods.staleServed],
    ],
  },
  {
    name: 'cachex.method.refreshes',
    unit: '{refresh}',
    description: 'Background refreshes of cached methods started',
    points: [[{}, (s) => s.methods.refreshes]],
  },
  {
    name: 'cachex.method.evictions',
    unit: '{eviction}',
    description: 'Keys, patterns, tags or caches evicted by @CacheEvict',
    points: [[{}, (s) => s.methods.evictions]],
  },
  {
    name: 'cachex.method.errors',
    unit: '{error}',
    description: 'Cache reads or writes of method caching that failed and were bypassed',
    points: [[{}, (s) => s.methods.errors]],
  },
  {
    name: 'cachex.lock.acquisitions',
    unit: '{acquisition}',
    description: 'Lock acquisitions, by result',
    points: [
      [{ 'cachex.result': 'acquired' }, (s) => s.locks.acquired],
      [{ 'cachex.result': 'timed_out' }, (s) => s.locks.timedOut],
    ],
  },
  {
    name: 'cachex.lock.losses',
    unit: '{lock}',
    description: 'Locks lost while held',
    points: [[{}, (s) => s.locks.lost]],
  },
  {
    name: 'cachex.rate_limit.requests',
    unit: '{request}',
    description: 'Requests checked against a rate limit, by result',
    points: [
      [{ 'cachex.result': 'allowed' }, (s) => s.rateLimits.allowed],
      [{ 'cachex.result': 'denied' }, (s) => s.rateLimits.denied],
    ],
  },
];

/** @internal What the exporter needs of `@opentelemetry/api`. */
export interface MetricsApi {
  metrics: { getMeterProvider(): MeterProviderLike };
}

/** Loads `@opentelemetry/api` if the application has it (an optional peer dependency). */
export const loadMetricsApi = (): Promise<MetricsApi> => import('@opentelemetry/api');

/**
 * @internal Exports every cache's counters as OpenTelemetry observable counters: the meter
 * reads `cache.stats()` when it collects (once per export interval), so the hot paths only
 * increment integers, and with no meter provider registered (OpenTelemetry's no-op) nothing is
 * ever read. Stops reporting on application shutdown.
 */
export class OtelMetricsExporter implements OnApplicationShutdown {
  private constructor(private readonly stop: (() => void) | undefined) {}

  /**
   * Registers the instruments on the configured (or global) meter provider. Without
   * `@opentelemetry/api` installed, or with `metrics: false`, does nothing.
   * @param load - how `@opentelemetry/api` is loaded (a seam for tests)
   */
  static async start(
    registry: CacheRegistry,
    settings: MetricsSettings,
    load: () => Promise<MetricsApi> = loadMetricsApi,
  ): Promise<OtelMetricsExporter> {
    if (settings === false) return new OtelMetricsExporter(undefined);
    let provider = settings.meterProvider;
    if (provider === undefined) {
      try {
        provider = (await load()).metrics.getMeterProvider();
      } catch (error) {
        if (!isNotInstalled(error)) {
          new Logger('CacheX').warn(MESSAGES.metricsNotLoaded(errorText(error)));
        }
        return new OtelMetricsExporter(undefined);
      }
    }
    const meter = provider.getMeter(settings.meterName);
    const observables = INSTRUMENTS.map((spec) =>
      meter.createObservableCounter(spec.name, { unit: spec.unit, description: spec.description }),
    );
    const callback = (result: BatchObservableResultLike): void => {
      for (const name of registry.names()) observe(result, observables, name, registry);
    };
    meter.addBatchObservableCallback(callback, observables);
    return new OtelMetricsExporter(() =>
      meter.removeBatchObservableCallback(callback, observables),
    );
  }

  /** Stops reporting: the instruments are not read any more. */
  onApplicationShutdown(): void {
    this.stop?.();
  }
}

function observe(
  result: BatchObservableResultLike,
  observables: readonly ObservableLike[],
  cache: string,
  registry: CacheRegistry,
): void {
  const stats = registry.get(cache).stats();
  INSTRUMENTS.forEach((spec, i) => {
    for (const [attributes, read] of spec.points) {
      result.observe(observables[i]!, read(stats), { [CACHE_ATTRIBUTE]: cache, ...attributes });
    }
  });
}

/** Whether loading failed because the package is not installed (ESM or CommonJS resolution). */
function isNotInstalled(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
