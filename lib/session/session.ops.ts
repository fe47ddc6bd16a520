import { defineOp } from '../backends/atomic-op.js';
import type { RawValue } from '../backends/backend.interface.js';
import { bytes, value } from '../backends/memory/commands/command-context.js';
import type { MemoryEntry } from '../backends/memory/memory.store.js';
import { BackendReplyError, REPLY } from '../backends/reply-error.js';

/** A stored session: its remaining life and its fields, values still encoded. */
export interface LoadedSession {
  /** Remaining time to live in ms; `-2` when the session does not exist. */
  pttl: number;
  fields: Array<[string, RawValue]>;
}

/**
 * Reads a session in one step: its hash (HGETALL) and its remaining life (PTTL, which decides
 * whether a read refreshes it). KEYS: the session's hash. Answers `{pttl, field, value, …}`.
 */
export const LOAD_SESSION = defineOp<LoadedSession>({
  name: 'cachex:session-load',
  lua: `local data = redis.call('HGETALL', KEYS[1])
if #data == 0 then return {-2} end
table.insert(data, 1, redis.call('PTTL', KEYS[1]))
return data`,
  memory(ctx, [key]) {
    const entry = hashAt(ctx.read(key!));
    if (!entry) return { pttl: -2, fields: [] };
    const fields: Array<[string, RawValue]> = [];
    for (const [field, raw] of entry.data)
      fields.push([Buffer.from(field, 'latin1').toString('utf8'), raw]);
    return { pttl: entry.expiresAt === 0 ? -1 : entry.expiresAt - ctx.now, fields };
  },
  fromRedis(reply) {
    const [pttl, ...flat] = reply as [number, ...RawValue[]];
    const fields: Array<[string, RawValue]> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) fields.push([flat[i]!.toString(), flat[i + 1]!]);
    return { pttl, fields };
  },
  valueReplies: true,
});

/**
 * Saves the changed fields of a session and renews its expiry, in one step. A session that was
 * loaded (ARGV[1] = '1') is written only if it still exists: one that a concurrent request
 * destroyed, or that expired meanwhile, is never resurrected by a late save. Only the fields the
 * request changed are written, so that concurrent requests keep each other's changes to other
 * fields. KEYS: the session's hash. ARGV: must-exist flag, TTL in ms, number of deleted fields,
 * the deleted fields, then field/value pairs. Answers 1 (saved) or 0 (gone, nothing written).
 */
export const SAVE_SESSION = defineOp<boolean>({
  name: 'cachex:session-save',
  lua: `if ARGV[1] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = tonumber(ARGV[3])
if n > 0 then redis.call('HDEL', KEYS[1], unpack(ARGV, 4, 3 + n)) end
if #ARGV > 3 + n then redis.call('HSET', KEYS[1], unpack(ARGV, 4 + n, #ARGV)) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`,
  memory(ctx, [key], [mustExist, ttl, count, ...rest]) {
    const found = hashAt(ctx.read(key!));
    if (!found && String(mustExist) === '1') return false;
    const entry = found ?? { type: 'hash', data: new Map<string, RawValue>(), expiresAt: 0 };
    const deleted = Number(count);
    for (let i = 0; i < deleted; i++) entry.data.delete(bytes(rest[i]!));
    for (let i = deleted; i + 1 < rest.length; i += 2)
      entry.data.set(bytes(rest[i]!), value(rest[i + 1]!));
    if (entry.data.size === 0) {
      ctx.delete(key!);
      return true;
    }
    ctx.write(key!, { ...entry, expiresAt: ctx.now + Number(ttl) });
    return true;
  },
  fromRedis: (reply) => reply === 1,
});

/** The hash entry at a key; WRONGTYPE for another type, as Redis' hash commands answer. */
function hashAt(
  entry: MemoryEntry | undefined,
): Extract<MemoryEntry, { type: 'hash' }> | undefined {
  if (entry === undefined) return undefined;
  if (entry.type !== 'hash') throw new BackendReplyError(REPLY.WRONGTYPE);
  return entry;
}
