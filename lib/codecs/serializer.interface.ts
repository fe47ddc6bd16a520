import type { RawValue } from '../backends/backend.interface.js';

/**
 * A serializer as a cache's codec drives it: it produces the value's **stored form**, header
 * included (see `header.ts`), and reads it back. It may throw on a value it cannot represent;
 * the cache wraps that into a `SerializationError` naming the key, and writes nothing.
 */
export interface Serializer {
  /** Its name in configuration and messages (`'json'`, `'msgpack'`, `'v8'`, `'custom'`). */
  readonly name: string;
  /** Whether it produces bytes (Buffers) rather than text, so that backends read Buffers. */
  readonly binary: boolean;
  serialize(value: unknown): RawValue;
  deserialize(stored: RawValue): unknown;
}
