import { JsonSerializer } from '../../../lib/codecs/json.serializer.js';
import type { Serializer } from '../../../lib/codecs/serializer.interface.js';
import { ValueCodec } from '../../../lib/codecs/value-codec.js';

const codec = new ValueCodec(new JsonSerializer());
const roundTrip = (value: unknown): unknown => codec.decode(codec.encode(value));

describe('ValueCodec with the JSON serializer', () => {
  it('is not binary', () => {
    expect(codec.binary).toBe(false);
  });

  describe('integers are plain digits, so that INCRBY works on them', () => {
    it.each([
      [5, '5'],
      [-42, '-42'],
      [0, '0'],
      [Number.MAX_SAFE_INTEGER, '9007199254740991'],
      [Number.MIN_SAFE_INTEGER, '-9007199254740991'],
    ])('%p → %p', (value, encoded) => {
      expect(codec.encode(value)).toBe(encoded);
      expect(codec.decode(encoded)).toBe(value);
    });

    it('decodes a counter written by INCRBY as a number', () => {
      expect(codec.decode('17')).toBe(17);
      expect(codec.decode('-3')).toBe(-3);
    });
  });

  it('keeps a string of digits a string', () => {
    for (const text of ['123', '-5', '0', '', ' 7', '1e3', '9007199254740993']) {
      expect(codec.encode(text)).toBe(JSON.stringify(text));
      expect(roundTrip(text)).toBe(text);
    }
  });

  it('round-trips floats, booleans and null', () => {
    for (const value of [1.5, -0.25, 1e21, 1e-7, true, false, null]) {
      expect(roundTrip(value)).toBe(value);
    }
    expect(codec.encode(1.5)).toBe('1.5');
    expect(codec.encode(null)).toBe('null');
  });

  it('round-trips objects and arrays as JSON', () => {
    const value = {
      id: 7,
      name: 'Ada',
      tags: ['a', 'b'],
      nested: { n: null, count: 3, ratio: 0.5, digits: '42' },
    };
    const encoded = codec.encode(value);
    expect(encoded).toBe(JSON.stringify(value));
    expect(roundTrip(value)).toEqual(value);
    expect(roundTrip([1, '2', [3]])).toEqual([1, '2', [3]]);
    expect(roundTrip({})).toEqual({});
  });

  it('stores dates as their ISO string, as JSON does', () => {
    expect(roundTrip(new Date('2024-01-02T03:04:05.000Z'))).toBe('2024-01-02T03:04:05.000Z');
  });

  it('decodes Buffers as the backend may return them', () => {
    expect(codec.decode(Buffer.from('42'))).toBe(42);
    expect(codec.decode(Buffer.from('-42'))).toBe(-42);
    expect(codec.decode(Buffer.from('9007199254740993'))).toBe(9007199254740992);
    expect(codec.decode(Buffer.from('"123"'))).toBe('123');
    expect(codec.decode(Buffer.from('{"a":"é"}'))).toEqual({ a: 'é' });
    expect(codec.decode(Buffer.from(JSON.stringify('x'.repeat(50))))).toBe('x'.repeat(50));
  });

  it('decodes integers past 2^53 as the nearest number, as JSON.parse does', () => {
    expect(codec.decode('9007199254740993')).toBe(9007199254740992);
    expect(codec.decode('-9007199254740993')).toBe(-9007199254740992);
    expect(roundTrip(2 ** 60)).toBe(2 ** 60);
    expect(roundTrip(2 ** 53)).toBe(2 ** 53);
  });

  it.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a bigint', 10n],
  ])('refuses to encode %s', (_what, value) => {
    expect(() => codec.encode(value)).toThrow(TypeError);
  });

  it('refuses to encode a circular object', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => codec.encode(circular)).toThrow(TypeError);
  });

  it('throws on a stored value that is not JSON', () => {
    expect(() => codec.decode('not json')).toThrow(SyntaxError);
    expect(() => codec.decode('')).toThrow(SyntaxError);
  });
});

describe('ValueCodec with another serializer', () => {
  /** A binary serializer that records what it was given. */
  class Recording implements Serializer {
    readonly binary = true;
    readonly serialized: unknown[] = [];
    serialize(value: unknown): Buffer {
      this.serialized.push(value);
      return Buffer.from(`S${JSON.stringify(value)}`);
    }
    deserialize(raw: string | Buffer): unknown {
      return JSON.parse(raw.toString().slice(1));
    }
  }

  it('still stores safe integers as digits, bypassing the serializer', () => {
    const serializer = new Recording();
    const binary = new ValueCodec(serializer);
    expect(binary.binary).toBe(true);
    expect(binary.encode(5)).toBe('5');
    expect(binary.decode(Buffer.from('5'))).toBe(5);
    expect(serializer.serialized).toEqual([]);
  });

  it('hands everything else to the serializer', () => {
    const serializer = new Recording();
    const binary = new ValueCodec(serializer);
    const encoded = binary.encode({ a: 1 });
    expect(Buffer.isBuffer(encoded) && encoded.toString()).toBe('S{"a":1}');
    expect(binary.decode(encoded)).toEqual({ a: 1 });
    expect(binary.decode(binary.encode('12'))).toBe('12');
    expect(serializer.serialized).toEqual([{ a: 1 }, '12']);
  });
});
