import type { CompressorName } from '../config/cache-config.interface.js';

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
