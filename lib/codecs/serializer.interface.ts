import type { RawValue } from '../backends/backend.interface.js';

/** The serializers built into the library, by the name the `serializer` option takes. */
export type SerializerName = 'json' | 'msgpack' | 'v8';

/**
 * A serializer supplied by the application, e.g. for superjson or protobuf. Its output is stored
 * behind a two-byte header (see README, "Serializers and compression"), so that a fallback
 * chain can tell its values from those of the built-in serializers.
 *
 * With `binary: false` (the default) it turns values into text and receives text back; with
 * `binary: true` it produces bytes and receives a `Buffer` (a copy: keeping it is safe).
 * `serialize` may throw on a value it cannot represent: the cache then throws a
 * `SerializationError` naming the key and writes nothing.
 *
 * @example
 * import superjson from 'superjson';
 * const serializer: CustomSerializer = { serialize: superjson.stringify, deserialize: superjson.parse };
 */
export type CustomSerializer =
  | {
      /** Whether it produces bytes. @default false */
      readonly binary?: false;
      serialize(value: unknown): string;
      deserialize(text: string): unknown;
    }
  | {
      readonly binary: true;
      serialize(value: unknown): Uint8Array;
      deserialize(bytes: Buffer): unknown;
    };

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
