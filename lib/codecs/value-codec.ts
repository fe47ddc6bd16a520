import type { RawValue } from '../backends/backend.interface.js';
import type { Serializer } from './serializer.interface.js';

const INTEGER = /^-?[0-9]+$/;

/**
 * Encodes values for one cache. Safe integers are always stored as plain digits, whatever the
 * serializer, so that `incr`/`decr` (Redis' INCRBY) work on values written with `set(key, 5)`
 * and a counter created by `incr` reads back as a number. This is the seam where a serializer
 * choice and a compressor plug in.
 */
export class ValueCodec {
  constructor(private readonly serializer: Serializer) {}

  /** Whether encoded values are bytes, so that backends read them as Buffers. */
  get binary(): boolean {
    return this.serializer.binary;
  }

  encode(value: unknown): RawValue {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    return this.serializer.serialize(value);
  }

  decode(raw: RawValue): unknown {
    const text = typeof raw === 'string' ? raw : raw.length <= 20 ? raw.toString('latin1') : '';
    if (text.length > 0 && text.length <= 20 && INTEGER.test(text)) {
      // As JSON.parse would: integers past 2^53 read as the nearest number.
      return Number(text);
    }
    return this.serializer.deserialize(raw);
  }
}
