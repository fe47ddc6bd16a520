import { BackendReplyError, REPLY } from '../../reply-error.js';
import {
  inInt64,
  integerArg,
  parseInt64,
  readAs,
  text,
  value,
  type CommandContext,
  type MemoryCommand,
} from './command-context.js';
import type { RawValue } from '../../backend.interface.js';

/** Redis' string and generic key commands that the cache layer sends (GET, SET, PEXPIRE, …). */
export const KEY_COMMANDS: Record<string, MemoryCommand> = {
  get(ctx, [key]) {
    return readAs(ctx, key!, 'string')?.data ?? null;
  },

  /** SET key value [PX ms] [NX | XX]: 'OK', or nil when NX/XX prevented the write. */
  set(ctx, [key], [raw, ...options]) {
    let ttl: number | null = null;
    let condition: 'nx' | 'xx' | undefined;
    for (let i = 0; i < options.length; i++) {
      const option = text(options[i]!).toUpperCase();
      if (option === 'PX') ttl = integerArg(options[++i]!);
      else if (option === 'NX' || option === 'XX') condition = option === 'NX' ? 'nx' : 'xx';
      else throw new BackendReplyError(REPLY.SYNTAX);
    }
    return setString(ctx, key!, value(raw!), ttl, condition) ? 'OK' : null;
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

/**
 * SET's effect, once its options are read: writes a string with a TTL in ms (`null`: none)
 * unless `nx`/`xx` prevents it; answers whether it wrote. The memory backend's `set` calls it
 * directly, without building and parsing a command.
 */
export function setString(
  ctx: CommandContext,
  key: string,
  data: RawValue,
  ttl: number | null,
  condition: 'nx' | 'xx' | undefined,
): boolean {
  if (condition) {
    const exists = ctx.read(key) !== undefined;
    if (condition === 'nx' ? exists : !exists) return false;
  }
  ctx.write(key, { type: 'string', data, expiresAt: ttl === null ? 0 : ctx.now + ttl });
  return true;
}

function deleteKeys(ctx: CommandContext, keys: readonly string[]): number {
  return keys.filter((key) => ctx.delete(key)).length;
}

/** PEXPIREAT: a moment not in the future deletes the key (Redis does the same). */
function expireAt(ctx: CommandContext, key: string, epochMs: number): number {
  const entry = ctx.read(key);
  if (!entry) return 0;
  if (epochMs <= ctx.now) ctx.delete(key);
  else entry.expiresAt = epochMs;
  return 1;
}
