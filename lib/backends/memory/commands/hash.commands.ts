import type { RawValue, Reply } from '../../backend.interface.js';
import { BackendReplyError, REPLY } from '../../reply-error.js';
import {
  bytes,
  dropIfEmpty,
  inInt64,
  integerArg,
  parseInt64,
  readAs,
  readOrCreate,
  replyBytes,
  value,
  type MemoryCommand,
} from './command-context.js';
import {
  NOT_FINITE,
  addLongDoubles,
  parseLongDouble,
  printLongDouble,
  type LongDouble,
} from './long-double.js';

const newHash = (): Map<string, RawValue> => new Map();
const ZERO: LongDouble = { m: 0n, e: 0 };

/** Redis' hash commands. Fields are byte strings; values are stored as given. */
export const HASH_COMMANDS: Record<string, MemoryCommand> = {
  /** HSET key field value [field value …]: how many fields were new. */
  hset(ctx, [key], args) {
    if (args.length === 0 || args.length % 2 !== 0) throw new BackendReplyError(REPLY.SYNTAX);
    const { data } = readOrCreate(ctx, key!, 'hash', newHash);
    let added = 0;
    for (let i = 0; i < args.length; i += 2) {
      const field = bytes(args[i]!);
      if (!data.has(field)) added++;
      data.set(field, value(args[i + 1]!));
    }
    return added;
  },

  hsetnx(ctx, [key], [field, raw]) {
    const { data } = readOrCreate(ctx, key!, 'hash', newHash);
    const name = bytes(field!);
    if (data.has(name)) return 0;
    data.set(name, value(raw!));
    return 1;
  },

  hget(ctx, [key], [field]) {
    return readAs(ctx, key!, 'hash')?.data.get(bytes(field!)) ?? null;
  },

  hmget(ctx, [key], fields) {
    const data = readAs(ctx, key!, 'hash')?.data;
    return fields.map((field) => data?.get(bytes(field)) ?? null);
  },

  hgetall(ctx, [key]) {
    const flat: Reply[] = [];
    for (const [field, raw] of readAs(ctx, key!, 'hash')?.data ?? []) {
      flat.push(replyBytes(ctx, field), raw);
    }
    return flat;
  },

  hdel(ctx, [key], fields) {
    const data = readAs(ctx, key!, 'hash')?.data;
    if (!data) return 0;
    const removed = fields.filter((field) => data.delete(bytes(field))).length;
    dropIfEmpty(ctx, key!, data.size);
    return removed;
  },

  hexists(ctx, [key], [field]) {
    return readAs(ctx, key!, 'hash')?.data.has(bytes(field!)) ? 1 : 0;
  },

  hkeys(ctx, [key]) {
    return [...(readAs(ctx, key!, 'hash')?.data.keys() ?? [])].map((f) => replyBytes(ctx, f));
  },

  hvals(ctx, [key]) {
    return [...(readAs(ctx, key!, 'hash')?.data.values() ?? [])];
  },

  hlen(ctx, [key]) {
    return readAs(ctx, key!, 'hash')?.data.size ?? 0;
  },

  /** HINCRBY: a missing field counts from 0; the field must hold a 64-bit integer. */
  hincrby(ctx, [key], [field, delta]) {
    const increment = BigInt(integerArg(delta!));
    const name = bytes(field!);
    const stored = readAs(ctx, key!, 'hash')?.data.get(name);
    const current = stored === undefined ? 0n : parseInt64(stored);
    if (current === undefined) throw new BackendReplyError(REPLY.HASH_NOT_INTEGER);
    const next = current + increment;
    if (!inInt64(next)) throw new BackendReplyError(REPLY.OVERFLOW);
    readOrCreate(ctx, key!, 'hash', newHash).data.set(name, next.toString());
    return Number(next);
  },

  /**
   * HINCRBYFLOAT: a missing field counts from 0; answers the new value as text. In Redis' own
   * long-double arithmetic and printing (see long-double.ts), so the text is Redis' too.
   */
  hincrbyfloat(ctx, [key], [field, delta]) {
    const increment = parseLongDouble(delta!);
    if (increment === undefined) throw new BackendReplyError(REPLY.NOT_FLOAT);
    if (increment === NOT_FINITE) throw new BackendReplyError(REPLY.NAN_OR_INFINITY);
    const name = bytes(field!);
    const stored = readAs(ctx, key!, 'hash')?.data.get(name);
    const current = stored === undefined ? ZERO : parseLongDouble(stored);
    if (current === undefined) throw new BackendReplyError(REPLY.HASH_NOT_FLOAT);
    const next = current === NOT_FINITE ? NOT_FINITE : addLongDoubles(current, increment);
    if (next === NOT_FINITE) throw new BackendReplyError(REPLY.INCR_NAN);
    const formatted = printLongDouble(next);
    readOrCreate(ctx, key!, 'hash', newHash).data.set(name, formatted);
    return formatted;
  },
};
