import { MESSAGES } from '../cachex.messages.js';
import type { CustomSerializer as CustomSerializerOption } from '../config/cache-config.interface.js';
import type { CodecSpec } from '../config/resolve-config.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { CustomSerializer } from './custom.serializer.js';
import { COMPRESSORS, SERIALIZERS, type FormatEntry, type SerializerName } from './formats.js';
import type { Compressor } from './compressor.interface.js';
import type { Serializer } from './serializer.interface.js';
import { ValueCodec } from './value-codec.js';

/**
 * Builds a cache's codec from the formats table. Optional packages (msgpackr, zstd-napi,
 * lz4-napi) are imported here, at start-up and only when the cache names them, so that a missing
 * one stops the application with an install hint instead of failing at the first request.
 * @throws CacheXConfigError when a package a format needs cannot be loaded
 */
export async function createCodec(cache: string, spec: CodecSpec): Promise<ValueCodec> {
  const serializers = await Promise.all(spec.serializers.map((s) => createSerializer(cache, s)));
  const compressors = await Promise.all(
    spec.compressors.map((c) =>
      c === 'none' ? null : create<Compressor>(cache, 'compressor', c, COMPRESSORS[c]),
    ),
  );
  return new ValueCodec({
    serializers,
    compressors,
    compressMinSize: spec.compressMinSize,
    maxValueSize: spec.maxValueSize,
  });
}

async function createSerializer(
  cache: string,
  option: SerializerName | CustomSerializerOption,
): Promise<Serializer> {
  if (typeof option !== 'string') return new CustomSerializer(option);
  return create<Serializer>(cache, 'serializer', option, SERIALIZERS[option]);
}

function create<T>(
  cache: string,
  option: 'serializer' | 'compressor',
  name: string,
  entry: FormatEntry<T>,
): Promise<T> {
  return entry.create((importer) => loadOptional(cache, option, name, importer));
}

/**
 * Imports the optional package a format needs.
 * @throws CacheXConfigError naming the cache, the option and the `npm install` command (the
 *   package of the format's table entry)
 */
export async function loadOptional<T>(
  cache: string,
  option: 'serializer' | 'compressor',
  format: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const table: Record<string, FormatEntry<unknown>> = option === 'serializer'
      ? SERIALIZERS
      : COMPRESSORS;
    const pkg = (Object.hasOwn(table, format) ? table[format]!.package : undefined) ?? format;
    const detail = error instanceof Error ? error.message : String(error);
    throw new CacheXConfigError(
      MESSAGES.codecPackageMissing(cache, option, format, pkg, detail),
      cache,
      option,
      { cause: error },
    );
  }
}
