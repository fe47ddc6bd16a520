import type { Compressor } from './compressor.interface.js';

/** What the compressor needs of zstd-napi (kept structural: it is an optional package). */
export interface ZstdModule {
  compress(data: Uint8Array): Buffer;
  decompress(data: Uint8Array): Buffer;
}

/** Zstandard through zstd-napi, at zstd's default level 3: fast, and smaller than gzip. */
export class ZstdCompressor implements Compressor {
  readonly name = 'zstd';

  constructor(private readonly zstd: ZstdModule) {}

  compress(data: Buffer): Buffer {
    return this.zstd.compress(data);
  }

  decompress(data: Buffer): Buffer {
    return this.zstd.decompress(data);
  }
}
