import type { RawValue } from '../backends/backend.interface.js';
import { bytesPayload, textPayload, withHeader } from './header.js';
import type { CustomSerializer as CustomSerializerOption } from '../config/cache-config.interface.js';
import type { Serializer } from './serializer.interface.js';

/**
 * A serializer supplied by the application, behind the header `\0u` so that a fallback chain
 * tells its values from the built-in formats'. Text stays text (a text-only cache keeps reading
 * strings); bytes are handed to it as a copy, so that it may keep them.
 */
export class CustomSerializer implements Serializer {
  readonly name = 'custom';
  readonly binary: boolean;

  constructor(private readonly custom: CustomSerializerOption) {
    this.binary = custom.binary === true;
  }

  serialize(value: unknown): RawValue {
    const payload: unknown = this.custom.serialize(value);
    if (this.binary ? !(payload instanceof Uint8Array) : typeof payload !== 'string') {
      throw new TypeError(
        `the custom serializer returned ${describeType(payload)}, not ${this.binary ? 'a Buffer or Uint8Array (binary: true)' : 'a string (binary: false)'}`,
      );
    }
    return withHeader('custom', payload as string | Uint8Array);
  }

  deserialize(stored: RawValue): unknown {
    return this.custom.binary === true
      ? this.custom.deserialize(Buffer.from(bytesPayload(stored)))
      : this.custom.deserialize(textPayload(stored));
  }
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'object'}`;
  return `a ${typeof value}`;
}
