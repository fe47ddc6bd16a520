import type { OpArg } from '../../backends/atomic-op.js';
import { defineOp } from '../../backends/atomic-op.js';
import type { BackendSetOptions, RawValue } from '../../backends/backend.interface.js';
import { inInt64, parseInt64 } from '../../backends/memory/commands/command-context.js';
import { BackendReplyError, REPLY } from '../../backends/reply-error.js';
import { describe, parseDuration, type Duration } from '../../utils/duration.js';
import type { CacheKeyOptions, CacheSetOptions } from '../cache-options.interface.js';
import type { KeyType } from '../data-options.interface.js';
import { commandOp, decodeValue, integer, type CacheOp, type OpContext } from './cache-op.js';

/**
 * The string and key operations of a pipeline (`get`, `set`, `expire`, …), and `type`. Each
 * takes its arguments exactly as the `CacheService` method of the same name.
 */

/** `set`'s arguments as `CacheService.set` and a pipeline's `set` both read them. */
export function setArguments(
  ctx: OpContext,
  key: string,
  value: unknown,
  options?: CacheSetOptions,
): { full: string; raw: RawValue; options: BackendSetOptions } {
  const full = ctx.fullKey(key, options);
  const ttl = ctx.resolveTtl(options?.ttl);
  if (options?.nx && options.xx) throw ctx.invalid('options', 'cannot have both `nx` and `xx`');
  const condition = options?.nx ? 'nx' : options?.xx ? 'xx' : undefined;
  return { full, raw: ctx.encode(value, key), options: { ttl, condition } };
}

/** The operation of {@link CacheService.get}. */
export function get<T>(
  ctx: OpContext,
  key: string,
  options?: CacheKeyOptions,
): CacheOp<T | undefined> {
  const full = ctx.fullKey(key, options);
  return commandOp('get', [full], [], key, (reply) => decodeValue<T>(ctx, reply, key));
}

/** The operation of {@link CacheService.set}. */
export function set(
  ctx: OpContext,
  key: string,
  value: unknown,
  options?: CacheSetOptions,
): CacheOp<boolean> {
  const { full, raw, options: write } = setArguments(ctx, key, value, options);
  const args: OpArg[] = [raw];
  if (write.ttl !== null) args.push('PX', write.ttl);
  if (write.condition) args.push(write.condition === 'nx' ? 'NX' : 'XX');
  return commandOp('set', [full], args, key, (reply) => reply !== null);
}

/** The operation of {@link CacheService.delete}. */
export function del(ctx: OpContext, key: string, options?: CacheKeyOptions): CacheOp<boolean> {
  const full = ctx.fullKey(key, options);
  return commandOp('unlink', [full], [], key, (reply) => reply === 1);
}

/** The operation of {@link CacheService.has}. */
export function has(ctx: OpContext, key: string, options?: CacheKeyOptions): CacheOp<boolean> {
  const full = ctx.fullKey(key, options);
  return commandOp('exists', [full], [], key, (reply) => reply === 1);
}

/** The operation of {@link CacheService.incr}. */
export function incr(
  ctx: OpContext,
  key: string,
  delta: number,
  options?: CacheKeyOptions,
): CacheOp<number> {
  integer(ctx, 'delta', delta);
  const full = ctx.fullKey(key, options);
  return commandOp('incrby', [full], [delta], key, Number);
}

/** The operation of {@link CacheService.expire}. */
export function expire(
  ctx: OpContext,
  key: string,
  ttl: Duration,
  options?: CacheKeyOptions,
): CacheOp<boolean> {
  const ms = parseDuration(ttl);
  if (typeof ms === 'string') throw ctx.invalid('ttl', ms);
  const full = ctx.fullKey(key, options);
  return commandOp('pexpire', [full], [ms], key, (reply) => reply === 1);
}

/** The operation of {@link CacheService.expireAt}. */
export function expireAt(
  ctx: OpContext,
  key: string,
  when: Date | number,
  options?: CacheKeyOptions,
): CacheOp<boolean> {
  const epochMs = when instanceof Date ? when.getTime() : when;
  if (typeof epochMs !== 'number' || !Number.isSafeInteger(Math.round(epochMs)))
    throw ctx.invalid('when', `must be a Date or epoch milliseconds, got ${describe(when)}`);
  const full = ctx.fullKey(key, options);
  return commandOp('pexpireat', [full], [Math.round(epochMs)], key, (reply) => reply === 1);
}

/** The operation of {@link CacheService.persist}. */
export function persist(ctx: OpContext, key: string, options?: CacheKeyOptions): CacheOp<boolean> {
  const full = ctx.fullKey(key, options);
  return commandOp('persist', [full], [], key, (reply) => reply === 1);
}

/** The operation of {@link CacheService.ttl}. */
export function ttl(
  ctx: OpContext,
  key: string,
  options?: CacheKeyOptions,
): CacheOp<number | null | undefined> {
  const full = ctx.fullKey(key, options);
  return commandOp('pttl', [full], [], key, (reply) =>
    reply === -2 ? undefined : reply === -1 ? null : (reply as number),
  );
}

/**
 * `touch` without a TTL: PERSIST answers 0 both for a missing key and for one without expiry,
 * while `touch` answers whether the key exists.
 */
const PERSIST_EXISTING = defineOp<boolean>({
  name: 'cachex:touch',
  lua: `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('PERSIST', KEYS[1])
return 1`,
  memory: (ctx, [key]) => {
    const entry = ctx.read(key!);
    if (!entry) return false;
    entry.expiresAt = 0;
    return true;
  },
  fromRedis: (reply) => reply === 1,
});

/**
 * The operation of {@link CacheService.touch}: PEXPIRE for a TTL, {@link PERSIST_EXISTING} for
 * none.
 */
export function touch(
  ctx: OpContext,
  key: string,
  ttl: Duration | null | undefined,
  options?: CacheKeyOptions,
): CacheOp<boolean> {
  const full = ctx.fullKey(key, options);
  const ms = ctx.resolveTtl(ttl);
  if (ms !== null) return commandOp('pexpire', [full], [ms], key, (reply) => reply === 1);
  return {
    step: { op: PERSIST_EXISTING, keys: [full], args: [] },
    key,
    decode: (result) => result as boolean,
  };
}

/**
 * Increments a version counter (a namespace's or a tag's) that reads as 1 while missing. NOTE:
 * the first bump of a missing counter must yield 2: a plain INCR on a missing key yields
 * 1, the very version readers already assume, which would invalidate nothing.
 */
export const BUMP_VERSION = defineOp<number>({
  name: 'cachex:bump-version',
  lua: `local v = redis.call('INCR', KEYS[1])
if v == 1 then v = redis.call('INCR', KEYS[1]) end
return v`,
  memory: (ctx, [key]) => {
    const entry = ctx.read(key!);
    if (entry !== undefined && entry.type !== 'string')
      throw new BackendReplyError(REPLY.WRONGTYPE);
    const current = entry === undefined ? 0n : parseInt64(entry.data);
    if (current === undefined) throw new BackendReplyError(REPLY.NOT_INTEGER);
    const next = current === 0n ? 2n : current + 1n;
    if (!inInt64(next)) throw new BackendReplyError(REPLY.OVERFLOW);
    ctx.write(key!, { type: 'string', data: next.toString(), expiresAt: entry?.expiresAt ?? 0 });
    return Number(next);
  },
  fromRedis: Number,
});

/**
 * Increments the version counter at `full` (an internal key: a namespace's or a tag's), which
 * reads as 1 while missing; the first bump yields 2. `what` names it in errors.
 */
export function bumpVersion(full: string, what: string): CacheOp<number> {
  return { step: { op: BUMP_VERSION, keys: [full], args: [] }, key: what, decode: Number };
}

/** The operation of {@link CacheService.type}. */
export function type(
  ctx: OpContext,
  key: string,
  options?: CacheKeyOptions,
): CacheOp<KeyType | undefined> {
  const full = ctx.fullKey(key, options);
  return commandOp('type', [full], [], key, (reply) => {
    const name = String(reply);
    return name === 'none' ? undefined : (name as KeyType);
  });
}
