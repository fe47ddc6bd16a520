import { V8Serializer } from '../../../lib/codecs/v8.serializer.js';

const v8 = new V8Serializer();
const roundTrip = (value: unknown): unknown => v8.deserialize(v8.serialize(value));

describe('V8Serializer', () => {
  it('is binary and writes its header before the structured clone', () => {
    expect(v8.binary).toBe(true);
    expect((v8.serialize('x') as Buffer).subarray(0, 2).toString('latin1')).toBe('\u0000v');
  });

  it('keeps what structuredClone keeps, circular references included', () => {
    const value: Record<string, unknown> = {
      at: new Date(5),
      map: new Map([[{ k: 1 }, new Set([1n])]]),
      re: /a+/gi,
      buffer: Buffer.from('hi'),
      nan: Number.NaN,
      negativeZero: -0,
      missing: undefined,
    };
    value.self = value;
    const back = roundTrip(value) as typeof value;
    expect(back.self).toBe(back);
    expect(back.at).toEqual(new Date(5));
    expect(back.map).toEqual(value.map);
    expect(back.re).toEqual(/a+/gi);
    expect(Buffer.isBuffer(back.buffer)).toBe(true);
    expect(back.nan).toBeNaN();
    expect(Object.is(back.negativeZero, -0)).toBe(true);
    expect('missing' in back).toBe(true);
  });

  it('hands back Buffers that are copies, not views of the stored bytes', () => {
    const stored = v8.serialize({ data: Buffer.from('abc') }) as Buffer;
    (v8.deserialize(stored) as { data: Buffer }).data.fill(0);
    expect((v8.deserialize(stored) as { data: Buffer }).data.toString()).toBe('abc');
  });

  it('refuses functions', () => {
    expect(() => v8.serialize({ run: () => 1 })).toThrow(/could not be cloned/);
  });
});
