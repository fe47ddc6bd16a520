import type { CompressorName } from './compressor.interface.js';
import type { CustomSerializer, SerializerName } from './serializer.interface.js';

/** The `serializer` names a cache accepts. */
export const SERIALIZER_NAMES: readonly SerializerName[] = ['json', 'msgpack', 'v8'];

/** The `compressor` names a cache accepts; `'none'` writes uncompressed values. */
export const COMPRESSOR_NAMES: ReadonlyArray<CompressorName | 'none'> = [
  'none',
  'gzip',
  'deflate',
  'brotli',
  'zstd',
  'lz4',
];

/** The optional packages some formats need, installed by the application. */
export const OPTIONAL_PACKAGES: Readonly<Record<string, string>> = {
  msgpack: 'msgpackr',
  zstd: 'zstd-napi',
  lz4: 'lz4-napi',
};

/**
 * Default `compressMinSize`, in bytes. Below about 1 KB, compression saves a few hundred bytes
 * at most, while a zlib call costs more than a small read; django-cachex uses 256.
 */
export const DEFAULT_COMPRESS_MIN_SIZE = 1024;

/** A cache's codec configuration, validated: chains as lists, sizes in bytes. */
export interface CodecSpec {
  /** The serializer chain: the first writes, all read. */
  serializers: ReadonlyArray<SerializerName | CustomSerializer>;
  /** The compressor chain: the first writes (`'none'`: uncompressed), all read. Empty: none. */
  compressors: ReadonlyArray<CompressorName | 'none'>;
  /** Smallest serialized size, in bytes, that is compressed. */
  compressMinSize: number;
}
