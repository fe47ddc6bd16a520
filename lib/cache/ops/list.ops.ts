import { describe } from '../../utils/duration.js';
import type { CacheKeyOptions } from '../cache-options.interface.js';
import type { ListEnd } from '../data-options.interface.js';
import {
  assertSameSlot,
  commandOp,
  decodeValue,
  decodeValues,
  integer,
  nonEmpty,
  type CacheOp,
  type OpContext,
} from './cache-op.js';

/** LPUSH / RPUSH: values encoded, in order; answers the new length. */
export function push(
  ctx: OpContext,
  end: ListEnd,
  key: string,
  values: readonly unknown[],
  options?: CacheKeyOptions,
): CacheOp<number> {
  const full = ctx.fullKey(key, options);
  const args = nonEmpty(ctx, 'values', values).map((value) => ctx.encode(value, key));
  return commandOp(end === 'left' ? 'lpush' : 'rpush', [full], args, key, Number);
}

/**
 * LPOP / RPOP: without `count` one value (or `undefined`), with a count an array of up to that
 * many values (empty for a missing key).
 */
export function pop<T>(
  ctx: OpContext,
  end: ListEnd,
  key: string,
  countOrOptions?: number | CacheKeyOptions,
  maybeOptions?: CacheKeyOptions,
): CacheOp<T | undefined> | CacheOp<T[]> {
  const name = end === 'left' ? 'lpop' : 'rpop';
  if (typeof countOrOptions !== 'number') {
    const full = ctx.fullKey(key, countOrOptions);
    return commandOp(name, [full], [], key, (reply) => decodeValue<T>(ctx, reply, key));
  }
  const full = ctx.fullKey(key, maybeOptions);
  const count = integer(ctx, 'count', countOrOptions, 0);
  return commandOp(name, [full], [count], key, (reply) => decodeValues<T>(ctx, reply, key));
}

/** The operation of {@link CacheService.lrange}. */
export function lrange<T>(
  ctx: OpContext,
  key: string,
  start: number,
  stop: number,
  options?: CacheKeyOptions,
): CacheOp<T[]> {
  const full = ctx.fullKey(key, options);
  const args = [integer(ctx, 'start', start), integer(ctx, 'stop', stop)];
  return commandOp('lrange', [full], args, key, (reply) => decodeValues<T>(ctx, reply, key));
}

/** The operation of {@link CacheService.lindex}. */
export function lindex<T>(
  ctx: OpContext,
  key: string,
  index: number,
  options?: CacheKeyOptions,
): CacheOp<T | undefined> {
  const full = ctx.fullKey(key, options);
  return commandOp('lindex', [full], [integer(ctx, 'index', index)], key, (reply) =>
    decodeValue<T>(ctx, reply, key),
  );
}

/** The operation of {@link CacheService.llen}. */
export function llen(ctx: OpContext, key: string, options?: CacheKeyOptions): CacheOp<number> {
  const full = ctx.fullKey(key, options);
  return commandOp('llen', [full], [], key, Number);
}

/** The operation of {@link CacheService.lset}. */
export function lset(
  ctx: OpContext,
  key: string,
  index: number,
  value: unknown,
  options?: CacheKeyOptions,
): CacheOp<void> {
  const full = ctx.fullKey(key, options);
  const args = [integer(ctx, 'index', index), ctx.encode(value, key)];
  return commandOp('lset', [full], args, key, () => undefined);
}

/** The operation of {@link CacheService.ltrim}. */
export function ltrim(
  ctx: OpContext,
  key: string,
  start: number,
  stop: number,
  options?: CacheKeyOptions,
): CacheOp<void> {
  const full = ctx.fullKey(key, options);
  const args = [integer(ctx, 'start', start), integer(ctx, 'stop', stop)];
  return commandOp('ltrim', [full], args, key, () => undefined);
}

/** The operation of {@link CacheService.lrem}. */
export function lrem(
  ctx: OpContext,
  key: string,
  count: number,
  value: unknown,
  options?: CacheKeyOptions,
): CacheOp<number> {
  const full = ctx.fullKey(key, options);
  const args = [integer(ctx, 'count', count), ctx.encode(value, key)];
  return commandOp('lrem', [full], args, key, Number);
}

/** The operation of {@link CacheService.lmove}. */
export function lmove<T>(
  ctx: OpContext,
  source: string,
  destination: string,
  from: ListEnd,
  to: ListEnd,
  options?: CacheKeyOptions,
): CacheOp<T | undefined> {
  const keys = [ctx.fullKey(source, options), ctx.fullKey(destination, options)];
  const args = [listEnd(ctx, 'from', from), listEnd(ctx, 'to', to)];
  assertSameSlot(ctx, 'lmove', keys, [source, destination]);
  return commandOp('lmove', keys, args, `${source}, ${destination}`, (reply) =>
    decodeValue<T>(ctx, reply, source),
  );
}

function listEnd(ctx: OpContext, argument: string, value: unknown): string {
  if (value !== 'left' && value !== 'right') {
    throw ctx.invalid(argument, `must be 'left' or 'right', got ${describe(value)}`);
  }
  return value.toUpperCase();
}
