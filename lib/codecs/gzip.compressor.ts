import { gunzipSync, gzipSync } from 'node:zlib';
import { zlibCapped, type Compressor } from './compressor.interface.js';

/** gzip (node:zlib) at zlib's default level 6: the most widely readable format. */
export class GzipCompressor implements Compressor {
  readonly name = 'gzip';

  compress(data: Buffer): Buffer {
    return gzipSync(data);
  }

  decompress(data: Buffer, maxSize: number): Buffer {
    return zlibCapped(() => gunzipSync(data, { maxOutputLength: maxSize }), maxSize);
  }
}
