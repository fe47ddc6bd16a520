import type { Cluster, Redis } from 'ioredis';
import type { LuaScript } from '../atomic-op.js';
import { callBuffer } from './call-buffer.js';

/**
 * Runs a Lua script by SHA (EVALSHA), falling back to EVAL when the server does not know it yet
 * (after a restart, a failover or `SCRIPT FLUSH`); EVAL also caches it for the next EVALSHA.
 * Used instead of ioredis' `defineCommand` so that a client the user hands us is not modified.
 * `binary` answers bulk strings as Buffers (for scripts whose replies are a binary cache's
 * values) instead of text.
 */
export async function runScript(
  client: Redis | Cluster,
  script: LuaScript,
  keys: readonly string[],
  args: ReadonlyArray<string | number | Buffer>,
  binary = false,
): Promise<unknown> {
  try {
    return binary
      ? await callBuffer(client, 'evalsha', [script.sha, keys.length, ...keys, ...args])
      : await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return binary
      ? callBuffer(client, 'eval', [script.lua, keys.length, ...keys, ...args])
      : client.eval(script.lua, keys.length, ...keys, ...args);
  }
}
