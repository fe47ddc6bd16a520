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
} as const;
