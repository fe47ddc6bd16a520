import type { RawValue } from '../backends/backend.interface.js';
import type { Serializer } from './serializer.interface.js';

/** The default serializer: JSON text, readable with `redis-cli` and by other languages. */
export class JsonSerializer implements Serializer {
  readonly binary = false;

  serialize(value: unknown): string {
    const text = JSON.stringify(value);
    // JSON.stringify answers undefined (not an error) for undefined, functions and symbols.
    if (text === undefined) throw new TypeError(`${typeof value} cannot be stored as JSON`);
    return text;
  }

  deserialize(raw: RawValue): unknown {
    return JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  }
}
