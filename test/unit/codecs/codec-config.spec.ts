import { resolveCaches } from '../../../lib/config/resolve-config.js';
import { CacheXConfigError } from '../../../lib/errors/index.js';
import { CacheRegistry } from '../../../lib/index.js';

const custom = {
  serialize: (v: unknown) => JSON.stringify(v),
  deserialize: (t: string) => JSON.parse(t) as unknown,
};

/** The codec part of `{ default: config }`, resolved. */
const codecOf = (config: object) => resolveCaches({ default: config })[0]!.codec;

/** Expects `default: config` to be rejected for `option`, with a message naming both. */
function expectOptionError(config: object, option: string, problem: string | RegExp): void {
  let thrown: unknown;
  try {
    resolveCaches({ default: config });
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(CacheXConfigError);
  const error = thrown as CacheXConfigError;
  expect({ cache: error.cache, option: error.option }).toEqual({ cache: 'default', option });
  expect(error.message).toContain(`Cache 'default': option \`${option}\``);
  expect(error.message).toMatch(problem);
}

describe('codec options', () => {
  it('default to JSON, no compression, 1024 bytes', () => {
    expect(codecOf({})).toEqual({
      serializers: ['json'],
      compressors: [],
      compressMinSize: 1024,
      maxValueSize: 64 * 1024 * 1024,
    });
  });

  it('take a name, an object or a chain of them', () => {
    expect(codecOf({ serializer: 'msgpack', compressor: 'zstd', compressMinSize: 0 })).toEqual({
      serializers: ['msgpack'],
      compressors: ['zstd'],
      compressMinSize: 0,
      maxValueSize: 64 * 1024 * 1024,
    });
    expect(codecOf({ serializer: ['v8', custom, 'json'], compressor: ['none', 'gzip'] })).toEqual({
      serializers: ['v8', custom, 'json'],
      compressors: ['none', 'gzip'],
      compressMinSize: 1024,
      maxValueSize: 64 * 1024 * 1024,
    });
  });

  it('take maxValueSize in bytes, and refuse anything but a whole number ≥ 1', () => {
    expect(codecOf({ compressor: 'gzip', maxValueSize: 1000 }).maxValueSize).toBe(1000);
    for (const maxValueSize of [0, -1, 1.5, '64MB', null]) {
      expectOptionError({ maxValueSize }, 'maxValueSize', /must be a number of bytes/);
    }
  });

  it('reject unknown names, listing the valid ones', () => {
    expectOptionError(
      { serializer: 'pickle' },
      'serializer',
      "names an unknown serializer 'pickle'; valid: 'json', 'msgpack', 'v8', or an object { serialize, deserialize, binary? }",
    );
    expectOptionError(
      { serializer: ['json', 'msgpak'] },
      'serializer[1]',
      /unknown serializer 'msgpak'/,
    );
    expectOptionError(
      { compressor: 'zip' },
      'compressor',
      "names an unknown compressor 'zip'; valid: 'none', 'gzip', 'deflate', 'brotli', 'zstd', 'lz4'",
    );
    expectOptionError({ compressor: ['zstd', 5] }, 'compressor[1]', /unknown compressor number 5/);
  });

  it('reject empty chains and repeats', () => {
    expectOptionError({ serializer: [] }, 'serializer', /must list at least one entry/);
    expectOptionError({ compressor: [] }, 'compressor', /must list at least one entry/);
    expectOptionError({ compressor: ['gzip', 'gzip'] }, 'compressor[1]', "repeats 'gzip'");
    expectOptionError({ serializer: ['json', 'v8', 'json'] }, 'serializer[2]', "repeats 'json'");
  });

  it('reject a malformed custom serializer, and a second one in a chain', () => {
    expectOptionError(
      { serializer: { serialize: () => '' } },
      'serializer',
      /must be one of .* got an object/,
    );
    expectOptionError({ serializer: [null] }, 'serializer[0]', /got null/);
    expectOptionError(
      { serializer: { ...custom, binary: 'yes' } },
      'serializer.binary',
      /must be a boolean/,
    );
    expectOptionError(
      { serializer: [custom, { ...custom }] },
      'serializer[1]',
      /is a second custom serializer; .* combine them into one serializer/,
    );
  });

  it('reject a bad compressMinSize, and one without a compressor', () => {
    for (const size of [-1, 1.5, '1kb', Number.NaN]) {
      expectOptionError(
        { compressor: 'gzip', compressMinSize: size },
        'compressMinSize',
        /must be a number of bytes/,
      );
    }
    expectOptionError(
      { compressMinSize: 10 },
      'compressMinSize',
      'applies only with a `compressor`',
    );
    expectOptionError(
      { compressor: 'none', compressMinSize: 10 },
      'compressMinSize',
      /applies only/,
    );
  });

  it('are listed among the known options', () => {
    expect(() => resolveCaches({ default: { serialiser: 'json' } })).toThrow(
      /unknown option `serialiser`\. Known options: .*serializer, compressor, compressMinSize, maxValueSize[,.]/,
    );
  });

  it('stop the application at start-up when a package fails, before any connection', async () => {
    // Every optional package is installed here, so a valid configuration builds; the missing
    // package path is covered by loadOptional's test.
    const registry = await CacheRegistry.create({
      default: { serializer: ['msgpack', 'json'], compressor: ['zstd', 'lz4', 'gzip'] },
    });
    await registry.onApplicationShutdown();
    await expect(CacheRegistry.create({ default: { compressor: 'rar' as never } })).rejects.toThrow(
      CacheXConfigError,
    );
  });
});
