/** The compressors built into the library, by the name the `compressor` option takes. */
export type CompressorName = 'gzip' | 'deflate' | 'brotli' | 'zstd' | 'lz4';

/**
 * Compresses the stored form of values (after the serializer). Synchronous, as encoding is: for
 * cache-sized values the synchronous zlib calls are several times faster than the thread-pool
 * ones (see README, "Serializers and compression", for the numbers).
 */
export interface Compressor {
  readonly name: CompressorName;
  compress(data: Buffer): Buffer;
  decompress(data: Buffer): Buffer;
}
