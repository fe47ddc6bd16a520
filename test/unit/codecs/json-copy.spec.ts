import { freezeTree, jsonCopy, NOT_PLAIN_JSON } from '../../../lib/codecs/json-copy.js';

const viaText = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

/** Whether every object and array of a value is frozen. */
function deeplyFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(deeplyFrozen);
}

describe('jsonCopy', () => {
  it('gives what a JSON round trip gives, as fresh objects that freezeTree deep-freezes', () => {
    const values: unknown[] = [
      { id: 7, name: 'Ada', tags: ['a'], nested: { n: null, ok: true, ratio: 0.5 } },
      [1, 'two', [3], {}],
      { a: undefined, b: [undefined, NaN, -0, Infinity, -Infinity], '2': 'int key', '1': 'first' },
      Object.assign(Object.create(null) as object, { bare: 1 }),
      { [Symbol('hidden')]: 1, shown: { [Symbol('deep')]: 2, n: -0 } },
      Object.defineProperty({ a: 1 }, 'computed', { get: () => [2], enumerable: true }),
      Object.defineProperty({ a: 1 }, 'hidden', { value: 2, enumerable: false }),
      { $date: 'not a tag here' },
      // Holes read as null; an array's own named properties are not JSON.
      [new Array(2), Object.assign(['a'], { named: 1 })],
      'text',
      '123',
      '',
      1.5,
      -0,
      NaN,
      true,
      null,
    ];
    for (const value of values) {
      const copy = jsonCopy(value, Infinity);
      freezeTree(copy);
      expect(copy).toStrictEqual(viaText(value));
      // Key order too (integer-like keys first, as JSON.parse builds them).
      if (typeof copy === 'object' && copy !== null) {
        expect(Object.keys(copy)).toEqual(Object.keys(viaText(value) as object));
        expect(copy).not.toBe(value);
      }
      expect(deeplyFrozen(copy)).toBe(true);
    }
    expect(Object.is(jsonCopy(-0, Infinity), 0)).toBe(true);
    const original = { list: [1] };
    freezeTree(jsonCopy(original, Infinity));
    expect(Object.isFrozen(original) || Object.isFrozen(original.list)).toBe(false);
  });

  it('refuses what is not plain JSON data, so that the codec decides', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular['self'] = circular;
    let deep: unknown = 1;
    for (let i = 0; i < 150; i++) deep = [deep];
    const refused: unknown[] = [
      undefined,
      () => 1,
      Symbol('s'),
      10n,
      new Date(0),
      new Map(),
      new Set(),
      Buffer.from('x'),
      new Uint8Array(1),
      { when: new Date(0) },
      [1, () => 2],
      { toJSON: () => 'custom' },
      new (class Point {
        x = 1;
      })(),
      // An Array subclass: copied as the class it is by `slice`, so the codec decides.
      { list: class List extends Array<number> {}.from([1]) },
      JSON.parse('{"__proto__": {"polluted": true}}'),
      circular,
      deep,
    ];
    for (const value of refused) expect(jsonCopy(value, Infinity)).toBe(NOT_PLAIN_JSON);
  });

  it('refuses a value whose JSON text may exceed maxSize (an upper bound, loose by a small factor)', () => {
    const values: unknown[] = [
      'x'.repeat(100),
      '\u001f'.repeat(100),
      { a: 'é'.repeat(50), list: [-1.234567890123456e-300, null, false, 'x'] },
      [[[]], {}, -1e21],
      { key: { nested: { deeper: ['🚀'.repeat(20)] } } },
    ];
    for (const value of values) {
      const size = Buffer.byteLength(JSON.stringify(value));
      // An upper bound: a copy is never made of a value larger than maxSize...
      expect(jsonCopy(value, size - 1)).toBe(NOT_PLAIN_JSON);
      // ...and a loose one only within a small factor.
      expect(jsonCopy(value, size * 12)).toStrictEqual(JSON.parse(JSON.stringify(value)));
    }
  });
});
