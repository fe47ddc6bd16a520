import { createHash } from 'node:crypto';
import type { MemoryEntry } from './memory/memory.store.js';

/** Arguments of an atomic operation, as Redis receives them (ARGV). */
export type OpArg = string | number | Buffer;

/**
 * What an operation's memory twin may do, synchronously (hence atomically): read, write and
 * delete entries of the store, with the clock read once for the whole operation.
 */
export interface MemoryOpContext {
  /** Now, in ms since the epoch, the same for the whole operation. */
  readonly now: number;
  /** The live entry at a key (expired entries read as missing). */
  read(key: string): MemoryEntry | undefined;
  /** Stores an entry, replacing any other at the key (and evicting the LRU one if bounded). */
  write(key: string, entry: MemoryEntry): void;
  /** Deletes a key; answers whether it existed. */
  delete(key: string): boolean;
  /** The twin of Lua's PUBLISH: a notice on `channel` to this process' listeners. */
  publish(channel: string): void;
}

/**
 * A Lua script as a server runs it: its text, and the SHA1 of the text that EVALSHA names it by.
 * Plain data, so that features define scripts without depending on a client library.
 */
export interface LuaScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

/** A {@link LuaScript} of that text. */
export function luaScript(name: string, lua: string): LuaScript {
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * A compound step that must be atomic, written twice, side by side: as a Lua script for Redis
 * (run by SHA, EVAL on NOSCRIPT) and as a synchronous function for the memory backend. A feature
 * (locks, rate limits, data structures) defines its operations with {@link defineOp} in its own
 * folder and runs them with `backend.run(op, keys, args)`; no backend class changes per feature.
 * Keys that one operation touches must share a hash tag, so that a cluster can run it.
 *
 * @typeParam R - the operation's result, the same from both twins
 */
export interface AtomicOp<R> {
  readonly name: string;
  readonly script: LuaScript;
  /** The memory twin: the same effect and result as the script. */
  memory(ctx: MemoryOpContext, keys: readonly string[], args: readonly OpArg[]): R;
  /** Turns the script's reply into the result (Lua has no booleans, floats come as strings, …). */
  fromRedis(reply: unknown): R;
  /**
   * Whether the script answers the cache's values, to be read as Buffers on a binary cache
   * (user scripts); otherwise replies are text.
   */
  readonly valueReplies: boolean;
}

/** Defines an {@link AtomicOp}. */
export function defineOp<R>(definition: {
  name: string;
  lua: string;
  memory: AtomicOp<R>['memory'];
  fromRedis?: (reply: unknown) => R;
  valueReplies?: boolean;
}): AtomicOp<R> {
  return {
    name: definition.name,
    script: luaScript(definition.name, definition.lua),
    memory: definition.memory,
    fromRedis: definition.fromRedis ?? ((reply) => reply as R),
    valueReplies: definition.valueReplies ?? false,
  };
}
