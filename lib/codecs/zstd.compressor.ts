import { ValueTooLargeError, type Compressor } from './compressor.interface.js';

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

  decompress(data: Buffer, maxSize: number): Buffer {
    if (zstdSizeBound(data) > maxSize) throw new ValueTooLargeError(maxSize);
    return this.zstd.decompress(data);
  }
}

const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frames have magic numbers 0x184D2A50 to 0x184D2A5F. */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** The most bytes one compressed block can decompress to (Block_Maximum_Size, RFC 8878). */
const MAX_BLOCK_SIZE = 128 * 1024;
const DICT_ID_SIZES = [0, 1, 2, 4] as const;
const CONTENT_SIZE_SIZES = [0, 2, 4, 8] as const;

/**
 * An upper bound of the decompressed size of Zstandard data, in bytes, read from its frame and
 * block headers (RFC 8878) without decompressing and without trusting a declared content size:
 * raw and RLE blocks give their size, a compressed block at most 128 KiB. NOTE: zstd-napi
 * allocates a declared content size at once, or grows without limit when none is declared;
 * this bound is checked first. Throws on malformed headers.
 */
export function zstdSizeBound(data: Buffer): number {
  let bound = 0;
  let at = 0;
  const need = (bytes: number) => {
    if (at + bytes > data.length) throw new TypeError('it is a truncated Zstandard frame');
  };
  while (at < data.length) {
    need(4);
    const magic = data.readUInt32LE(at);
    at += 4;
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(4);
      at += 4 + data.readUInt32LE(at);
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw new TypeError('it is not a Zstandard frame');
    need(1);
    const descriptor = data[at]!;
    const singleSegment = (descriptor >> 5) & 1;
    const contentSizeFlag = descriptor >> 6;
    at +=
      1 +
      (singleSegment ? 0 : 1) +
      DICT_ID_SIZES[descriptor & 3]! +
      (contentSizeFlag === 0 ? singleSegment : CONTENT_SIZE_SIZES[contentSizeFlag]!);
    for (let last = 0; !last;) {
      need(3);
      const header = data.readUIntLE(at, 3);
      at += 3;
      last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw new TypeError('it has a reserved Zstandard block type');
      // Raw: `size` bytes follow; RLE: one byte repeated `size` times; compressed: `size` bytes in.
      bound += type === 2 ? MAX_BLOCK_SIZE : size;
      at += type === 1 ? 1 : size;
    }
    if ((descriptor >> 2) & 1) at += 4;
  }
  if (at > data.length) throw new TypeError('it is a truncated Zstandard frame');
  return bound;
}
