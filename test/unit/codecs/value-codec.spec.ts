import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { BrotliCompressor } from '../../../lib/codecs/brotli.compressor.js';
import { DeflateCompressor } from '../../../lib/codecs/deflate.compressor.js';
import { GzipCompressor } from '../../../lib/codecs/gzip.compressor.js';
import { JsonSerializer } from '../../../lib/codecs/json.serializer.js';
import { V8Serializer } from '../../../lib/codecs/v8.serializer.js';
import { ValueCodec } from '../../../lib/codecs/value-codec.js';

const json = new JsonSerializer();
const codec = new ValueCodec({ serializers: [json] });
const roundTrip = (value: unknown): unknown => codec.decode(codec.encode(value));
/** About 4 KB of JSON that compresses well. */
const large = {
  rows: Array.from({ length: 60 }, (_, i) => ({ id: i, name: `row ${i}`, tags: ['x', 'y'] })),
};

describe('ValueCodec with the JSON serializer (the default)', () => {
  it('is not binary: backends read text', () => {
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

  it('stores objects and arrays as the JSON text JSON.stringify writes', () => {
    const value = {
      id: 7,
      name: 'Ada',
      tags: ['a', 'b'],
      nested: { n: null, count: 3, ratio: 0.5, digits: '42' },
    };
    expect(codec.encode(value)).toBe(JSON.stringify(value));
    expect(roundTrip(value)).toEqual(value);
    expect(roundTrip([1, '2', [3]])).toEqual([1, '2', [3]]);
    expect(roundTrip({})).toEqual({});
  });

  it('decodes Buffers as a binary backend returns them', () => {
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

  it('refuses undefined, which would read back as a miss', () => {
    expect(() => codec.encode(undefined)).toThrow(/undefined cannot be stored/);
  });

  it('throws on a stored value that is not JSON', () => {
    expect(() => codec.decode('not json')).toThrow(SyntaxError);
    expect(() => codec.decode('')).toThrow(SyntaxError);
  });
});

describe('ValueCodec with a binary serializer', () => {
  const v8 = new ValueCodec({ serializers: [new V8Serializer()] });

  it('is binary, and still stores safe integers as digits', () => {
    expect(v8.binary).toBe(true);
    expect(v8.encode(5)).toBe('5');
    expect(v8.decode(Buffer.from('5'))).toBe(5);
  });

  it('reads the plain numbers that Redis counters write (HINCRBYFLOAT), without a json serializer', () => {
    for (const text of ['2.5', '-0.125', '1054.58009874054830002', '1e+21', '0']) {
      expect(v8.decode(text)).toBe(Number(text));
      expect(v8.decode(Buffer.from(text))).toBe(Number(text));
    }
    expect(() => v8.decode('2.5x')).toThrow(/no header, so it is JSON text/);
  });

  it('stores every finite number as a plain JSON number, so that HINCRBYFLOAT works on it', () => {
    for (const value of [1.5, -0.25, 1e21, 1e-7, 2 ** 60]) {
      expect(v8.encode(value)).toBe(JSON.stringify(value));
      expect(v8.decode(v8.encode(value))).toBe(value);
    }
    for (const value of [Number.NaN, Infinity]) {
      expect((v8.encode(value) as Buffer).subarray(0, 2).toString('latin1')).toBe('\u0000v');
      expect(v8.decode(v8.encode(value))).toBe(value);
    }
  });

  it('hands everything else to the serializer, behind its header', () => {
    const encoded = v8.encode('12') as Buffer;
    expect(encoded.subarray(0, 2).toString('latin1')).toBe('\u0000v');
    expect(v8.decode(encoded)).toBe('12');
  });
});

describe('ValueCodec with a compressor', () => {
  const gzip = new ValueCodec({
    serializers: [json],
    compressors: [new GzipCompressor()],
    compressMinSize: 100,
  });

  it('is binary, as compressed values are bytes', () => {
    expect(gzip.binary).toBe(true);
  });

  it('compresses values of at least compressMinSize bytes, behind a header', () => {
    const encoded = gzip.encode(large) as Buffer;
    const text = JSON.stringify(large);
    expect(encoded.length).toBeLessThan(text.length / 3);
    expect(encoded.subarray(0, 2).toString('latin1')).toBe('\u0000g');
    // After the header, the payload is plain gzip: other languages can read it.
    expect(gunzipSync(encoded.subarray(2)).toString()).toBe(text);
    expect(gzip.decode(encoded)).toEqual(large);
  });

  it('stores smaller values uncompressed, as plain JSON, and reads both kinds', () => {
    const small = { id: 1 };
    expect(gzip.encode(small)).toBe('{"id":1}');
    expect(gzip.decode('{"id":1}')).toEqual(small);
    expect(gzip.decode(Buffer.from('{"id":1}'))).toEqual(small);
  });

  it('measures the limit in UTF-8 bytes, not characters', () => {
    const limit = new ValueCodec({
      serializers: [json],
      compressors: [new GzipCompressor()],
      compressMinSize: 60,
    });
    // 40 characters, 80 bytes once encoded: over the limit.
    const text = 'é'.repeat(38);
    expect(Buffer.isBuffer(limit.encode(text))).toBe(true);
    expect(limit.decode(limit.encode(text))).toBe(text);
    expect(limit.encode('e'.repeat(38))).toBe(JSON.stringify('e'.repeat(38)));
  });

  it('keeps incompressible values as they are', () => {
    const v8gzip = new ValueCodec({
      serializers: [new V8Serializer()],
      compressors: [new GzipCompressor()],
      compressMinSize: 0,
    });
    const noise = randomBytes(2000);
    const encoded = v8gzip.encode(noise) as Buffer;
    expect(tagOf(encoded)).toBe('v');
    expect(v8gzip.decode(encoded)).toEqual(noise);
  });

  it('never compresses integers, so that incr keeps working', () => {
    const always = new ValueCodec({
      serializers: [json],
      compressors: [new GzipCompressor()],
      compressMinSize: 0,
    });
    expect(always.encode(123456)).toBe('123456');
    expect(always.decode('123456')).toBe(123456);
  });
});

describe('ValueCodec fallback chains', () => {
  const gzipJson = new ValueCodec({
    serializers: [json],
    compressors: [new GzipCompressor()],
    compressMinSize: 0,
  });

  it('writes with the first serializer and reads what any of the chain wrote', () => {
    const migrating = new ValueCodec({ serializers: [new V8Serializer(), json] });
    const fromJson = codec.encode({ a: new Date(0) });
    const fromV8 = migrating.encode({ a: new Date(0) });
    expect(tagOf(fromV8)).toBe('v');
    expect(migrating.decode(fromJson)).toEqual({ a: new Date(0) });
    expect(migrating.decode(fromV8)).toEqual({ a: new Date(0) });
    expect(migrating.decode('{"plain":true}')).toEqual({ plain: true });
  });

  it('writes with the first compressor and reads what any of the chain compressed', () => {
    const migrating = new ValueCodec({
      serializers: [json],
      compressors: [new BrotliCompressor(), new GzipCompressor()],
      compressMinSize: 0,
    });
    expect(tagOf(migrating.encode(large))).toBe('b');
    expect(migrating.decode(gzipJson.encode(large))).toEqual(large);
    expect(migrating.decode(migrating.encode(large))).toEqual(large);
  });

  it("with 'none' first (null), stops compressing but still reads compressed values", () => {
    const stopping = new ValueCodec({
      serializers: [json],
      compressors: [null, new GzipCompressor()],
    });
    expect(stopping.encode(large)).toBe(JSON.stringify(large));
    expect(stopping.decode(gzipJson.encode(large))).toEqual(large);
    expect(stopping.binary).toBe(true);
    expect(new ValueCodec({ serializers: [json], compressors: [null] }).binary).toBe(false);
  });

  it('names the format when a value was written with one the chain does not list', () => {
    expect(() => codec.decode(gzipJson.encode(large))).toThrow(
      "it was written with compressor 'gzip', which the `compressor` option does not list",
    );
    expect(() =>
      codec.decode(new ValueCodec({ serializers: [new V8Serializer()] }).encode('x')),
    ).toThrow("it was written with serializer 'v8', which the `serializer` option does not list");
    const v8Only = new ValueCodec({ serializers: [new V8Serializer()] });
    expect(() => v8Only.decode('{"a":1}')).toThrow(/no header, so it is JSON text/);
    expect(() => codec.decode('\u0000?x')).toThrow('it starts with an unknown header (tag 0x3f)');
  });

  it('tells compressors apart even when they have no magic bytes of their own', () => {
    const deflate = new ValueCodec({
      serializers: [json],
      compressors: [new DeflateCompressor()],
      compressMinSize: 0,
    });
    const brotli = new ValueCodec({
      serializers: [json],
      compressors: [new BrotliCompressor()],
      compressMinSize: 0,
    });
    expect(() => deflate.decode(brotli.encode(large))).toThrow(/compressor 'brotli'/);
    expect(() => brotli.decode(deflate.encode(large))).toThrow(/compressor 'deflate'/);
  });
});

function tagOf(stored: string | Buffer): string {
  const head = typeof stored === 'string' ? stored : stored.toString('latin1', 0, 2);
  expect(head.charCodeAt(0)).toBe(0);
  return head[1]!;
}
