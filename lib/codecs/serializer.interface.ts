import type { RawValue } from '../backends/backend.interface.js';

/**
 * Turns values into what the backend stores and back. A serializer may throw on a value it
 * cannot represent; the cache wraps that into a `SerializationError` naming the key, and writes
 * nothing.
 */
export interface Serializer {
  /** Whether `serialize` produces bytes (Buffers) rather than strings. */
  readonly binary: boolean;
  serialize(value: unknown): RawValue;
  deserialize(raw: RawValue): unknown;
}
