import { types } from 'node:util';
import type { RawValue } from '../backends/backend.interface.js';
import { tagByteOf, tagOf, textPayload, withHeader } from './header.js';
import type { Serializer } from './serializer.interface.js';

const EXTENDED_TAG = tagByteOf('json');
const DOLLAR = 0x24;
/** Past this depth the fast check gives up and lets the extended path (and JSON) decide. */
const MAX_PLAIN_DEPTH = 100;

/**
 * The default serializer: JSON text, readable with `redis-cli` and by other languages.
 *
 * A value made of JSON types only (objects, arrays, strings, numbers, booleans, null) is stored
 * as exactly what `JSON.stringify` writes. A value containing a `Date`, `Buffer`, `bigint`, `Map`
 * or `Set` (at any depth) round-trips instead of silently becoming something else: it is stored
 * as *extended JSON*, the header `\0j` followed by JSON text in which those values are one-key
 * objects: `{"$date":"2024-01-02T03:04:05.000Z"}`, `{"$bigint":"123"}`, `{"$buffer":"<base64>"}`,
 * `{"$map":[[key,value],…]}`, `{"$set":[…]}`. In that form an object of the value that has
 * exactly one key starting with `$` is written with one more `$` (`{"$$gt":5}`), so it can never
 * be mistaken for a tag; plain values carry no header and are never escaped.
 *
 * Refused with an error: functions and symbols (JSON would drop them), typed arrays other than
 * `Buffer`, `ArrayBuffer` and `DataView`, and circular objects. As with `JSON.stringify`,
 * `undefined` properties are left out, `NaN` and `Infinity` become `null`, class instances
 * become plain objects, and an object's `toJSON()` result is what is stored.
 */
export class JsonSerializer implements Serializer {
  readonly name = 'json';
  readonly binary = false;

  serialize(value: unknown): string {
    if (isPlain(value, [])) {
      const text = JSON.stringify(value);
      // JSON.stringify answers undefined (not an error) for a lone undefined.
      if (text === undefined) throw new TypeError(`${typeof value} cannot be stored as JSON`);
      return text;
    }
    return serializeExtended(value);
  }

  deserialize(stored: RawValue): unknown {
    if (tagOf(stored) === EXTENDED_TAG) return JSON.parse(textPayload(stored), revive);
    return JSON.parse(typeof stored === 'string' ? stored : stored.toString('utf8'));
  }
}

/**
 * Whether `JSON.stringify` writes `value` faithfully: JSON types only, no cycle. A walk of plain
 * JS is much cheaper than a `JSON.stringify` replacer, so the common case pays little; anything
 * else (a class instance, an object with `toJSON`, a Date, a cycle) takes the extended path,
 * which decides exactly.
 */
function isPlain(value: unknown, ancestors: object[]): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (ancestors.length >= MAX_PLAIN_DEPTH || ancestors.includes(value)) return false;
  ancestors.push(value);
  let plain = true;
  if (Array.isArray(value)) {
    for (const item of value) if (!(plain = isPlain(item, ancestors))) break;
  } else {
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) plain = false;
    else {
      for (const key in value) {
        if (!(plain = isPlain((value as Record<string, unknown>)[key], ancestors))) break;
      }
    }
  }
  ancestors.pop();
  return plain;
}

function serializeExtended(value: unknown): string {
  let tagged = false;
  let escaped = false;
  const text = JSON.stringify(
    value,
    function (this: Record<string, unknown>, key: string, converted: unknown): unknown {
      // `converted` went through toJSON (a Date is a string by now); the holder has the original.
      const original = this[key];
      if (typeof original === 'bigint') {
        tagged = true;
        return { $bigint: original.toString() };
      }
      if (typeof converted === 'function' || typeof converted === 'symbol') {
        throw new TypeError(`a ${typeof converted}${where(key)} cannot be stored as JSON`);
      }
      if (typeof original === 'object' && original !== null) {
        if (types.isDate(original)) {
          tagged = true;
          const time = original.getTime();
          return { $date: Number.isNaN(time) ? null : original.toISOString() };
        }
        if (Buffer.isBuffer(original)) {
          tagged = true;
          return { $buffer: original.toString('base64') };
        }
        if (types.isMap(original)) {
          tagged = true;
          return { $map: [...original] };
        }
        if (types.isSet(original)) {
          tagged = true;
          return { $set: [...original] };
        }
        if (types.isArrayBufferView(original) || types.isAnyArrayBuffer(original)) {
          throw new TypeError(
            `${original.constructor.name}${where(key)} cannot be stored as JSON: ` +
              'use a Buffer, or the msgpack or v8 serializer',
          );
        }
      }
      if (typeof converted === 'object' && converted !== null && !Array.isArray(converted)) {
        const keys = Object.keys(converted);
        if (keys.length === 1 && keys[0]!.charCodeAt(0) === DOLLAR) {
          escaped = true;
          return { [`$${keys[0]}`]: (converted as Record<string, unknown>)[keys[0]!] };
        }
      }
      return converted;
    },
  );
  if (text === undefined) throw new TypeError(`${typeof value} cannot be stored as JSON`);
  if (tagged) return withHeader('json', text) as string;
  // Only escapes, no extended type (a class instance holding `{ $gt: 5 }`): plain JSON will do.
  return escaped ? JSON.stringify(value) : text;
}

/** Turns the one-key tag objects of extended JSON back into values, innermost first. */
function revive(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  let only: string | undefined;
  for (const key in value) {
    if (only !== undefined) return value;
    only = key;
  }
  if (only === undefined || only.charCodeAt(0) !== DOLLAR) return value;
  const content = (value as Record<string, unknown>)[only];
  switch (only) {
    case '$date':
      return new Date(content === null ? Number.NaN : (content as string));
    case '$bigint':
      return BigInt(content as string);
    case '$buffer':
      return Buffer.from(content as string, 'base64');
    case '$map':
      return new Map(content as Array<[unknown, unknown]>);
    case '$set':
      return new Set(content as unknown[]);
  }
  if (only.charCodeAt(1) === DOLLAR) return { [only.slice(1)]: content };
  throw new SyntaxError(`unknown extended JSON tag "${only}"`);
}

function where(key: string): string {
  return key === '' ? '' : ` (property '${key}')`;
}
