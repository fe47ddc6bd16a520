import type { RawValue } from '../backends/backend.interface.js';
import type { Compressor } from './compressor.interface.js';
import {
  HEADER_LENGTH,
  TAGS,
  bytesPayload,
  formatOfTag,
  tagOf,
  withHeader,
  type TaggedFormat,
} from './header.js';
import type { Serializer } from './serializer.interface.js';

const INTEGER = /^-?[0-9]+$/;
/** A number as JSON writes one, and as HINCRBYFLOAT and INCRBY write them (plain decimals). */
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const COMPRESSORS: ReadonlySet<TaggedFormat> = new Set([
  'gzip',
  'deflate',
  'brotli',
  'zstd',
  'lz4',
]);

/** How a cache encodes values; built from its configuration by `createCodec`. */
export interface ValueCodecOptions {
  /** The serializer chain: the first writes, every one reads the values it wrote. */
  serializers: readonly Serializer[];
  /**
   * The compressor chain: the first writes (`null`: values are written uncompressed), every one
   * reads. Uncompressed values are always readable.
   * @default [] (no compression)
   */
  compressors?: ReadonlyArray<Compressor | null>;
  /**
   * Values whose serialized form is shorter than this many **bytes** are stored uncompressed.
   * @default 0
   */
  compressMinSize?: number;
  /**
   * The most **bytes** a value may take serialized (before compression): a larger value is
   * refused when written, and a compressed value that would decompress to more when read.
   * @default 67108864 (64 MiB)
   */
  maxValueSize?: number;
}

/** Default `maxValueSize`, in bytes: 64 MiB, far above a cache value, far below a zip bomb. */
export const DEFAULT_MAX_VALUE_SIZE = 64 * 1024 * 1024;

/**
 * Encodes values for one cache: serializes them with the first serializer of the chain, then
 * compresses them with the first compressor when they are large enough; decodes what any
 * serializer and compressor of the chains wrote, recognised by the stored value's header (see
 * `header.ts`), so that a cache can change formats without flushing.
 *
 * Finite numbers are always stored as plain JSON numbers (`5`, `-1.5`, `1e+21`), whatever the
 * serializer, so that `incr`/`decr` (Redis' INCRBY) work on integers written with `set(key, 5)`,
 * `hincrbyfloat` (HINCRBYFLOAT) on numbers written with `hset`, and what those commands write
 * reads back as a number. `undefined` is refused: a miss reads as `undefined`.
 */
export class ValueCodec {
  /** Whether encoded values may be bytes, so that backends read them as Buffers. */
  readonly binary: boolean;
  /**
   * Whether values are written as plain JSON text (serializer `json` first, no compressor), so
   * that plain JSON data reads back as `JSON.parse(JSON.stringify(value))`: the memory backend
   * then keeps such values as they are (`jsonCopy`) instead of their text.
   */
  readonly plainJson: boolean;
  private readonly writer: Serializer;
  private readonly byTag = new Map<number, Serializer | Compressor>();
  /** The serializer that reads values without header: `json`, when in the chain. */
  private readonly plain: Serializer | undefined;
  private readonly compressor: Compressor | null;
  private readonly compressMinSize: number;
  /** The most **bytes** a value may take serialized, written or read (see the option). */
  readonly maxValueSize: number;

  constructor(options: ValueCodecOptions) {
    const compressors = options.compressors ?? [];
    this.writer = options.serializers[0]!;
    this.compressor = compressors[0] ?? null;
    this.compressMinSize = options.compressMinSize ?? 0;
    this.maxValueSize = options.maxValueSize ?? DEFAULT_MAX_VALUE_SIZE;
    for (const format of [...options.serializers, ...compressors]) {
      if (format) this.byTag.set(tagByte(format.name), format);
    }
    this.plain = options.serializers.find((s) => s.name === 'json');
    this.plainJson = this.writer.name === 'json' && this.compressor === null;
    this.binary = options.serializers.some((s) => s.binary) || compressors.some((c) => c !== null);
  }

  /** The stored form of a value. Throws (a TypeError, mostly) when it cannot be encoded. */
  encode(value: unknown): RawValue {
    // Number#toString is JSON's number text, which INCRBY and HINCRBYFLOAT parse.
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (value === undefined) {
      throw new TypeError('undefined cannot be stored, as a miss reads as undefined (store null)');
    }
    const stored = this.writer.serialize(value);
    const size = this.sizeOver(stored, this.maxValueSize);
    if (size !== undefined) {
      // Refused on write too, so that every value written can be read back.
      throw new RangeError(
        `it is ${size} bytes serialized, more than the cache's \`maxValueSize\` of ` +
          `${this.maxValueSize} bytes; store less, or raise \`maxValueSize\``,
      );
    }
    if (this.compressor === null || this.shorterThanMinSize(stored)) return stored;
    const bytes = typeof stored === 'string' ? Buffer.from(stored, 'utf8') : stored;
    const compressed = this.compressor.compress(bytes);
    // Incompressible data (random, already compressed) stays as is: smaller and faster to read.
    if (compressed.length + HEADER_LENGTH >= bytes.length) return stored;
    return withHeader(this.compressor.name, compressed);
  }

  /** The value of a stored form. Throws when no serializer or compressor of the chains reads it. */
  decode(raw: RawValue): unknown {
    const text = typeof raw === 'string' ? raw : raw.length <= 20 ? raw.toString('latin1') : '';
    if (text.length > 0 && text.length <= 20 && INTEGER.test(text)) {
      // As JSON.parse would: integers past 2^53 read as the nearest number.
      return Number(text);
    }
    const tag = tagOf(raw);
    if (tag !== undefined) {
      const format = this.byTag.get(tag);
      if (format && isCompressor(format)) {
        return this.deserialize(format.decompress(bytesPayload(raw), this.maxValueSize));
      }
    }
    return this.deserialize(raw);
  }

  private deserialize(stored: RawValue): unknown {
    const tag = tagOf(stored);
    if (tag === undefined) {
      if (this.plain) return this.plain.deserialize(stored);
      // Redis' counters (HINCRBYFLOAT, INCRBY) write plain numbers whatever the serializer.
      const text = typeof stored === 'string' ? stored : stored.toString('latin1');
      if (NUMBER.test(text)) return Number(text);
      throw new TypeError(
        "it has no header, so it is JSON text (serializer 'json'), and the `serializer` option " +
          "does not list 'json'; add it to the chain to read such values",
      );
    }
    const format = this.byTag.get(tag);
    if (format && !isCompressor(format)) return format.deserialize(stored);
    const name = formatOfTag(tag);
    if (name === undefined) {
      throw new TypeError(`it starts with an unknown header (tag 0x${tag.toString(16)})`);
    }
    const option = COMPRESSORS.has(name) ? 'compressor' : 'serializer';
    throw new TypeError(
      `it was written with ${option} '${name}', which the \`${option}\` option does not list; ` +
        `add it to the chain to read such values`,
    );
  }

  /** The size in bytes of a serialized value larger than `limit`, or undefined when it is not. */
  private sizeOver(stored: RawValue, limit: number): number | undefined {
    // UTF-8 takes 1 to 3 bytes per UTF-16 unit: measure only when the bounds do not decide.
    if (typeof stored === 'string' && stored.length * 3 <= limit) return undefined;
    const size = typeof stored === 'string' ? Buffer.byteLength(stored, 'utf8') : stored.length;
    return size > limit ? size : undefined;
  }

  private shorterThanMinSize(stored: RawValue): boolean {
    if (typeof stored !== 'string') return stored.length < this.compressMinSize;
    // UTF-8 takes 1 to 3 bytes per UTF-16 unit: measure only when the bounds do not decide.
    if (stored.length >= this.compressMinSize) return false;
    if (stored.length * 3 < this.compressMinSize) return true;
    return Buffer.byteLength(stored, 'utf8') < this.compressMinSize;
  }
}

function isCompressor(format: Serializer | Compressor): format is Compressor {
  return 'compress' in format;
}

function tagByte(name: string): number {
  return TAGS[name as TaggedFormat].charCodeAt(0);
}
