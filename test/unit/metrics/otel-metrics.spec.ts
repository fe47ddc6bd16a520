import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  CacheRegistry,
  CacheService,
  CacheXConfigError,
  CacheXModule,
} from '../../../lib/index.js';
import { resolveMetricsSettings } from '../../../lib/metrics/metrics.config.js';
import {
  CACHE_ATTRIBUTE,
  INSTRUMENTS,
  OtelMetricsExporter,
} from '../../../lib/metrics/otel-metrics.exporter.js';

/** A reader that collects on demand, as an exporter's periodic reader would. */
class TestReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

interface Point {
  name: string;
  attributes: Record<string, unknown>;
  value: unknown;
}

/** The data points of the library's meter that a collection sees. */
async function collect(reader: TestReader, meterName = 'nestjs-cachex'): Promise<Point[]> {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toStrictEqual([]);
  return resourceMetrics.scopeMetrics
    .filter((scope) => scope.scope.name === meterName)
    .flatMap((scope) =>
      scope.metrics.flatMap((metric) =>
        metric.dataPoints.map((point) => ({
          name: metric.descriptor.name,
          attributes: point.attributes,
          value: point.value,
        })),
      ),
    );
}

function valueOf(points: Point[], name: string, attributes: Record<string, string>): unknown {
  const found = points.filter(
    (p) =>
      p.name === name &&
      Object.keys(p.attributes).length === Object.keys(attributes).length &&
      Object.entries(attributes).every(([k, v]) => p.attributes[k] === v),
  );
  expect(found).toHaveLength(1);
  return found[0]!.value;
}

function meterProvider(): { provider: MeterProvider; reader: TestReader } {
  const reader = new TestReader();
  return { provider: new MeterProvider({ readers: [reader] }), reader };
}

describe('OpenTelemetry metrics', () => {
  const registries: CacheRegistry[] = [];
  const open = async (): Promise<CacheRegistry> => {
    const registry = await CacheRegistry.create({
      default: { location: 'memory://' },
      sessions: { location: 'memory://', keyPrefix: 'sessions' },
    });
    registries.push(registry);
    return registry;
  };

  afterEach(async () => {
    jest.restoreAllMocks();
    metrics.disable();
    for (const registry of registries.splice(0)) await registry.onApplicationShutdown();
  });

  it('exports every counter of every cache, with the cache as an attribute, until shutdown', async () => {
    const registry = await open();
    const { provider, reader } = meterProvider();
    const exporter = await OtelMetricsExporter.start(
      registry,
      resolveMetricsSettings({ meterProvider: provider }),
    );
    const cache = registry.get('default');
    await cache.set('a', 1);
    await cache.get('a');
    await cache.get('missing');
    await registry.get('sessions').get('missing');

    let points = await collect(reader);
    const instruments = INSTRUMENTS.map((spec) => spec.name);
    expect(new Set(points.map((p) => p.name))).toStrictEqual(new Set(instruments));
    expect(new Set(points.map((p) => p.attributes[CACHE_ATTRIBUTE]))).toStrictEqual(
      new Set(['default', 'sessions']),
    );
    const get = (cacheName: string, result: string) =>
      valueOf(points, 'cachex.operations', {
        [CACHE_ATTRIBUTE]: cacheName,
        'cachex.operation': 'get',
        'cachex.result': result,
      });
    expect([get('default', 'hit'), get('default', 'miss'), get('sessions', 'miss')]).toStrictEqual([
      1, 1, 1,
    ]);
    expect(
      valueOf(points, 'cachex.operations', {
        [CACHE_ATTRIBUTE]: 'default',
        'cachex.operation': 'set',
      }),
    ).toBe(1);

    // Cumulative: the next collection sees the counters as they are then.
    await cache.get('a');
    await cache.withLock('job', () => undefined);
    points = await collect(reader);
    expect(get('default', 'hit')).toBe(2);
    expect(
      valueOf(points, 'cachex.lock.acquisitions', {
        [CACHE_ATTRIBUTE]: 'default',
        'cachex.result': 'acquired',
      }),
    ).toBe(1);

    exporter.onApplicationShutdown();
    const names = jest.spyOn(registry, 'names');
    await collect(reader);
    expect(names).not.toHaveBeenCalled();
    await provider.shutdown();
  });

  it('reports to the global meter provider registered before the application starts', async () => {
    const { provider, reader } = meterProvider();
    metrics.setGlobalMeterProvider(provider);
    const moduleRef = await Test.createTestingModule({
      imports: [CacheXModule.forRoot({ default: { location: 'memory://' } })],
    }).compile();
    const app = await moduleRef.init();
    try {
      const cache = app.get(CacheService);
      await cache.get('missing');
      const points = await collect(reader);
      expect(
        valueOf(points, 'cachex.operations', {
          [CACHE_ATTRIBUTE]: 'default',
          'cachex.operation': 'get',
          'cachex.result': 'miss',
        }),
      ).toBe(1);
    } finally {
      await app.close();
    }
    // Closed: the instruments are not read any more (the SDK keeps reporting the last values).
    const names = jest.spyOn(CacheRegistry.prototype, 'names');
    await collect(reader);
    expect(names).not.toHaveBeenCalled();
    await provider.shutdown();
  });

  it('names the meter as the option says', async () => {
    const registry = await open();
    const { provider, reader } = meterProvider();
    await OtelMetricsExporter.start(
      registry,
      resolveMetricsSettings({ meterProvider: provider, meterName: 'shop-cache' }),
    );
    expect(await collect(reader)).toStrictEqual([]);
    expect((await collect(reader, 'shop-cache')).length).toBeGreaterThan(0);
    await provider.shutdown();
  });

  it('reads no counter when no meter provider is registered', async () => {
    const registry = await open();
    const { provider, reader } = meterProvider();
    const names = jest.spyOn(registry, 'names');
    const exporter = await OtelMetricsExporter.start(registry, resolveMetricsSettings(undefined));
    await registry.get('default').get('k');
    expect(await collect(reader)).toStrictEqual([]);
    expect(names).not.toHaveBeenCalled();
    exporter.onApplicationShutdown();
    await provider.shutdown();
  });

  it('starts without error or warning when @opentelemetry/api is not installed', async () => {
    const registry = await open();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const notInstalled = Object.assign(new Error("Cannot find package '@opentelemetry/api'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const exporter = await OtelMetricsExporter.start(registry, resolveMetricsSettings(true), () =>
      Promise.reject(notInstalled),
    );
    exporter.onApplicationShutdown();
    expect(warn).not.toHaveBeenCalled();
    expect(registry.get('default').stats().ops.hits).toBe(0);
  });

  it('warns once, and starts, when @opentelemetry/api is installed but fails to load', async () => {
    const registry = await open();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await OtelMetricsExporter.start(registry, resolveMetricsSettings({}), () =>
      Promise.reject(new Error('broken install')),
    );
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain('broken install');
  });

  it('does not even load @opentelemetry/api with metrics: false', async () => {
    const registry = await open();
    const load = jest.fn(() => Promise.reject(new Error('must not be called')));
    const exporter = await OtelMetricsExporter.start(registry, resolveMetricsSettings(false), load);
    exporter.onApplicationShutdown();
    expect(load).not.toHaveBeenCalled();
  });

  it.each([
    ['yes', '`metrics`'],
    [{ meterName: '' }, '`metrics.meterName`'],
    [{ meterProvider: {} }, '`metrics.meterProvider`'],
    [{ exporter: 'otlp' }, '`metrics.exporter`'],
  ])('rejects metrics: %p at start-up, naming %s', (metricsOption, named) => {
    const build = () =>
      CacheXModule.forRoot(
        { default: { location: 'memory://' } },
        { metrics: metricsOption as never },
      );
    expect(build).toThrow(CacheXConfigError);
    expect(build).toThrow(named);
  });
});
