import { createCodec, loadOptional } from '../../../lib/codecs/create-codec.js';
import {
  COMPRESSORS,
  CUSTOM_SERIALIZER_TAG,
  SERIALIZERS,
  TAGS,
  type FormatEntry,
} from '../../../lib/codecs/formats.js';
import { DEFAULT_COMPRESS_MIN_SIZE, type CodecSpec } from '../../../lib/config/resolve-config.js';
import { CacheXConfigError } from '../../../lib/errors/index.js';

/*
 * The formats table is the one list of serializers and compressors: every entry must work as
 * configured by its name, and be told apart from the others by its header tag.
 */

const spec = (partial: Partial<CodecSpec>): CodecSpec => ({
  serializers: ['json'],
  compressors: [],
  compressMinSize: 0,
  maxValueSize: 64 * 1024 * 1024,
  ...partial,
});
// A Date, so that even `json` writes a header (extended JSON); long and repetitive, so that
// every compressor shrinks it.
const value = { at: new Date(0), rows: Array.from({ length: 200 }, (_, i) => `row ${i % 7}`) };

const tagOf = (stored: string | Buffer): string =>
  String.fromCharCode(typeof stored === 'string' ? stored.charCodeAt(1) : stored[1]!);

const entries = (table: Record<string, FormatEntry<unknown>>) => Object.entries(table);

describe('formats table', () => {
  it.each(entries(SERIALIZERS))(
    'serializer %s round-trips a value behind its header tag',
    async (name, entry) => {
      const codec = await createCodec(
        'c',
        spec({ serializers: [name as keyof typeof SERIALIZERS] }),
      );
      const stored = codec.encode(value);
      expect(tagOf(stored)).toBe(entry.tag);
      expect(codec.decode(stored)).toEqual(value);
    },
  );

  it.each(entries(COMPRESSORS))(
    'compressor %s round-trips a value behind its header tag',
    async (name, entry) => {
      const codec = await createCodec(
        'c',
        spec({
          compressors: [name as keyof typeof COMPRESSORS],
          compressMinSize: DEFAULT_COMPRESS_MIN_SIZE,
        }),
      );
      const stored = codec.encode(value);
      expect(tagOf(stored)).toBe(entry.tag);
      expect(codec.decode(stored)).toEqual(value);
      // And a codec that lists every compressor reads it.
      const reader = await createCodec(
        'c',
        spec({ compressors: Object.keys(COMPRESSORS) as Array<keyof typeof COMPRESSORS> }),
      );
      expect(reader.decode(stored)).toEqual(value);
    },
  );

  it('gives every format its own tag: one ASCII letter, never the start of JSON text', () => {
    const tags = [
      ...entries(SERIALIZERS).map(([, e]) => e.tag),
      ...entries(COMPRESSORS).map(([, e]) => e.tag),
      CUSTOM_SERIALIZER_TAG,
    ];
    expect(new Set(tags).size).toBe(tags.length);
    for (const tag of tags) expect(tag).toMatch(/^[a-z]$/i);
    expect(Object.values(TAGS).sort()).toEqual([...tags].sort());
  });

  it('names no serializer and compressor alike, so that messages say which option is meant', () => {
    const both = Object.keys(SERIALIZERS).filter((name) => Object.hasOwn(COMPRESSORS, name));
    expect(both).toEqual([]);
  });

  it.each(
    [
      ...entries(SERIALIZERS).map(([n, e]) => ['serializer', n, e] as const),
      ...entries(COMPRESSORS).map(([n, e]) => ['compressor', n, e] as const),
    ].filter(([, , e]) => e.package !== undefined),
  )(
    '%s %s: a missing package stops start-up with its install hint',
    async (option, name, entry) => {
      const error = await loadOptional('c', option, name, () =>
        Promise.reject(new Error('Cannot find package')),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CacheXConfigError);
      expect((error as Error).message).toContain(`npm install ${entry.package}`);
    },
  );
});
