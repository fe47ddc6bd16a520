import { DEFAULT_COMPRESS_MIN_SIZE, type CodecSpec } from '../../../lib/config/resolve-config.js';
import { createCodec, loadOptional } from '../../../lib/codecs/create-codec.js';
import { CacheXConfigError } from '../../../lib/errors/index.js';

const spec = (partial: Partial<CodecSpec>): CodecSpec => ({
  serializers: ['json'],
  compressors: [],
  compressMinSize: 0,
  maxValueSize: 64 * 1024 * 1024,
  ...partial,
});
const value = { id: 1, at: new Date(0), rows: Array.from({ length: 50 }, (_, i) => `row ${i}`) };

describe('createCodec', () => {
  it('builds every serializer and compressor by name, optional packages included', async () => {
    for (const serializer of ['json', 'msgpack', 'v8'] as const) {
      for (const compressor of ['none', 'gzip', 'deflate', 'brotli', 'zstd', 'lz4'] as const) {
        const codec = await createCodec(
          'c',
          spec({ serializers: [serializer], compressors: [compressor] }),
        );
        const stored = codec.encode(value);
        expect(codec.decode(stored)).toEqual(value);
        const tag = typeof stored === 'string' ? stored.charCodeAt(1) : stored[1];
        const expected = {
          none: { json: 'j', msgpack: 'm', v8: 'v' }[serializer],
          gzip: 'g',
          deflate: 'd',
          brotli: 'b',
          zstd: 'z',
          lz4: 'l',
        }[compressor];
        expect(String.fromCharCode(tag!)).toBe(expected);
      }
    }
  });

  it('builds a chain that reads what each of its members wrote', async () => {
    const writers = await Promise.all(
      (['json', 'msgpack', 'v8'] as const).flatMap((serializer) =>
        (['none', 'gzip', 'zstd', 'lz4', 'brotli', 'deflate'] as const).map((compressor) =>
          createCodec('c', spec({ serializers: [serializer], compressors: [compressor] })),
        ),
      ),
    );
    const reader = await createCodec(
      'c',
      spec({
        serializers: ['msgpack', 'json', 'v8'],
        compressors: ['zstd', 'gzip', 'lz4', 'brotli', 'deflate'],
      }),
    );
    for (const writer of writers) expect(reader.decode(writer.encode(value))).toEqual(value);
  });

  it('wraps a custom serializer', async () => {
    const codec = await createCodec(
      'c',
      spec({
        serializers: [
          { serialize: (v) => `<${String(v)}>`, deserialize: (t: string) => t.slice(1, -1) },
        ],
      }),
    );
    expect(codec.binary).toBe(false);
    expect(codec.encode('x')).toBe('\u0000u<x>');
    expect(codec.decode('\u0000u<x>')).toBe('x');
  });

  it('defaults compressMinSize to 1 KB', () => {
    expect(DEFAULT_COMPRESS_MIN_SIZE).toBe(1024);
  });
});

describe('loadOptional', () => {
  it('turns a package that cannot be loaded into a config error with the npm command', async () => {
    const error = await loadOptional(
      'sessions',
      'compressor',
      'zstd',
      () => import(String('nestjs-cachex-no-such-package')),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheXConfigError);
    expect(error).toMatchObject({ cache: 'sessions', option: 'compressor' });
    expect((error as Error).message).toMatch(
      /^Cache 'sessions': option `compressor` names 'zstd', which needs the zstd-napi package, and it could not be loaded \(.*nestjs-cachex-no-such-package.*\)\. Install it: npm install zstd-napi$/,
    );
    expect((error as Error).cause).toBeDefined();
  });

  it('returns the module when it loads', async () => {
    const module = await loadOptional('c', 'serializer', 'msgpack', () => import('msgpackr'));
    expect(typeof module.Packr).toBe('function');
  });
});
