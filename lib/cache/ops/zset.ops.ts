import type { OpArg } from '../../backends/atomic-op.js';
import type { CacheKeyOptions } from '../cache-options.interface.js';
import type {
  ScoreBound,
  ScoredMember,
  ZAddOptions,
  ZRangeByScoreOptions,
  ZRangeOptions,
} from '../data-options.interface.js';
import {
  asArray,
  boundArg,
  commandOp,
  decodeScored,
  decodeValues,
  integer,
  nonEmpty,
  score,
  scoreArg,
  type CacheOp,
  type OpContext,
} from './cache-op.js';

/** Members of `zadd`: a record of member to score, or `[member, score]` pairs (a Map too). */
export type ZAddMembers = Record<string, number> | Iterable<readonly [unknown, number]>;

/** ZADD with its flags; members are encoded as values. */
export function zadd(
  ctx: OpContext,
  key: string,
  members: ZAddMembers,
  options: ZAddOptions = {},
): CacheOp<number> {
  const full = ctx.fullKey(key, options);
  if (options.nx && options.xx) throw ctx.invalid('options', 'cannot have both `nx` and `xx`');
  if (options.gt && options.lt) throw ctx.invalid('options', 'cannot have both `gt` and `lt`');
  if (options.nx && (options.gt || options.lt)) {
    throw ctx.invalid('options', 'cannot combine `nx` with `gt` or `lt`');
  }
  const pairs: Array<readonly [unknown, unknown]> =
    members !== null && typeof members === 'object'
      ? Symbol.iterator in members
        ? [...members]
        : Object.entries(members)
      : [];
  if (pairs.length === 0) throw ctx.invalid('members', 'must hold at least one member');
  const args: OpArg[] = (['nx', 'xx', 'gt', 'lt', 'ch'] as const)
    .filter((flag) => options[flag])
    .map((flag) => flag.toUpperCase());
  for (const [member, value] of pairs) {
    args.push(scoreArg(ctx, 'score', value), ctx.encode(member, key));
  }
  return commandOp('zadd', [full], args, key, Number);
}

/** The operation of {@link CacheService.zrem}. */
export function zrem(
  ctx: OpContext,
  key: string,
  members: readonly unknown[],
  options?: CacheKeyOptions,
): CacheOp<number> {
  const full = ctx.fullKey(key, options);
  const args = nonEmpty(ctx, 'members', members).map((member) => ctx.encode(member, key));
  return commandOp('zrem', [full], args, key, Number);
}

/** The operation of {@link CacheService.zscore}. */
export function zscore(
  ctx: OpContext,
  key: string,
  member: unknown,
  options?: CacheKeyOptions,
): CacheOp<number | undefined> {
  const full = ctx.fullKey(key, options);
  return commandOp('zscore', [full], [ctx.encode(member, key)], key, (reply) =>
    reply === null ? undefined : score(reply),
  );
}

/** The operation of {@link CacheService.zmscore}. */
export function zmscore(
  ctx: OpContext,
  key: string,
  members: readonly unknown[],
  options?: CacheKeyOptions,
): CacheOp<Array<number | undefined>> {
  const full = ctx.fullKey(key, options);
  const args = nonEmpty(ctx, 'members', members).map((member) => ctx.encode(member, key));
  return commandOp('zmscore', [full], args, key, (reply) =>
    asArray(reply).map((s) => (s === null ? undefined : score(s))),
  );
}

/** The operation of {@link CacheService.zincrby}. */
export function zincrby(
  ctx: OpContext,
  key: string,
  member: unknown,
  delta: number,
  options?: CacheKeyOptions,
): CacheOp<number> {
  const full = ctx.fullKey(key, options);
  const args = [scoreArg(ctx, 'delta', delta), ctx.encode(member, key)];
  return commandOp('zincrby', [full], args, key, score);
}

/** The operation of {@link CacheService.zcard}. */
export function zcard(ctx: OpContext, key: string, options?: CacheKeyOptions): CacheOp<number> {
  const full = ctx.fullKey(key, options);
  return commandOp('zcard', [full], [], key, Number);
}

/** The operation of {@link CacheService.zcount}. */
export function zcount(
  ctx: OpContext,
  key: string,
  min: ScoreBound,
  max: ScoreBound,
  options?: CacheKeyOptions,
): CacheOp<number> {
  const full = ctx.fullKey(key, options);
  const args = [boundArg(ctx, 'min', min), boundArg(ctx, 'max', max)];
  return commandOp('zcount', [full], args, key, Number);
}

/** ZRANGE / ZREVRANGE by rank (both ends inclusive, negative from the end). */
export function rankRange<T>(
  ctx: OpContext,
  name: 'zrange' | 'zrevrange',
  key: string,
  start: number,
  stop: number,
  options: ZRangeOptions = {},
): CacheOp<T[] | ScoredMember<T>[]> {
  const full = ctx.fullKey(key, options);
  const args: OpArg[] = [integer(ctx, 'start', start), integer(ctx, 'stop', stop)];
  if (options.withScores) args.push('WITHSCORES');
  return commandOp(name, [full], args, key, (reply) =>
    options.withScores ? decodeScored<T>(ctx, reply, key) : decodeValues<T>(ctx, reply, key),
  );
}

/**
 * ZRANGEBYSCORE key min max / ZREVRANGEBYSCORE key max min: the bounds in the command's order,
 * as Redis takes them.
 */
export function scoreRange<T>(
  ctx: OpContext,
  name: 'zrangebyscore' | 'zrevrangebyscore',
  key: string,
  first: ScoreBound,
  second: ScoreBound,
  options: ZRangeByScoreOptions = {},
): CacheOp<T[] | ScoredMember<T>[]> {
  const full = ctx.fullKey(key, options);
  const [firstName, secondName] = name === 'zrangebyscore' ? ['min', 'max'] : ['max', 'min'];
  const args: OpArg[] = [boundArg(ctx, firstName!, first), boundArg(ctx, secondName!, second)];
  if (options.withScores) args.push('WITHSCORES');
  if (options.limit !== undefined) {
    const { offset, count } = options.limit;
    args.push(
      'LIMIT',
      integer(ctx, 'limit.offset', offset, 0),
      count === undefined ? -1 : integer(ctx, 'limit.count', count, 0),
    );
  }
  return commandOp(name, [full], args, key, (reply) =>
    options.withScores ? decodeScored<T>(ctx, reply, key) : decodeValues<T>(ctx, reply, key),
  );
}

/** The operation of {@link CacheService.rank}. */
export function rank(
  ctx: OpContext,
  name: 'zrank' | 'zrevrank',
  key: string,
  member: unknown,
  options?: CacheKeyOptions,
): CacheOp<number | undefined> {
  const full = ctx.fullKey(key, options);
  return commandOp(name, [full], [ctx.encode(member, key)], key, (reply) =>
    reply === null ? undefined : Number(reply),
  );
}

/** The operation of {@link CacheService.zremrangebyscore}. */
export function zremrangebyscore(
  ctx: OpContext,
  key: string,
  min: ScoreBound,
  max: ScoreBound,
  options?: CacheKeyOptions,
): CacheOp<number> {
  const full = ctx.fullKey(key, options);
  const args = [boundArg(ctx, 'min', min), boundArg(ctx, 'max', max)];
  return commandOp('zremrangebyscore', [full], args, key, Number);
}

/** The operation of {@link CacheService.zremrangebyrank}. */
export function zremrangebyrank(
  ctx: OpContext,
  key: string,
  start: number,
  stop: number,
  options?: CacheKeyOptions,
): CacheOp<number> {
  const full = ctx.fullKey(key, options);
  const args = [integer(ctx, 'start', start), integer(ctx, 'stop', stop)];
  return commandOp('zremrangebyrank', [full], args, key, Number);
}

/**
 * ZPOPMIN / ZPOPMAX: without `count` the one member (or `undefined`), with a count an array of
 * up to that many.
 */
export function zpop<T>(
  ctx: OpContext,
  name: 'zpopmin' | 'zpopmax',
  key: string,
  countOrOptions?: number | CacheKeyOptions,
  maybeOptions?: CacheKeyOptions,
): CacheOp<ScoredMember<T> | undefined> | CacheOp<ScoredMember<T>[]> {
  if (typeof countOrOptions !== 'number') {
    const full = ctx.fullKey(key, countOrOptions);
    return commandOp(name, [full], [], key, (reply) => decodeScored<T>(ctx, reply, key)[0]);
  }
  const full = ctx.fullKey(key, maybeOptions);
  const count = integer(ctx, 'count', countOrOptions, 0);
  return commandOp(name, [full], [count], key, (reply) => decodeScored<T>(ctx, reply, key));
}
