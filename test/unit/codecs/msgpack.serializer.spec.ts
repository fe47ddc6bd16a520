import * as msgpackr from 'msgpackr';
import { MsgpackSerializer } from '../../../lib/codecs/msgpack.serializer.js';

const msgpack = new MsgpackSerializer(msgpackr);
const roundTrip = (value: unknown): unknown => msgpack.deserialize(msgpack.serialize(value));

describe('MsgpackSerializer', () => {
  it('is binary and writes its header before msgpackr bytes', () => {
    expect(msgpack.binary).toBe(true);
    const stored = msgpack.serialize({ a: 1 }) as Buffer;
    expect(stored.subarray(0, 2).toString('latin1')).toBe('\u0000m');
    expect(new msgpackr.Unpackr({ moreTypes: true }).unpack(stored.subarray(2))).toEqual({ a: 1 });
  });

  it('round-trips JSON values', () => {
    for (const value of [
      { id: 7, tags: ['a'], n: null, f: 1.5 },
      [1, 'two'],
      'text',
      '',
      true,
      null,
      2 ** 60,
    ]) {
      expect(roundTrip(value)).toEqual(value);
    }
  });

  it('keeps types JSON cannot: Date, Map (apart from objects), Set, bigint, Buffer, typed arrays', () => {
    const value = {
      at: new Date('2024-01-02T03:04:05.678Z'),
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, new Set(['x'])],
      ]),
      object: { a: 1 },
      big: 2n ** 70n,
      small: -5n,
      buffer: Buffer.from([1, 2, 3]),
      bytes: new Uint8Array([1, 2]),
      missing: undefined,
    };
    const back = roundTrip(value) as typeof value;
    expect(back).toEqual(value);
    expect(back.map).toBeInstanceOf(Map);
    expect(back.object).not.toBeInstanceOf(Map);
    expect(back.at).toBeInstanceOf(Date);
    expect(Buffer.isBuffer(back.buffer)).toBe(true);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(back.bytes)).toBe(false);
  });

  it('reads values written by another instance (no state shared between processes)', () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ id: i, name: `row ${i}` }));
    const writer = new MsgpackSerializer(msgpackr);
    for (let i = 0; i < 3; i++) writer.serialize(rows);
    expect(new MsgpackSerializer(msgpackr).deserialize(writer.serialize(rows))).toEqual(rows);
  });

  it('hands back Buffers that are copies, not views of the stored bytes', () => {
    const stored = msgpack.serialize({ data: Buffer.from('abc') }) as Buffer;
    const first = msgpack.deserialize(stored) as { data: Buffer };
    first.data.fill(0);
    expect((msgpack.deserialize(stored) as { data: Buffer }).data.toString()).toBe('abc');
  });

  it('refuses functions, at any depth, instead of writing undefined', () => {
    expect(() => msgpack.serialize(() => 1)).toThrow('a function cannot be stored with msgpack');
    expect(() => msgpack.serialize({ a: [{ run: () => 1 }] })).toThrow(TypeError);
  });

  it('refuses a circular object with a clear error', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => msgpack.serialize(circular)).toThrow(
      'the value is circular (or nested too deeply) for msgpack',
    );
  });
});
