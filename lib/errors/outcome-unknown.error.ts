import { CacheXConnectionError } from './connection.error.js';

/**
 * The connection dropped after a command was sent and before its reply arrived, so whether the
 * server ran it is unknown. The library does not send it again (by default): a second run of a
 * command that is not idempotent (`incr`, `rpush`, …) would apply it twice. Retry it yourself
 * where running it twice is harmless, or read the data to find out. A `CacheXConnectionError`,
 * so code that handles outages already handles it.
 */
export class CommandOutcomeUnknownError extends CacheXConnectionError {
  override readonly name = 'CommandOutcomeUnknownError';

  /** @param command - the command whose reply was lost, as the server knows it (`incrby`) */
  constructor(
    message: string,
    cache: string,
    readonly command: string,
  ) {
    super(message, cache);
  }
}
