import { randomBytes } from 'node:crypto';
import * as lz4 from 'lz4-napi';
import * as zstd from 'zstd-napi';
import { BrotliCompressor } from '../../../lib/codecs/brotli.compressor.js';
import { ValueTooLargeError, type Compressor } from '../../../lib/codecs/compressor.interface.js';
import { DeflateCompressor } from '../../../lib/codecs/deflate.compressor.js';
import { GzipCompressor } from '../../../lib/codecs/gzip.compressor.js';
import { Lz4Compressor } from '../../../lib/codecs/lz4.compressor.js';
import { ZstdCompressor, zstdSizeBound } from '../../../lib/codecs/zstd.compressor.js';

const MAX = 64 * 1024 * 1024;

const compressors: Compressor[] = [
  new GzipCompressor(),
  new DeflateCompressor(),
  new BrotliCompressor(),
  new ZstdCompressor(zstd),
  new Lz4Compressor(lz4),
];
const text = Buffer.from(
  JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ id: i, name: `user ${i}`, ok: true }))),
);

describe.each(compressors.map((c) => [c.name, c] as const))(
  '%s compressor',
  (_name, compressor) => {
    it('round-trips bytes, and makes JSON much smaller', () => {
      const compressed = compressor.compress(text);
      expect(compressed.length).toBeLessThan(text.length / 3);
      expect(compressor.decompress(compressed, MAX)).toEqual(text);
    });

    it('round-trips empty and incompressible data', () => {
      const noise = randomBytes(4096);
      expect(compressor.decompress(compressor.compress(noise), MAX)).toEqual(noise);
      expect(compressor.decompress(compressor.compress(Buffer.alloc(0)), MAX)).toEqual(
        Buffer.alloc(0),
      );
    });

    it('decompresses up to maxSize bytes and refuses one more, before allocating it', () => {
      const zeros = Buffer.alloc(1024 * 1024);
      const compressed = compressor.compress(zeros);
      expect(compressor.decompress(compressed, zeros.length)).toEqual(zeros);
      expect(() => compressor.decompress(compressed, zeros.length - 1)).toThrow(ValueTooLargeError);
    });

    it('throws on data it did not compress', () => {
      expect(() =>
        compressor.decompress(Buffer.from('definitely not compressed data'), MAX),
      ).toThrow();
    });
  },
);

describe('zstdSizeBound', () => {
  it('bounds the decompressed size from above, for single and concatenated frames', () => {
    for (const data of [text, randomBytes(300_000), Buffer.alloc(5_000_000), Buffer.alloc(0)]) {
      const compressed = zstd.compress(data);
      expect(zstdSizeBound(compressed)).toBeGreaterThanOrEqual(data.length);
      const twice = Buffer.concat([compressed, compressed]);
      expect(zstdSizeBound(twice)).toBeGreaterThanOrEqual(2 * data.length);
    }
  });

  it('does not trust a declared content size: frames without one are bounded by their blocks', () => {
    const compressor = new zstd.Compressor();
    compressor.setParameters({ contentSizeFlag: false });
    const zeros = Buffer.alloc(2_000_000);
    const compressed = compressor.compress(zeros);
    expect(zstdSizeBound(compressed)).toBeGreaterThanOrEqual(zeros.length);
    expect(() => new ZstdCompressor(zstd).decompress(compressed, 1_000_000)).toThrow(
      ValueTooLargeError,
    );
  });

  it('throws on truncated or foreign data', () => {
    const compressed = zstd.compress(text);
    expect(() => zstdSizeBound(compressed.subarray(0, compressed.length - 3))).toThrow(TypeError);
    expect(() => zstdSizeBound(Buffer.from('not zstd'))).toThrow(TypeError);
  });
});
