import { deserialize, serialize } from 'node:v8';
import type { RawValue } from '../backends/backend.interface.js';
import { bytesPayload, withHeader } from './header.js';
import type { Serializer } from './serializer.interface.js';

/**
 * Node's structured clone (`node:v8`): keeps everything `structuredClone` keeps (Date, Map, Set,
 * bigint, Buffer, typed arrays, RegExp, Error, circular references). Values are stored behind the
 * header `\0v`.
 *
 * **Never let a v8 cache read data that others can write**: the V8 format is not designed for
 * untrusted input, and a crafted value can crash the process or exhaust its memory. The format
 * also follows the Node.js version: an older Node may fail to read what a newer one wrote (mind
 * rolling upgrades), and no other language reads it.
 */
export class V8Serializer implements Serializer {
  readonly name = 'v8';
  readonly binary = true;

  serialize(value: unknown): RawValue {
    return withHeader('v8', serialize(value));
  }

  deserialize(stored: RawValue): unknown {
    // A copy: Buffers and typed arrays come back as views of the bytes deserialized, and the
    // memory backend keeps those bytes, so a view would let a caller change the cache.
    return deserialize(Buffer.from(bytesPayload(stored)));
  }
}
