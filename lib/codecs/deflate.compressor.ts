import { deflateSync, inflateSync } from 'node:zlib';
import { zlibCapped, type Compressor } from './compressor.interface.js';

/** Deflate in the zlib format (node:zlib, level 6): gzip's algorithm with an 18-byte-smaller frame. */
export class DeflateCompressor implements Compressor {
  readonly name = 'deflate';

  compress(data: Buffer): Buffer {
    return deflateSync(data);
  }

  decompress(data: Buffer, maxSize: number): Buffer {
    return zlibCapped(() => inflateSync(data, { maxOutputLength: maxSize }), maxSize);
  }
}
