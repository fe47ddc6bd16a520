import { BackendReplyError, REPLY } from '../../reply-error.js';
import {
  inInt64,
  integerArg,
  parseInt64,
  readAs,
  text,
  value,
  type MemoryCommand,
} from './command-context.js';

/** Redis' string and generic key commands that the cache layer sends (GET, SET, PEXPIRE, …). */
export const KEY_COMMANDS: Record<string, MemoryCommand> = {
  get(ctx, [key]) {
    return readAs(ctx, key!, 'string')?.data ?? null;
  },

  /** SET key value [PX ms] [NX | XX]: 'OK', or nil when NX/XX prevented the write. */
  set(ctx, [key], [raw, ...options]) {
    let expiresAt = 0;
    let condition: 'NX' | 'XX' | undefined;
    for (let i = 0; i < options.length; i++) {
      const option = text(options[i]!).toUpperCase();
      if (option === 'PX') expiresAt = ctx.now + integerArg(options[++i]!);
      else if (option === 'NX' || option === 'XX') condition = option;
      else throw new BackendReplyError(REPLY.SYNTAX);
    }
    if (condition) {
      const exists = ctx.read(key!) !== undefined;
      if (condition === 'NX' ? exists : !exists) return null;
    }
    ctx.write(key!, { type: 'string', data: value(raw!), expiresAt });
    return 'OK';
  },

  unlink: deleteKeys,
  del: deleteKeys,

  exists(ctx, keys) {
    return keys.filter((key) => ctx.read(key) !== undefined).length;
  },

  /** INCRBY: a missing key counts from 0 (created without expiry); an existing one keeps its TTL. */
  incrby(ctx, [key], [delta]) {
    const entry = readAs(ctx, key!, 'string');
    let current = 0n;
    if (entry) {
      const parsed = parseInt64(entry.data);
      if (parsed === undefined) throw new BackendReplyError(REPLY.NOT_INTEGER);
      current = parsed;
    }
    const next = current + BigInt(integerArg(delta!));
    if (!inInt64(next)) throw new BackendReplyError(REPLY.OVERFLOW);
    ctx.write(key!, { type: 'string', data: next.toString(), expiresAt: entry?.expiresAt ?? 0 });
    return Number(next);
  },

  pexpire(ctx, [key], [ms]) {
    return expireAt(ctx, key!, ctx.now + integerArg(ms!));
  },

  pexpireat(ctx, [key], [epochMs]) {
    return expireAt(ctx, key!, integerArg(epochMs!));
  },

  pttl(ctx, [key]) {
    const entry = ctx.read(key!);
    if (!entry) return -2;
    return entry.expiresAt === 0 ? -1 : Math.max(0, entry.expiresAt - ctx.now);
  },

  persist(ctx, [key]) {
    const entry = ctx.read(key!);
    if (!entry || entry.expiresAt === 0) return 0;
    entry.expiresAt = 0;
    return 1;
  },

  type(ctx, [key]) {
    return ctx.read(key!)?.type ?? 'none';
  },
};

function deleteKeys(ctx: Parameters<MemoryCommand>[0], keys: readonly string[]): number {
  return keys.filter((key) => ctx.delete(key)).length;
}

/** PEXPIREAT: a moment not in the future deletes the key (Redis does the same). */
function expireAt(ctx: Parameters<MemoryCommand>[0], key: string, epochMs: number): number {
  const entry = ctx.read(key);
  if (!entry) return 0;
  if (epochMs <= ctx.now) ctx.delete(key);
  else entry.expiresAt = epochMs;
  return 1;
}
