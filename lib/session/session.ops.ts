import { defineOp } from '../backends/atomic-op.js';
import type { RawValue } from '../backends/backend.interface.js';
import { bytes, value } from '../backends/memory/commands/command-context.js';
import type { MemoryEntry } from '../backends/memory/memory.store.js';
import { BackendReplyError, REPLY } from '../backends/reply-error.js';

/**
 * Saves the changed fields of a session, stamps it with the time of the save (the field `''`,
 * which also marks it as stored) and renews its expiry, in one step. A session that was loaded
 * (ARGV[1] = '1') is written only if it still exists: one that a concurrent request destroyed,
 * or that expired meanwhile, is never resurrected by a late save or renewal. Only the fields the
 * request changed are written, so that concurrent requests keep each other's changes to other
 * fields. A renewal is a save without fields. KEYS: the session's hash. ARGV: must-exist flag,
 * TTL in ms, now in ms, number of deleted fields, the deleted fields, then field/value pairs.
 * Answers 1 (saved) or 0 (gone, nothing written).
 */
export const SAVE_SESSION = defineOp<boolean>({
  name: 'cachex:session-save',
  lua: `if ARGV[1] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = tonumber(ARGV[4])
if n > 0 then redis.call('HDEL', KEYS[1], unpack(ARGV, 5, 4 + n)) end
redis.call('HSET', KEYS[1], '', ARGV[3], unpack(ARGV, 5 + n, #ARGV))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`,
  memory(ctx, [key], [mustExist, ttl, now, count, ...rest]) {
    const found = hashAt(ctx.read(key!));
    if (!found && String(mustExist) === '1') return false;
    const entry = found ?? { type: 'hash', data: new Map<string, RawValue>(), expiresAt: 0 };
    const deleted = Number(count);
    for (let i = 0; i < deleted; i++) entry.data.delete(bytes(rest[i]!));
    entry.data.set('', value(now!));
    for (let i = deleted; i + 1 < rest.length; i += 2)
      entry.data.set(bytes(rest[i]!), value(rest[i + 1]!));
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
