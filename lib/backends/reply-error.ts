/**
 * An error reply in Redis' words, thrown by the memory backend so that the cache layer maps it to
 * the same typed error as the Redis server's reply (see `mapBackendError`).
 */
export class BackendReplyError extends Error {
  override readonly name = 'ReplyError';
}

/** Redis' reply texts, shared by the memory backend and the error mapping. */
export const REPLY = {
  WRONGTYPE: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  NOT_INTEGER: 'ERR value is not an integer or out of range',
  OVERFLOW: 'ERR increment or decrement would overflow',
  HASH_NOT_INTEGER: 'ERR hash value is not an integer',
  HASH_NOT_FLOAT: 'ERR hash value is not a float',
  NOT_FLOAT: 'ERR value is not a valid float',
  MIN_MAX_NOT_FLOAT: 'ERR min or max is not a float',
  INCR_NAN: 'ERR increment would produce NaN or Infinity',
  NAN_OR_INFINITY: 'ERR value is NaN or Infinity',
  SCORE_NAN: 'ERR resulting score is not a number (NaN)',
  NO_SUCH_KEY: 'ERR no such key',
  INDEX_OUT_OF_RANGE: 'ERR index out of range',
  SYNTAX: 'ERR syntax error',
} as const;
