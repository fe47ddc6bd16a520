/** Number of hash slots of a Redis Cluster. */
const SLOTS = 16_384;

/** CRC16-CCITT (XMODEM), the checksum Redis Cluster hashes keys with, as a lookup table. */
const CRC16_TABLE = Uint16Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
  return crc & 0xffff;
});

const OPEN = 0x7b; // '{'
const CLOSE = 0x7d; // '}'

/**
 * The hash slot of a key, exactly as Redis' `keyHashSlot()` computes it: when the key has a `{`
 * and a `}` after it with at least one byte between them, only those bytes (the hash tag) are
 * hashed; otherwise the whole key is. NOTE: the first `}` after the first `{` ends the tag, so
 * `{}u}1` (an empty tag) hashes whole; cluster-key-slot, which ioredis uses, looks further and
 * hashes `u`, so the library computes slots itself to group keys and refuse cross-slot work.
 */
export function keyHashSlot(key: string | Buffer): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  let start = 0;
  let end = bytes.length;
  const open = bytes.indexOf(OPEN);
  if (open !== -1) {
    const close = bytes.indexOf(CLOSE, open + 1);
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!;
  }
  return crc % SLOTS;
}
