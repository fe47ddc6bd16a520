import type { RawValue } from '../backends/backend.interface.js';
import { TAGS, type TaggedFormat } from './formats.js';

/**
 * The layout of stored values. Every value a cache writes is one of:
 *
 * - a plain number as JSON writes it (`5`, `-1.5`, `1e+21`): any finite number, whatever the
 *   serializer and compressor, so that Redis' INCRBY (integers) and HINCRBYFLOAT work on it;
 * - JSON text, without header (first byte `{`, `[`, `"`, `-`, a digit, `t`, `f` or `n`): the
 *   `json` serializer, readable as is by `redis-cli` and other languages;
 * - a header of two bytes, `0x00` then a tag letter, followed by the payload: the tag names the
 *   format (a serializer, or a compressor whose payload is itself a stored value of the first
 *   kinds).
 *
 * JSON text and numbers never start with `0x00`, so the first byte tells the kinds apart, and the
 * tag tells the formats apart exactly, also for formats without magic bytes of their own (brotli,
 * lz4 blocks, msgpack, a custom serializer). Both header bytes are ASCII, so a header on text
 * keeps it valid UTF-8.
 */
export const HEADER_MARKER = 0x00;

/** Header length in bytes. */
export const HEADER_LENGTH = 2;

/** The tag byte of every format (from the formats table), by its name. */
const TAG_BYTES = Object.fromEntries(
  Object.entries(TAGS).map(([format, tag]) => [format, tag.charCodeAt(0)]),
) as Readonly<Record<TaggedFormat, number>>;

const FORMAT_BY_TAG = new Map<number, TaggedFormat>(
  Object.entries(TAGS).map(([format, tag]) => [tag.charCodeAt(0), format as TaggedFormat]),
);

/** The tag byte of a stored value, or `undefined` when it has no header (JSON text, digits). */
export function tagOf(stored: RawValue): number | undefined {
  if (stored.length < HEADER_LENGTH) return undefined;
  if (typeof stored === 'string') {
    return stored.charCodeAt(0) === HEADER_MARKER ? stored.charCodeAt(1) : undefined;
  }
  return stored[0] === HEADER_MARKER ? stored[1] : undefined;
}

/** The tag byte of a format. */
export function tagByteOf(format: TaggedFormat): number {
  return TAG_BYTES[format];
}

/** The format a tag byte stands for, if any. */
export function formatOfTag(tag: number): TaggedFormat | undefined {
  return FORMAT_BY_TAG.get(tag);
}

/** Prefixes a payload with the header of `format`: text stays text, bytes stay bytes. */
export function withHeader(format: TaggedFormat, payload: string | Uint8Array): RawValue {
  if (typeof payload === 'string') return `\u0000${TAGS[format]}${payload}`;
  const stored = Buffer.allocUnsafe(HEADER_LENGTH + payload.length);
  stored[0] = HEADER_MARKER;
  stored[1] = TAG_BYTES[format];
  stored.set(payload, HEADER_LENGTH);
  return stored;
}

/** The payload after the header, as text. */
export function textPayload(stored: RawValue): string {
  return typeof stored === 'string'
    ? stored.slice(HEADER_LENGTH)
    : stored.toString('utf8', HEADER_LENGTH);
}

/**
 * The payload after the header, as bytes. A view of `stored`, not a copy: callers that hand it
 * to code that may keep it (a custom serializer) copy it first.
 */
export function bytesPayload(stored: RawValue): Buffer {
  return typeof stored === 'string'
    ? Buffer.from(stored.slice(HEADER_LENGTH), 'utf8')
    : stored.subarray(HEADER_LENGTH);
}
