import type { OpArg } from '../../backends/atomic-op.js';
import type { CacheKeyOptions } from '../cache-options.interface.js';
import {
  asArray,
  commandOp,
  decodeValue,
  decodeValues,
  field,
  finite,
  integer,
  nonEmpty,
  text,
  type CacheOp,
  type OpContext,
} from './cache-op.js';

/** Fields of `hset`: one field and its value, a record, or `[field, value]` pairs. */
export type HashFields = Record<string, unknown> | Iterable<readonly [string, unknown]>;

/**
 * `hset(key, field, value, options?)` or `hset(key, fields, options?)`: fields are stored as
 * given (not prefixed), values encoded.
 */
export function hset(
  ctx: OpContext,
  key: string,
  fieldOrFields: string | HashFields,
  valueOrOptions?: unknown,
  maybeOptions?: CacheKeyOptions,
): CacheOp<number> {
  const single = typeof fieldOrFields === 'string';
  const options = (single ? maybeOptions : valueOrOptions) as CacheKeyOptions | undefined;
  const full = ctx.fullKey(key, options);
  const pairs: Array<readonly [unknown, unknown]> = single
    ? [[fieldOrFields, valueOrOptions]]
    : fieldOrFields !== null && typeof fieldOrFields === 'object'
      ? Symbol.iterator in fieldOrFields
        ? [...fieldOrFields]
        : Object.entries(fieldOrFields)
      : [];
  if (pairs.length === 0) throw ctx.invalid('fields', 'must hold at least one field');
  const args: OpArg[] = pairs.flatMap(([name, value]) => [
    field(ctx, name),
    ctx.encode(value, key),
  ]);
  return commandOp('hset', [full], args, key, Number);
}

/** The operation of {@link CacheService.hsetnx}. */
export function hsetnx(
  ctx: OpContext,
  key: string,
  name: string,
  value: unknown,
  options?: CacheKeyOptions,
): CacheOp<boolean> {
  const full = ctx.fullKey(key, options);
  const args = [field(ctx, name), ctx.encode(value, key)];
  return commandOp('hsetnx', [full], args, key, (reply) => reply === 1);
}

/** The operation of {@link CacheService.hget}. */
export function hget<T>(
  ctx: OpContext,
  key: string,
  name: string,
  options?: CacheKeyOptions,
): CacheOp<T | undefined> {
  const full = ctx.fullKey(key, options);
  return commandOp('hget', [full], [field(ctx, name)], key, (reply) =>
    decodeValue<T>(ctx, reply, key),
  );
}

/** The operation of {@link CacheService.hmget}. */
export function hmget<T>(
  ctx: OpContext,
  key: string,
  names: readonly string[],
  options?: CacheKeyOptions,
): CacheOp<Array<T | undefined>> {
  const full = ctx.fullKey(key, options);
  const fields = nonEmpty(ctx, 'fields', names).map((name) => field(ctx, name, 'fields'));
  return commandOp('hmget', [full], fields, key, (reply) =>
    decodeValues<T | undefined>(ctx, reply, key),
  );
}

/** The operation of {@link CacheService.hgetall}. */
export function hgetall<T>(
  ctx: OpContext,
  key: string,
  options?: CacheKeyOptions,
): CacheOp<Record<string, T>> {
  const full = ctx.fullKey(key, options);
  return commandOp('hgetall', [full], [], key, (reply) => {
    const flat = asArray(reply);
    const entries: Array<[string, T]> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      entries.push([text(flat[i]!), decodeValue<T>(ctx, flat[i + 1]!, key) as T]);
    }
    return Object.fromEntries(entries);
  });
}

/** The operation of {@link CacheService.hdel}. */
export function hdel(
  ctx: OpContext,
  key: string,
  names: string | readonly string[],
  options?: CacheKeyOptions,
): CacheOp<number> {
  const full = ctx.fullKey(key, options);
  const list = typeof names === 'string' ? [names] : nonEmpty(ctx, 'fields', names);
  const fields = list.map((name) => field(ctx, name, 'fields'));
  return commandOp('hdel', [full], fields, key, Number);
}

/** The operation of {@link CacheService.hexists}. */
export function hexists(
  ctx: OpContext,
  key: string,
  name: string,
  options?: CacheKeyOptions,
): CacheOp<boolean> {
  const full = ctx.fullKey(key, options);
  return commandOp('hexists', [full], [field(ctx, name)], key, (reply) => reply === 1);
}

/** The operation of {@link CacheService.hkeys}. */
export function hkeys(ctx: OpContext, key: string, options?: CacheKeyOptions): CacheOp<string[]> {
  const full = ctx.fullKey(key, options);
  return commandOp('hkeys', [full], [], key, (reply) => asArray(reply).map(text));
}

/** The operation of {@link CacheService.hvals}. */
export function hvals<T>(ctx: OpContext, key: string, options?: CacheKeyOptions): CacheOp<T[]> {
  const full = ctx.fullKey(key, options);
  return commandOp('hvals', [full], [], key, (reply) => decodeValues<T>(ctx, reply, key));
}

/** The operation of {@link CacheService.hlen}. */
export function hlen(ctx: OpContext, key: string, options?: CacheKeyOptions): CacheOp<number> {
  const full = ctx.fullKey(key, options);
  return commandOp('hlen', [full], [], key, Number);
}

/** The operation of {@link CacheService.hincrby}. */
export function hincrby(
  ctx: OpContext,
  key: string,
  name: string,
  delta: number,
  options?: CacheKeyOptions,
): CacheOp<number> {
  const full = ctx.fullKey(key, options);
  const args = [field(ctx, name), integer(ctx, 'delta', delta)];
  return commandOp('hincrby', [full], args, key, Number);
}

/** The operation of {@link CacheService.hincrbyfloat}. */
export function hincrbyfloat(
  ctx: OpContext,
  key: string,
  name: string,
  delta: number,
  options?: CacheKeyOptions,
): CacheOp<number> {
  const full = ctx.fullKey(key, options);
  const args = [field(ctx, name), String(finite(ctx, 'delta', delta))];
  return commandOp('hincrbyfloat', [full], args, key, (reply) => Number(text(reply)));
}
