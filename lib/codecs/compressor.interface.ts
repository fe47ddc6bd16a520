/**
 * Compresses the stored form of values (after the serializer). Synchronous, as encoding is: for
 * cache-sized values the synchronous zlib calls are several times faster than the thread-pool
 * ones (see README, "Serializers and compression", for the numbers).
 */
export interface Compressor {
  /** Its name in configuration and messages: its key in the formats table (`'gzip'`, …). */
  readonly name: string;
  compress(data: Buffer): Buffer;
  /**
   * Decompresses a stored value.
   * @param maxSize - the most **bytes** the result may have: larger throws {@link ValueTooLargeError}
   *   before more is allocated
   */
  decompress(data: Buffer, maxSize: number): Buffer;
}

/**
 * A compressed value that decompresses to more than the cache's `maxValueSize`; the cache turns
 * it into a `SerializationError` naming the key.
 */
export class ValueTooLargeError extends RangeError {
  override readonly name = 'ValueTooLargeError';

  constructor(maxSize: number) {
    super(
      `it decompresses to more than ${maxSize} bytes, the cache's \`maxValueSize\`; ` +
        'raise it if such values are expected',
    );
  }
}

/**
 * Runs a node:zlib decompression capped at `maxSize` bytes (its `maxOutputLength`), turning the
 * cap's error into {@link ValueTooLargeError}.
 */
export function zlibCapped(decompress: () => Buffer, maxSize: number): Buffer {
  try {
    return decompress();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ValueTooLargeError(maxSize);
    }
    throw error;
  }
}
