import type { Compressor } from './compressor.interface.js';
import type { Serializer } from './serializer.interface.js';

/**
 * Imports a format's optional package; `createCodec` turns a failure into a `CacheXConfigError`
 * with the entry's install hint.
 */
export type LoadPackage = <M>(importer: () => Promise<M>) => Promise<M>;

/**
 * One serializer or compressor: its header tag and how to make it. Its name (the key in
 * {@link SERIALIZERS} or {@link COMPRESSORS}) is what the `serializer`/`compressor` option takes.
 */
export interface FormatEntry<T> {
  /** The letter after `0x00` in the header of the values it writes (see `header.ts`); unique. */
  readonly tag: string;
  /** The npm package it needs, installed by the application (the install hint); none if built in. */
  readonly package?: string;
  /**
   * Makes it, at start-up and only for the caches that name it. NOTE: the implementations are
   * imported here, not at the top, so that they can write their header through `header.ts`,
   * which reads its tags from this table, without an import cycle.
   */
  create(load: LoadPackage): Promise<T>;
}

/**
 * The serializers built into the library, by the name the `serializer` option takes. Adding one
 * is its class plus one entry here: the option's type, its validation, the header tag and the
 * install hint all come from this table.
 */
export const SERIALIZERS = {
  json: {
    tag: 'j',
    create: async () => new (await import('./json.serializer.js')).JsonSerializer(),
  },
  msgpack: {
    tag: 'm',
    package: 'msgpackr',
    create: async (load) => {
      const { MsgpackSerializer } = await import('./msgpack.serializer.js');
      return new MsgpackSerializer(await load(() => import('msgpackr')));
    },
  },
  v8: {
    tag: 'v',
    create: async () => new (await import('./v8.serializer.js')).V8Serializer(),
  },
} as const satisfies Record<string, FormatEntry<Serializer>>;

/**
 * The compressors built into the library, by the name the `compressor` option takes; see
 * {@link SERIALIZERS}.
 */
export const COMPRESSORS = {
  gzip: {
    tag: 'g',
    create: async () => new (await import('./gzip.compressor.js')).GzipCompressor(),
  },
  deflate: {
    tag: 'd',
    create: async () => new (await import('./deflate.compressor.js')).DeflateCompressor(),
  },
  brotli: {
    tag: 'b',
    create: async () => new (await import('./brotli.compressor.js')).BrotliCompressor(),
  },
  zstd: {
    tag: 'z',
    package: 'zstd-napi',
    create: async (load) => {
      const { ZstdCompressor } = await import('./zstd.compressor.js');
      // A CommonJS package: its exports are the namespace's default.
      const zstd = await load(() => import('zstd-napi'));
      return new ZstdCompressor(zstd.default);
    },
  },
  lz4: {
    tag: 'l',
    package: 'lz4-napi',
    create: async (load) => {
      const { Lz4Compressor } = await import('./lz4.compressor.js');
      const lz4 = await load(() => import('lz4-napi'));
      return new Lz4Compressor(lz4.default);
    },
  },
} as const satisfies Record<string, FormatEntry<Compressor>>;

/** The header tag of a serializer supplied by the application (the `serializer` option's object). */
export const CUSTOM_SERIALIZER_TAG = 'u';

/** The serializers built into the library, by the name the `serializer` option takes. */
export type SerializerName = keyof typeof SERIALIZERS;

/** The compressors built into the library, by the name the `compressor` option takes. */
export type CompressorName = keyof typeof COMPRESSORS;

/** A format whose values carry a header: every serializer and compressor. */
export type TaggedFormat = SerializerName | CompressorName | 'custom';

/** Which option a tagged format belongs to. */
export function optionOf(format: TaggedFormat): 'serializer' | 'compressor' {
  return Object.hasOwn(COMPRESSORS, format) ? 'compressor' : 'serializer';
}

/** The header tag letter of every tagged format. */
export const TAGS: Readonly<Record<TaggedFormat, string>> = {
  ...tagsOf(SERIALIZERS),
  ...tagsOf(COMPRESSORS),
  custom: CUSTOM_SERIALIZER_TAG,
};

function tagsOf<N extends string>(table: Record<N, { readonly tag: string }>): Record<N, string> {
  return Object.fromEntries(
    Object.entries<{ tag: string }>(table).map(([n, e]) => [n, e.tag]),
  ) as Record<N, string>;
}
