import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { callBuffer } from './call-buffer.js';

/**
 * A Lua script run by SHA (EVALSHA), falling back to EVAL when the server does not know it yet
 * (after a restart, a failover or `SCRIPT FLUSH`); EVAL also caches it for the next EVALSHA.
 * Used instead of ioredis' `defineCommand` so that a client the user hands us is not modified.
 */
export class RedisScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly lua: string,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /**
   * Runs the script. `binary` answers bulk strings as Buffers (for scripts whose replies are a
   * binary cache's values) instead of text.
   */
  async run(
    client: Redis | Cluster,
    keys: readonly string[],
    args: ReadonlyArray<string | number | Buffer>,
    binary = false,
  ): Promise<unknown> {
    try {
      return binary
        ? await callBuffer(client, 'evalsha', [this.sha, keys.length, ...keys, ...args])
        : await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return binary
        ? callBuffer(client, 'eval', [this.lua, keys.length, ...keys, ...args])
        : client.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}
