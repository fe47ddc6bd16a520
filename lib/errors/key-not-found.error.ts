import { CacheXError } from './cachex.error.js';

/** An operation that needs an existing key (`incrVersion`, `decrVersion`) found none. */
export class KeyNotFoundError extends CacheXError {
  override readonly name = 'KeyNotFoundError';

  constructor(
    message: string,
    readonly cache: string,
    readonly key: string,
  ) {
    super(message);
  }
}
