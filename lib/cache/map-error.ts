import { REPLY } from '../backends/reply-error.js';
import { MESSAGES } from '../cachex.messages.js';
import { CacheXError } from '../errors/cachex.error.js';
import { CacheXConnectionError } from '../errors/connection.error.js';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { redactSecrets } from '../errors/redact-secrets.js';
import { KeyNotFoundError } from '../errors/key-not-found.error.js';
import { WrongTypeError } from '../errors/wrong-type.error.js';

/**
 * Turns what a backend rejected with into a typed error naming the cache and the user's key:
 * a server's error reply (`ReplyError`, from ioredis or the memory backend) by its text, and
 * anything else that is not already ours (closed connections, retries exhausted, refused
 * authentication) as a connection failure. Credentials in the cause are masked (see
 * {@link redactSecrets}).
 */
export function mapBackendError(error: unknown, cache: string, key?: string): CacheXError {
  if (error instanceof CacheXError) return error;
  // The cause is kept on the typed error, and logged with it: no credentials in it.
  const err = redactSecrets(error instanceof Error ? error : new Error(String(error)));
  // Authentication failures are replies too, but mean the cache cannot reach its data at all.
  if (err.name === 'ReplyError' && !/^(WRONGPASS|NOAUTH)/.test(err.message)) {
    if (err.message.startsWith('WRONGTYPE') && key !== undefined) {
      return new WrongTypeError(MESSAGES.wrongType(cache, key), cache, key, { cause: err });
    }
    if (
      (err.message === REPLY.NOT_INTEGER || err.message === REPLY.OVERFLOW) &&
      key !== undefined
    ) {
      return new WrongTypeError(MESSAGES.notInteger(cache, key), cache, key, { cause: err });
    }
    if (
      (err.message === REPLY.HASH_NOT_INTEGER || err.message === REPLY.HASH_NOT_FLOAT) &&
      key !== undefined
    ) {
      const kind = err.message === REPLY.HASH_NOT_INTEGER ? 'an integer' : 'a number';
      return new WrongTypeError(MESSAGES.hashNotNumber(cache, key, kind), cache, key, {
        cause: err,
      });
    }
    if (err.message === REPLY.NO_SUCH_KEY && key !== undefined) {
      return new KeyNotFoundError(MESSAGES.noSuchList(cache, key), cache, key);
    }
    if (err.message === REPLY.INDEX_OUT_OF_RANGE && key !== undefined) {
      return new InvalidArgumentError(MESSAGES.indexOutOfRange(cache, key), cache, 'index');
    }
    return new CacheXError(MESSAGES.serverError(cache, key, err.message), { cause: err });
  }
  return new CacheXConnectionError(MESSAGES.connection(cache, err.message), cache, { cause: err });
}
