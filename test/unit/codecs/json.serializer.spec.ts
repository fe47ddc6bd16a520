import { JsonSerializer } from '../../../lib/codecs/json.serializer.js';

const json = new JsonSerializer();
const roundTrip = (value: unknown): unknown => json.deserialize(json.serialize(value));

describe('JsonSerializer', () => {
  describe('plain JSON values', () => {
    it('are stored as exactly what JSON.stringify writes, without header', () => {
      const values: unknown[] = [
        { id: 7, name: 'Ada', tags: ['a'], nested: { n: null, ok: true, ratio: 0.5 } },
        [1, 'two', [3], {}],
        'text',
        '',
        1.5,
        true,
        null,
        // Keys that look like extended-JSON tags stay as they are in plain values.
        { $date: '2024-01-01T00:00:00.000Z' },
        { query: { $gt: 5 }, $set: [1] },
        Object.assign(Object.create(null) as object, { bare: 1 }),
      ];
      for (const value of values) {
        expect(json.serialize(value)).toBe(JSON.stringify(value));
        expect(roundTrip(value)).toEqual(value);
      }
      expect(roundTrip({ $date: 'not a date' })).toEqual({ $date: 'not a date' });
    });

    it('follow JSON.stringify for undefined properties, NaN and Infinity', () => {
      expect(roundTrip({ a: undefined, b: 1 })).toEqual({ b: 1 });
      expect(roundTrip([undefined, Number.NaN, Infinity])).toEqual([null, null, null]);
    });

    it('are read from Buffers as well as strings', () => {
      expect(json.deserialize(Buffer.from('{"é":[1]}'))).toEqual({ é: [1] });
    });
  });

  describe('extended types round-trip instead of silently changing', () => {
    it.each([
      ['a Date', new Date('2024-01-02T03:04:05.678Z')],
      ['a bigint', 123456789012345678901234567890n],
      ['a negative bigint', -5n],
      ['a Buffer', Buffer.from([0, 1, 254, 255])],
      [
        'a Map',
        new Map<unknown, unknown>([
          ['a', 1],
          [2, { b: [3] }],
        ]),
      ],
      ['a Set', new Set([1, 'two', null])],
    ])('%s', (_what, value) => {
      const stored = json.serialize(value);
      expect(stored.startsWith('\u0000j')).toBe(true);
      const back = roundTrip(value);
      expect(back).toEqual(value);
      expect(Object.getPrototypeOf(back)).toBe(Object.getPrototypeOf(value));
    });

    it('an invalid Date', () => {
      const back = roundTrip(new Date(Number.NaN));
      expect(back).toBeInstanceOf(Date);
      expect((back as Date).getTime()).toBeNaN();
    });

    it('at any depth, inside Maps and Sets too', () => {
      const value = {
        user: { id: 1, createdAt: new Date(0), roles: new Set(['admin']) },
        index: new Map([[new Date(1), { at: new Date(2), big: 7n }]]),
        list: [Buffer.from('hi'), [new Date(3)]],
      };
      const back = roundTrip(value) as typeof value;
      expect(back).toEqual(value);
      expect(back.user.createdAt).toBeInstanceOf(Date);
      expect([...back.index.keys()][0]).toBeInstanceOf(Date);
      expect(Buffer.isBuffer(back.list[0])).toBe(true);
    });

    it('stays JSON text after the two-byte header, with readable tags', () => {
      const stored = json.serialize({ at: new Date('2024-01-02T00:00:00.000Z'), n: 1n });
      expect(stored).toBe('\u0000j{"at":{"$date":"2024-01-02T00:00:00.000Z"},"n":{"$bigint":"1"}}');
    });

    it('escapes one-key $ objects of the value, so that none is ever read as a tag', () => {
      const value = {
        at: new Date(0),
        lookalikes: [
          { $date: 'x' },
          { $bigint: '1' },
          { $map: [] },
          { $set: [] },
          { $buffer: '' },
          { $$date: 'already escaped' },
          { $unknown: 1 },
          { $gt: { $lt: 5 } },
          { $date: 'x', other: 1 },
        ],
      };
      expect(roundTrip(value)).toEqual(value);
      expect(json.serialize(value)).toContain('{"$$date":"x"}');
      expect(json.serialize(value)).toContain('{"$$$date":"already escaped"}');
    });

    it('keeps the toJSON form of class instances, with escapes and all', () => {
      class Query {
        constructor(readonly filter: object) {}
      }
      class Money {
        toJSON(): string {
          return '12.50 EUR';
        }
      }
      // No extended type inside: stored as plain JSON.
      expect(json.serialize(new Query({ $gt: 5 }))).toBe('{"filter":{"$gt":5}}');
      expect(json.serialize({ price: new Money() })).toBe('{"price":"12.50 EUR"}');
      expect(roundTrip(new Query({ $gt: new Date(0) }))).toEqual({ filter: { $gt: new Date(0) } });
    });
  });

  describe('refuses, with an error naming the property', () => {
    it.each([
      ['a function', () => 1, 'a function cannot be stored as JSON'],
      ['a symbol', Symbol('s'), 'a symbol cannot be stored as JSON'],
      ['a nested function', { a: { run: () => 1 } }, "a function (property 'run')"],
      ['a nested symbol', [Symbol('s')], "a symbol (property '0')"],
      [
        'a Uint8Array',
        { bytes: new Uint8Array(2) },
        "Uint8Array (property 'bytes') cannot be stored as JSON: use a Buffer",
      ],
      ['an ArrayBuffer', new ArrayBuffer(2), 'ArrayBuffer cannot be stored as JSON'],
      [
        'a Float64Array in a Map',
        new Map([['f', new Float64Array(1)]]),
        "Float64Array (property '1')",
      ],
    ])('%s', (_what, value, message) => {
      expect(() => json.serialize(value)).toThrow(TypeError);
      expect(() => json.serialize(value)).toThrow(message);
    });

    it('a circular object', () => {
      const circular: Record<string, unknown> = { list: [] };
      (circular.list as unknown[]).push({ parent: circular });
      expect(() => json.serialize(circular)).toThrow(/circular/);
    });

    it('a lone undefined', () => {
      expect(() => json.serialize(undefined)).toThrow(TypeError);
    });
  });

  it('handles values nested deeper than its fast check', () => {
    let deep: unknown = { leaf: new Date(0) };
    let plain: unknown = { leaf: 1 };
    for (let i = 0; i < 150; i++) {
      deep = { child: deep };
      plain = [plain];
    }
    expect(roundTrip(deep)).toEqual(deep);
    expect(json.serialize(plain)).toBe(JSON.stringify(plain));
  });

  it('rejects a stored value with an unknown tag', () => {
    expect(() => json.deserialize('\u0000j{"$what":1}')).toThrow(
      'unknown extended JSON tag "$what"',
    );
  });
});
