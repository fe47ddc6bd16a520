import { ValueTooLargeError, type Compressor } from './compressor.interface.js';

/** What the compressor needs of lz4-napi (kept structural: it is an optional package). */
export interface Lz4Module {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Uint8Array): Buffer;
}

/** LZ4 blocks through lz4-napi: the fastest, with the least compression. */
export class Lz4Compressor implements Compressor {
  readonly name = 'lz4';

  constructor(private readonly lz4: Lz4Module) {}

  compress(data: Buffer): Buffer {
    return this.lz4.compressSync(data);
  }

  decompress(data: Buffer, maxSize: number): Buffer {
    // lz4-napi's blocks start with the uncompressed size (4 bytes, little-endian), which it
    // allocates at once and never writes past: check it first.
    if (data.length < 4) throw new TypeError('it is too short to be an LZ4 block');
    if (data.readUInt32LE(0) > maxSize) throw new ValueTooLargeError(maxSize);
    return this.lz4.uncompressSync(data);
  }
}
