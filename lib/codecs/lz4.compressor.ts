import type { Compressor } from './compressor.interface.js';

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

  decompress(data: Buffer): Buffer {
    return this.lz4.uncompressSync(data);
  }
}
