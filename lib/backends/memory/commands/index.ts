import type { MemoryCommand } from './command-context.js';
import { HASH_COMMANDS } from './hash.commands.js';
import { KEY_COMMANDS } from './key.commands.js';
import { LIST_COMMANDS } from './list.commands.js';
import { SET_COMMANDS } from './set.commands.js';
import { ZSET_COMMANDS } from './zset.commands.js';

/**
 * The Redis commands the memory backend understands, by lowercase name: exactly those the cache
 * layer sends, each with Redis' semantics (types, WRONGTYPE, TTLs, empty collections deleted).
 */
export const MEMORY_COMMANDS: ReadonlyMap<string, MemoryCommand> = new Map(
  Object.entries({
    ...KEY_COMMANDS,
    ...HASH_COMMANDS,
    ...LIST_COMMANDS,
    ...SET_COMMANDS,
    ...ZSET_COMMANDS,
  }),
);

export type { CommandContext, MemoryCommand } from './command-context.js';
