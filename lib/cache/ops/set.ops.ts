import type { CacheKeyOptions } from '../cache-options.interface.js';
import {
  asArray,
  assertSameSlot,
  commandOp,
  decodeValue,
  decodeValues,
  integer,
  nonEmpty,
  type CacheOp,
  type OpContext,
} from './cache-op.js';

/** SADD / SREM: members encoded (so they are compared as stored values); answers how many changed. */
export function addOrRemove(
  ctx: OpContext,
  name: 'sadd' | 'srem',
  key: string,
  members: readonly unknown[],
  options?: CacheKeyOptions,
): CacheOp<number> {
  const full = ctx.fullKey(key, options);
  const args = nonEmpty(ctx, 'members', members).map((member) => ctx.encode(member, key));
  return commandOp(name, [full], args, key, Number);
}

/** The operation of {@link CacheService.smembers}. */
export function smembers<T>(ctx: OpContext, key: string, options?: CacheKeyOptions): CacheOp<T[]> {
  const full = ctx.fullKey(key, options);
  return commandOp('smembers', [full], [], key, (reply) => decodeValues<T>(ctx, reply, key));
}

/** The operation of {@link CacheService.sismember}. */
export function sismember(
  ctx: OpContext,
  key: string,
  member: unknown,
  options?: CacheKeyOptions,
): CacheOp<boolean> {
  const full = ctx.fullKey(key, options);
  return commandOp('sismember', [full], [ctx.encode(member, key)], key, (reply) => reply === 1);
}

/** The operation of {@link CacheService.smismember}. */
export function smismember(
  ctx: OpContext,
  key: string,
  members: readonly unknown[],
  options?: CacheKeyOptions,
): CacheOp<boolean[]> {
  const full = ctx.fullKey(key, options);
  const args = nonEmpty(ctx, 'members', members).map((member) => ctx.encode(member, key));
  return commandOp('smismember', [full], args, key, (reply) =>
    asArray(reply).map((found) => found === 1),
  );
}

/** The operation of {@link CacheService.scard}. */
export function scard(ctx: OpContext, key: string, options?: CacheKeyOptions): CacheOp<number> {
  const full = ctx.fullKey(key, options);
  return commandOp('scard', [full], [], key, Number);
}

/**
 * SPOP / SRANDMEMBER: without `count` one member (or `undefined`); with a count an array (empty
 * for a missing key). SRANDMEMBER's negative count allows repeats; SPOP's must be ≥ 0.
 */
export function randomMembers<T>(
  ctx: OpContext,
  name: 'spop' | 'srandmember',
  key: string,
  countOrOptions?: number | CacheKeyOptions,
  maybeOptions?: CacheKeyOptions,
): CacheOp<T | undefined> | CacheOp<T[]> {
  if (typeof countOrOptions !== 'number') {
    const full = ctx.fullKey(key, countOrOptions);
    return commandOp(name, [full], [], key, (reply) => decodeValue<T>(ctx, reply, key));
  }
  const full = ctx.fullKey(key, maybeOptions);
  const count = integer(ctx, 'count', countOrOptions, name === 'spop' ? 0 : undefined);
  return commandOp(name, [full], [count], key, (reply) => decodeValues<T>(ctx, reply, key));
}

/**
 * SINTER / SUNION / SDIFF over several keys (a missing key is an empty set). On a cluster the
 * keys must share a hash slot.
 */
export function combine<T>(
  ctx: OpContext,
  name: 'sinter' | 'sunion' | 'sdiff',
  keys: readonly string[],
  options?: CacheKeyOptions,
): CacheOp<T[]> {
  const fulls = nonEmpty(ctx, 'keys', keys).map((key) => ctx.fullKey(key, options));
  assertSameSlot(ctx, name, fulls, keys);
  const label = keys.join(', ');
  return commandOp(name, fulls, [], label, (reply) => decodeValues<T>(ctx, reply, label));
}
