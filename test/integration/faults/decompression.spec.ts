/**
 * Issue 13, item 5: a compressed value that expands far beyond `maxValueSize` (written by anyone
 * with write access to the server) fails with SerializationError instead of filling memory.
 */
import { randomBytes } from 'node:crypto';
import * as lz4 from 'lz4-napi';
import { gzipSync } from 'node:zlib';
import * as zstd from 'zstd-napi';
import { SerializationError, type CacheConfig } from '../../../lib/index.js';
import { BrotliCompressor } from '../../../lib/codecs/brotli.compressor.js';
import type { Compressor } from '../../../lib/codecs/compressor.interface.js';
import { DeflateCompressor } from '../../../lib/codecs/deflate.compressor.js';
import { GzipCompressor } from '../../../lib/codecs/gzip.compressor.js';
import type { CompressorName } from '../../../lib/codecs/formats.js';
import { withHeader } from '../../../lib/codecs/header.js';
import { Lz4Compressor } from '../../../lib/codecs/lz4.compressor.js';
import { ZstdCompressor } from '../../../lib/codecs/zstd.compressor.js';
import { testServers } from '../../harness/index.js';
import { openCaches } from '../../support/open-cache.js';

const { open } = openCaches();
const MiB = 1024 * 1024;
const ALL = ['gzip', 'deflate', 'brotli', 'zstd', 'lz4'] as const;
const compressors: Compressor[] = [
  new GzipCompressor(),
  new DeflateCompressor(),
  new BrotliCompressor(),
  new ZstdCompressor(zstd),
  new Lz4Compressor(lz4),
];

describe.each<[string, () => CacheConfig]>([
  ['memory', () => ({ location: 'memory://' })],
  ['redis', () => ({ location: testServers().redis.url })],
])('on %s', (_, config) => {
  it.each(compressors.map((c) => [c.name as CompressorName, c] as const))(
    '%s: a value that decompresses past maxValueSize fails with SerializationError',
    async (name, compressor) => {
      const cache = await open({ ...config(), compressor: [...ALL], maxValueSize: MiB });
      // 16 MiB of the same byte: a few KB compressed.
      const bomb = withHeader(name, compressor.compress(Buffer.alloc(16 * MiB, 0x31)));
      expect(bomb.length).toBeLessThan(MiB / 8);
      await cache.backend.set(cache.keyBuilder.key('bomb'), bomb, { ttl: null });
      const error = await cache.get('bomb').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as SerializationError).key).toBe('bomb');
      expect((error as Error).message).toMatch(
        /more than 1048576 bytes, the cache's `maxValueSize`/,
      );
    },
  );

  it('values under maxValueSize read back, whichever compressor wrote them', async () => {
    const value = randomBytes(300 * 1024).toString('hex'); // 600 KiB of JSON text
    for (const name of ALL) {
      const cache = await open({ ...config(), compressor: name, maxValueSize: MiB });
      await cache.set('v', value);
      expect(await cache.get('v')).toBe(value);
    }
  });

  it('the default cap is 64 MiB: a 400 MB gzip value is refused', async () => {
    const cache = await open({ ...config(), compressor: 'gzip' });
    // 400 MB of zeros, gzip'd in 1 MB chunks: concatenated gzip members decompress as one.
    const member = gzipSync(Buffer.alloc(MiB));
    const bomb = withHeader('gzip', Buffer.concat(Array.from({ length: 400 }, () => member)));
    await cache.backend.set(cache.keyBuilder.key('big'), bomb, { ttl: null });
    await expect(cache.get('big')).rejects.toBeInstanceOf(SerializationError);
  });
});
