import { CacheXError } from './cachex.error.js';

/**
 * A session was used in a way that cannot work: outside a request the session middleware saw
 * (no `session` module option), or changed after its response had started, when the change can
 * no longer be saved nor its cookie sent. Not an HTTP error: `SessionGuard` answers 401 itself.
 */
export class SessionError extends CacheXError {
  override readonly name = 'SessionError';

  /** @param cache - the session cache (`undefined` when sessions are not enabled) */
  constructor(
    message: string,
    readonly cache: string | undefined,
  ) {
    super(message);
  }
}
