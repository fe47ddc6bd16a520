import { MESSAGES } from '../cachex.messages.js';
import type {
  CompressorName,
  CustomSerializer as CustomSerializerOption,
  SerializerName,
} from '../config/cache-config.interface.js';
import type { CodecSpec } from '../config/resolve-config.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { BrotliCompressor } from './brotli.compressor.js';
import type { Compressor } from './compressor.interface.js';
import { CustomSerializer } from './custom.serializer.js';
import { DeflateCompressor } from './deflate.compressor.js';
import { GzipCompressor } from './gzip.compressor.js';
import { JsonSerializer } from './json.serializer.js';
import { Lz4Compressor, type Lz4Module } from './lz4.compressor.js';
import { MsgpackSerializer, type MsgpackrModule } from './msgpack.serializer.js';
import type { Serializer } from './serializer.interface.js';
import { V8Serializer } from './v8.serializer.js';
import { ValueCodec } from './value-codec.js';
import { ZstdCompressor, type ZstdModule } from './zstd.compressor.js';

/** The optional packages some formats need, installed by the application. */
const OPTIONAL_PACKAGES: Readonly<Record<string, string>> = {
  msgpack: 'msgpackr',
  zstd: 'zstd-napi',
  lz4: 'lz4-napi',
};

/**
 * Builds a cache's codec. Optional packages (msgpackr, zstd-napi, lz4-napi) are imported here,
 * at start-up and only when the cache names them, so that a missing one stops the application
 * with an install hint instead of failing at the first request.
 * @throws CacheXConfigError when a package a format needs cannot be loaded
 */
export async function createCodec(cache: string, spec: CodecSpec): Promise<ValueCodec> {
  const serializers = await Promise.all(spec.serializers.map((s) => createSerializer(cache, s)));
  const compressors = await Promise.all(
    spec.compressors.map((c) => (c === 'none' ? null : createCompressor(cache, c))),
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
  switch (option) {
    case 'json':
      return new JsonSerializer();
    case 'v8':
      return new V8Serializer();
    case 'msgpack':
      return new MsgpackSerializer(
        await loadOptional<MsgpackrModule>(cache, 'serializer', option, () => import('msgpackr')),
      );
  }
}

async function createCompressor(cache: string, name: CompressorName): Promise<Compressor> {
  switch (name) {
    case 'gzip':
      return new GzipCompressor();
    case 'deflate':
      return new DeflateCompressor();
    case 'brotli':
      return new BrotliCompressor();
    case 'zstd': {
      // A CommonJS package: its exports are the namespace's default.
      const zstd = await loadOptional(cache, 'compressor', name, () => import('zstd-napi'));
      return new ZstdCompressor(zstd.default as ZstdModule);
    }
    case 'lz4': {
      const lz4 = await loadOptional(cache, 'compressor', name, () => import('lz4-napi'));
      return new Lz4Compressor(lz4.default as Lz4Module);
    }
  }
}

/**
 * Imports the optional package a format needs.
 * @throws CacheXConfigError naming the cache, the option and the `npm install` command
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
    const pkg = OPTIONAL_PACKAGES[format] ?? format;
    const detail = error instanceof Error ? error.message : String(error);
    throw new CacheXConfigError(
      MESSAGES.codecPackageMissing(cache, option, format, pkg, detail),
      cache,
      option,
      { cause: error },
    );
  }
}
