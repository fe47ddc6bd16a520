import { CustomSerializer } from '../../../lib/codecs/custom.serializer.js';
import type { CustomSerializer as CustomSerializerOption } from '../../../lib/index.js';

/** A text format of its own: JSON with Dates as `@ms`, as superjson or devalue would do. */
const text: CustomSerializerOption = {
  serialize: (value) =>
    JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
      return this[key] instanceof Date ? `@${(this[key] as Date).getTime()}` : v;
    }),
  deserialize: (stored) =>
    JSON.parse(stored, (_key, v: unknown) =>
      typeof v === 'string' && v.startsWith('@') ? new Date(Number(v.slice(1))) : v,
    ) as unknown,
};

describe('CustomSerializer', () => {
  it('keeps a text serializer text, behind a text header', () => {
    const custom = new CustomSerializer(text);
    expect(custom.binary).toBe(false);
    const stored = custom.serialize({ at: new Date(5) });
    expect(stored).toBe('\u0000u{"at":"@5"}');
    expect(custom.deserialize(stored)).toEqual({ at: new Date(5) });
    expect(custom.deserialize(Buffer.from(stored as string))).toEqual({ at: new Date(5) });
  });

  it('hands a binary serializer a copy of its bytes', () => {
    let received: Buffer | undefined;
    const custom = new CustomSerializer({
      binary: true,
      serialize: (value) => Buffer.from(String(value)),
      deserialize: (bytes) => {
        received = bytes;
        return bytes.toString();
      },
    });
    expect(custom.binary).toBe(true);
    const stored = custom.serialize('abc') as Buffer;
    expect(stored).toEqual(Buffer.from('\u0000uabc', 'latin1'));
    expect(custom.deserialize(stored)).toBe('abc');
    received!.fill(0);
    expect(custom.deserialize(stored)).toBe('abc');
  });

  it('says so when serialize returns the wrong type', () => {
    const wrong = new CustomSerializer({
      serialize: () => 42 as unknown as string,
      deserialize: () => 1,
    });
    expect(() => wrong.serialize('x')).toThrow(
      'the custom serializer returned a number, not a string (binary: false)',
    );
    const wrongBinary = new CustomSerializer({
      binary: true,
      serialize: () => 'text' as unknown as Buffer,
      deserialize: () => 1,
    });
    expect(() => wrongBinary.serialize('x')).toThrow(/not a Buffer or Uint8Array \(binary: true\)/);
  });
});
