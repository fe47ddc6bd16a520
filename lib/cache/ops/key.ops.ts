import type { OpArg } from '../../backends/atomic-op.js';
import { defineOp } from '../../backends/atomic-op.js';
import type { BackendSetOptions, RawValue } from '../../backends/backend.interface.js';
import { TOUCH } from '../../backends/redis/redis.scripts.js';
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
 * `touch` in a pipeline: the backend's TOUCH script (set or remove a TTL, answer whether the key
 * exists) with its memory twin.
 */
const TOUCH_OP = defineOp<boolean>({
  name: TOUCH.name,
  lua: TOUCH.lua,
  memory: (ctx, [key], [ms]) => {
    const entry = ctx.read(key!);
    if (!entry) return false;
    entry.expiresAt = ms === '' ? 0 : ctx.now + Number(ms);
    return true;
  },
  fromRedis: (reply) => reply === 1,
});

/** The operation of {@link CacheService.touch}. */
export function touch(
  ctx: OpContext,
  key: string,
  ttl: Duration | null | undefined,
  options?: CacheKeyOptions,
): CacheOp<boolean> {
  const full = ctx.fullKey(key, options);
  const ms = ctx.resolveTtl(ttl);
  return {
    step: { op: TOUCH_OP, keys: [full], args: [ms === null ? '' : ms] },
    key,
    decode: (result) => result as boolean,
  };
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
