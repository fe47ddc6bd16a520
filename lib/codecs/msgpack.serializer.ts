import type { RawValue } from '../backends/backend.interface.js';
import { bytesPayload, withHeader } from './header.js';
import type { Serializer } from './serializer.interface.js';

/** What the serializer needs of msgpackr (kept structural: msgpackr is an optional package). */
export interface MsgpackrModule {
  Packr: new (options: Record<string, unknown>) => {
    pack(value: unknown): Uint8Array;
    unpack(bytes: Uint8Array): unknown;
  };
}

/**
 * msgpackr's options for cached values:
 * - records (msgpackr's default) keep a `Map` apart from a plain object; each value carries its
 *   own record definitions, so no state is shared between processes;
 * - `moreTypes` round-trips `Set`, `RegExp`, `Error` and typed arrays; `useBigIntExtension`
 *   bigints of any size;
 * - `copyBuffers`: a Buffer read back must not be a view of the stored bytes (the memory backend
 *   keeps those), so that mutating it cannot change the cache;
 * - functions are refused, as by every serializer, instead of becoming `undefined`.
 */
const PACKR_OPTIONS = {
  moreTypes: true,
  useBigIntExtension: true,
  copyBuffers: true,
  writeFunction: () => {
    throw new TypeError('a function cannot be stored with msgpack');
  },
};

/**
 * MessagePack through msgpackr: compact and fast; keeps Date, Map, Set, bigint, Buffer, typed
 * arrays, RegExp and Error. Values are stored behind the header `\0m` with msgpackr's record
 * extension, so read them back with msgpackr (JSON is the format for other languages).
 */
export class MsgpackSerializer implements Serializer {
  readonly name = 'msgpack';
  readonly binary = true;
  private readonly packr: InstanceType<MsgpackrModule['Packr']>;

  constructor(msgpackr: MsgpackrModule) {
    this.packr = new msgpackr.Packr(PACKR_OPTIONS);
  }

  serialize(value: unknown): RawValue {
    try {
      return withHeader('msgpack', this.packr.pack(value));
    } catch (error) {
      // msgpackr recurses into a circular object until the stack overflows.
      if (error instanceof RangeError && /call stack/i.test(error.message)) {
        throw new TypeError('the value is circular (or nested too deeply) for msgpack', {
          cause: error,
        });
      }
      throw error;
    }
  }

  deserialize(stored: RawValue): unknown {
    return this.packr.unpack(bytesPayload(stored));
  }
}
