import { randomBytes } from 'node:crypto';
import * as lz4 from 'lz4-napi';
import * as zstd from 'zstd-napi';
import { BrotliCompressor } from '../../../lib/codecs/brotli.compressor.js';
import type { Compressor } from '../../../lib/codecs/compressor.interface.js';
import { DeflateCompressor } from '../../../lib/codecs/deflate.compressor.js';
import { GzipCompressor } from '../../../lib/codecs/gzip.compressor.js';
import { Lz4Compressor } from '../../../lib/codecs/lz4.compressor.js';
import { ZstdCompressor } from '../../../lib/codecs/zstd.compressor.js';

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
      expect(compressor.decompress(compressed)).toEqual(text);
    });

    it('round-trips empty and incompressible data', () => {
      const noise = randomBytes(4096);
      expect(compressor.decompress(compressor.compress(noise))).toEqual(noise);
      expect(compressor.decompress(compressor.compress(Buffer.alloc(0)))).toEqual(Buffer.alloc(0));
    });

    it('throws on data it did not compress', () => {
      expect(() => compressor.decompress(Buffer.from('definitely not compressed data'))).toThrow();
    });
  },
);
