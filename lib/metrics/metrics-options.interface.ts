/**
 * Export of every cache's counters (`cache.stats()`) as OpenTelemetry metrics, through
 * `@opentelemetry/api` when the application has it installed (an optional peer dependency,
 * loaded at start-up; without it nothing is exported and nothing fails).
 */
export interface CacheXMetricsOptions {
  /**
   * The name of the meter the instruments are created on (the instrumentation scope).
   * @default 'nestjs-cachex'
   */
  meterName?: string;
  /**
   * The meter provider to report to, e.g. the SDK's `MeterProvider`.
   * @default the global meter provider when the application starts (`metrics.getMeterProvider()`,
   *   which the OpenTelemetry SDK registers): start the SDK before `app.init()`
   */
  meterProvider?: MeterProviderLike;
}

/**
 * What the library uses of an OpenTelemetry `MeterProvider` (from `@opentelemetry/api`); written
 * out here so that the package's types do not require `@opentelemetry/api`. Any `MeterProvider`
 * is one.
 */
export interface MeterProviderLike {
  getMeter(name: string): MeterLike;
}

/** What the library uses of an OpenTelemetry `Meter`: observable counters read in one batch. */
export interface MeterLike {
  createObservableCounter(
    name: string,
    options?: { description?: string; unit?: string },
  ): ObservableLike;
  addBatchObservableCallback(
    callback: (result: BatchObservableResultLike) => void,
    observables: ObservableLike[],
  ): void;
  removeBatchObservableCallback(
    callback: (result: BatchObservableResultLike) => void,
    observables: ObservableLike[],
  ): void;
}

/** An OpenTelemetry observable instrument, as the library passes it back to its meter. */
export type ObservableLike = object;

/** What the library uses of an OpenTelemetry `BatchObservableResult`. */
export interface BatchObservableResultLike {
  observe(observable: ObservableLike, value: number, attributes?: Record<string, string>): void;
}
