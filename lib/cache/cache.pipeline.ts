import { keyHashSlot } from '../keys/key-slot.js';
import { MESSAGES } from '../cachex.messages.js';
import { CacheXError } from '../errors/cachex.error.js';
import { CrossSlotError } from '../errors/cross-slot.error.js';
import { PipelineError, type PipelineResult } from '../errors/pipeline.error.js';
import type { Duration } from '../utils/duration.js';
import type { CacheKeyOptions, CacheSetOptions } from './cache-options.interface.js';
import { opOf, type CacheScript } from './cache-script.js';
import type {
  KeyType,
  ListEnd,
  ScoreBound,
  ScoredMember,
  ScriptOptions,
  ZAddOptions,
  ZRangeByScoreOptions,
  ZRangeOptions,
} from './data-options.interface.js';
import type { CacheContext } from './cache-context.js';
import type { CacheOp } from './ops/cache-op.js';
import { integer } from './ops/cache-op.js';
import * as hash from './ops/hash.ops.js';
import type { HashFields } from './ops/hash.ops.js';
import * as keys from './ops/key.ops.js';
import * as list from './ops/list.ops.js';
import { runScript } from './ops/script.ops.js';
import * as set from './ops/set.ops.js';
import * as zset from './ops/zset.ops.js';
import type { ZAddMembers } from './ops/zset.ops.js';

/** Options of {@link CacheService.pipeline}. */
export interface PipelineOptions {
  /**
   * Run the operations atomically: MULTI/EXEC on Redis (on a cluster all keys must share a hash
   * slot; queuing one of another slot throws `CrossSlotError`), one synchronous run in memory.
   * @default false
   */
  transaction?: boolean;
}

/**
 * What {@link CachePipeline.exec} answers: the typed tuple of a chained pipeline, or `unknown[]`
 * when operations were queued statement by statement (`pipe.zadd(…); pipe.zcard(…)`), which the
 * type of `pipe` cannot follow.
 */
export type PipelineValues<R extends unknown[]> = R extends [] ? unknown[] : R;

/** The per-operation results of {@link CachePipeline.execSettled}, typed like {@link PipelineValues}. */
export type PipelineResults<R extends unknown[]> = R extends []
  ? PipelineResult[]
  : { -readonly [K in keyof R]: PipelineResult<R[K]> };

/**
 * Operations of one cache queued and sent together: one round trip on Redis (one per node on a
 * cluster) instead of one per operation. Each method queues the {@link CacheService} method of
 * the same name, with the same arguments, defaults (the cache's TTL for `set`) and results; the
 * type parameter tracks the results, so `exec()` answers a typed tuple. Arguments are checked
 * when queued: a bad one throws there (`InvalidArgumentError`, `SerializationError`,
 * `CrossSlotError`) and nothing is sent.
 *
 * A pipeline is not atomic (other clients' commands may run between its operations) unless made
 * with `{ transaction: true }`. Either way an operation that fails (a `WrongTypeError`) does not
 * stop nor undo the others.
 *
 * @typeParam R - the results of the queued operations, in order
 * @example
 * const [, , count] = await cache
 *   .pipeline()
 *   .zremrangebyscore(key, 0, now - windowMs)
 *   .zadd(key, { [String(now)]: now })
 *   .zcard(key)
 *   .expire(key, windowMs)
 *   .exec();
 */
export class CachePipeline<R extends unknown[] = []> {
  private readonly queued: Array<CacheOp<unknown>> = [];
  private executed = false;
  /** The slot of a cluster transaction, fixed by its first keyed operation. */
  private slot: { slot: number; key: string } | undefined;

  /** @internal Made by `CacheService.pipeline()`. */
  constructor(
    private readonly ctx: CacheContext,
    private readonly transaction: boolean,
  ) {}

  /** How many operations are queued. */
  get length(): number {
    return this.queued.length;
  }

  /**
   * Sends the queued operations and answers their results in queue order.
   * @throws PipelineError when some failed; the others ran, and `error.results` holds every
   *   operation's value or error
   * @throws CacheXConnectionError when the round trip itself failed
   * @example const [user, visits] = await cache.pipeline().get<User>('user:1').incr('visits').exec();
   */
  async exec(): Promise<PipelineValues<R>> {
    const results: PipelineResult[] = await this.execSettled();
    const failed = results.filter((result) => !result.ok);
    if (failed.length > 0) {
      const first = failed[0] as { error: CacheXError };
      throw new PipelineError(
        MESSAGES.pipelineFailed(this.ctx.cache, failed.length, results.length, first.error.message),
        this.ctx.cache,
        results,
      );
    }
    return results.map((result) => (result as { value: unknown }).value) as PipelineValues<R>;
  }

  /**
   * Sends the queued operations and answers each one's `{ ok: true, value }` or
   * `{ ok: false, error }` (a typed error), in queue order, without throwing for them.
   * @throws CacheXConnectionError when the round trip itself failed
   * @example
   * const [a, b] = await cache.pipeline().hget('h', 'f').incr('h').execSettled();
   * if (!b.ok) console.warn(b.error.message); // WrongTypeError: 'h' is a hash
   */
  async execSettled(): Promise<PipelineResults<R>> {
    if (this.executed) throw new CacheXError(MESSAGES.pipelineExecuted(this.ctx.cache));
    this.executed = true;
    if (this.queued.length === 0) return [] as unknown as PipelineResults<R>;
    const steps = this.queued.map((op) => op.step);
    const replies = await this.ctx.backend
      .pipeline(steps, this.transaction)
      .catch((error: unknown) => Promise.reject(this.ctx.mapError(error)));
    return replies.map((reply, i): PipelineResult => {
      const op = this.queued[i]!;
      try {
        if (!reply.ok) throw reply.error;
        return { ok: true, value: op.decode(reply.value) };
      } catch (error) {
        return { ok: false, error: this.ctx.mapError(error, op.key) };
      }
    }) as PipelineResults<R>;
  }

  // ---- Strings and keys ----

  /** Queues {@link CacheService.get}. */
  get<T = unknown>(key: string, options?: CacheKeyOptions): CachePipeline<[...R, T | undefined]> {
    return this.queue(keys.get<T>(this.ctx, key, options));
  }

  /** Queues {@link CacheService.set}: the cache's default TTL unless `ttl` says otherwise. */
  set(key: string, value: unknown, options?: CacheSetOptions): CachePipeline<[...R, boolean]> {
    return this.queue(keys.set(this.ctx, key, value, options));
  }

  /** Queues {@link CacheService.add}. */
  add(key: string, value: unknown, ttl?: Duration | null): CachePipeline<[...R, boolean]> {
    return this.queue(keys.set(this.ctx, key, value, { ttl, nx: true }));
  }

  /** Queues {@link CacheService.delete}. */
  delete(key: string, options?: CacheKeyOptions): CachePipeline<[...R, boolean]> {
    return this.queue(keys.del(this.ctx, key, options));
  }

  /** Queues {@link CacheService.has}. */
  has(key: string, options?: CacheKeyOptions): CachePipeline<[...R, boolean]> {
    return this.queue(keys.has(this.ctx, key, options));
  }

  /** Queues {@link CacheService.incr}. */
  incr(key: string, delta = 1, options?: CacheKeyOptions): CachePipeline<[...R, number]> {
    return this.queue(keys.incr(this.ctx, key, delta, options));
  }

  /** Queues {@link CacheService.decr}. */
  decr(key: string, delta = 1, options?: CacheKeyOptions): CachePipeline<[...R, number]> {
    integer(this.ctx, 'delta', delta);
    return this.queue(keys.incr(this.ctx, key, -delta, options));
  }

  /** Queues {@link CacheService.expire}. */
  expire(key: string, ttl: Duration, options?: CacheKeyOptions): CachePipeline<[...R, boolean]> {
    return this.queue(keys.expire(this.ctx, key, ttl, options));
  }

  /** Queues {@link CacheService.expireAt}. */
  expireAt(
    key: string,
    when: Date | number,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, boolean]> {
    return this.queue(keys.expireAt(this.ctx, key, when, options));
  }

  /** Queues {@link CacheService.persist}. */
  persist(key: string, options?: CacheKeyOptions): CachePipeline<[...R, boolean]> {
    return this.queue(keys.persist(this.ctx, key, options));
  }

  /** Queues {@link CacheService.ttl}. */
  ttl(key: string, options?: CacheKeyOptions): CachePipeline<[...R, number | null | undefined]> {
    return this.queue(keys.ttl(this.ctx, key, options));
  }

  /** Queues {@link CacheService.touch}. */
  touch(
    key: string,
    ttl?: Duration | null,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, boolean]> {
    return this.queue(keys.touch(this.ctx, key, ttl, options));
  }

  /** Queues {@link CacheService.type}. */
  type(key: string, options?: CacheKeyOptions): CachePipeline<[...R, KeyType | undefined]> {
    return this.queue(keys.type(this.ctx, key, options));
  }

  // ---- Hashes ----

  /** Queues {@link CacheService.hset}. */
  hset(
    key: string,
    field: string,
    value: unknown,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number]>;
  hset(key: string, fields: HashFields, options?: CacheKeyOptions): CachePipeline<[...R, number]>;
  hset(
    key: string,
    fieldOrFields: string | HashFields,
    valueOrOptions?: unknown,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number]> {
    return this.queue(hash.hset(this.ctx, key, fieldOrFields, valueOrOptions, options));
  }

  /** Queues {@link CacheService.hsetnx}. */
  hsetnx(
    key: string,
    field: string,
    value: unknown,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, boolean]> {
    return this.queue(hash.hsetnx(this.ctx, key, field, value, options));
  }

  /** Queues {@link CacheService.hget}. */
  hget<T = unknown>(
    key: string,
    field: string,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, T | undefined]> {
    return this.queue(hash.hget<T>(this.ctx, key, field, options));
  }

  /** Queues {@link CacheService.hmget}. */
  hmget<T = unknown>(
    key: string,
    fields: readonly string[],
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, Array<T | undefined>]> {
    return this.queue(hash.hmget<T>(this.ctx, key, fields, options));
  }

  /** Queues {@link CacheService.hgetall}. */
  hgetall<T = unknown>(
    key: string,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, Record<string, T>]> {
    return this.queue(hash.hgetall<T>(this.ctx, key, options));
  }

  /** Queues {@link CacheService.hdel}. */
  hdel(
    key: string,
    fields: string | readonly string[],
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number]> {
    return this.queue(hash.hdel(this.ctx, key, fields, options));
  }

  /** Queues {@link CacheService.hexists}. */
  hexists(key: string, field: string, options?: CacheKeyOptions): CachePipeline<[...R, boolean]> {
    return this.queue(hash.hexists(this.ctx, key, field, options));
  }

  /** Queues {@link CacheService.hkeys}. */
  hkeys(key: string, options?: CacheKeyOptions): CachePipeline<[...R, string[]]> {
    return this.queue(hash.hkeys(this.ctx, key, options));
  }

  /** Queues {@link CacheService.hvals}. */
  hvals<T = unknown>(key: string, options?: CacheKeyOptions): CachePipeline<[...R, T[]]> {
    return this.queue(hash.hvals<T>(this.ctx, key, options));
  }

  /** Queues {@link CacheService.hlen}. */
  hlen(key: string, options?: CacheKeyOptions): CachePipeline<[...R, number]> {
    return this.queue(hash.hlen(this.ctx, key, options));
  }

  /** Queues {@link CacheService.hincrby}. */
  hincrby(
    key: string,
    field: string,
    delta = 1,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number]> {
    return this.queue(hash.hincrby(this.ctx, key, field, delta, options));
  }

  /** Queues {@link CacheService.hincrbyfloat}. */
  hincrbyfloat(
    key: string,
    field: string,
    delta: number,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number]> {
    return this.queue(hash.hincrbyfloat(this.ctx, key, field, delta, options));
  }

  // ---- Lists ----

  /** Queues {@link CacheService.lpush}. */
  lpush(
    key: string,
    values: readonly unknown[],
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number]> {
    return this.queue(list.push(this.ctx, 'left', key, values, options));
  }

  /** Queues {@link CacheService.rpush}. */
  rpush(
    key: string,
    values: readonly unknown[],
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number]> {
    return this.queue(list.push(this.ctx, 'right', key, values, options));
  }

  /** Queues {@link CacheService.lpop}. */
  lpop<T = unknown>(key: string, options?: CacheKeyOptions): CachePipeline<[...R, T | undefined]>;
  lpop<T = unknown>(
    key: string,
    count: number,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, T[]]>;
  lpop<T = unknown>(
    key: string,
    countOrOptions?: number | CacheKeyOptions,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, T | undefined | T[]]> {
    return this.queue<T | undefined | T[]>(
      list.pop<T>(this.ctx, 'left', key, countOrOptions, options),
    );
  }

  /** Queues {@link CacheService.rpop}. */
  rpop<T = unknown>(key: string, options?: CacheKeyOptions): CachePipeline<[...R, T | undefined]>;
  rpop<T = unknown>(
    key: string,
    count: number,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, T[]]>;
  rpop<T = unknown>(
    key: string,
    countOrOptions?: number | CacheKeyOptions,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, T | undefined | T[]]> {
    return this.queue<T | undefined | T[]>(
      list.pop<T>(this.ctx, 'right', key, countOrOptions, options),
    );
  }

  /** Queues {@link CacheService.lrange}. */
  lrange<T = unknown>(
    key: string,
    start: number,
    stop: number,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, T[]]> {
    return this.queue(list.lrange<T>(this.ctx, key, start, stop, options));
  }

  /** Queues {@link CacheService.lindex}. */
  lindex<T = unknown>(
    key: string,
    index: number,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, T | undefined]> {
    return this.queue(list.lindex<T>(this.ctx, key, index, options));
  }

  /** Queues {@link CacheService.llen}. */
  llen(key: string, options?: CacheKeyOptions): CachePipeline<[...R, number]> {
    return this.queue(list.llen(this.ctx, key, options));
  }

  /** Queues {@link CacheService.lset}. */
  lset(
    key: string,
    index: number,
    value: unknown,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, void]> {
    return this.queue(list.lset(this.ctx, key, index, value, options));
  }

  /** Queues {@link CacheService.ltrim}. */
  ltrim(
    key: string,
    start: number,
    stop: number,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, void]> {
    return this.queue(list.ltrim(this.ctx, key, start, stop, options));
  }

  /** Queues {@link CacheService.lrem}. */
  lrem(
    key: string,
    count: number,
    value: unknown,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number]> {
    return this.queue(list.lrem(this.ctx, key, count, value, options));
  }

  /** Queues {@link CacheService.lmove}. */
  lmove<T = unknown>(
    source: string,
    destination: string,
    from: ListEnd,
    to: ListEnd,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, T | undefined]> {
    return this.queue(list.lmove<T>(this.ctx, source, destination, from, to, options));
  }

  // ---- Sets ----

  /** Queues {@link CacheService.sadd}. */
  sadd(
    key: string,
    members: readonly unknown[],
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number]> {
    return this.queue(set.addOrRemove(this.ctx, 'sadd', key, members, options));
  }

  /** Queues {@link CacheService.srem}. */
  srem(
    key: string,
    members: readonly unknown[],
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number]> {
    return this.queue(set.addOrRemove(this.ctx, 'srem', key, members, options));
  }

  /** Queues {@link CacheService.smembers}. */
  smembers<T = unknown>(key: string, options?: CacheKeyOptions): CachePipeline<[...R, T[]]> {
    return this.queue(set.smembers<T>(this.ctx, key, options));
  }

  /** Queues {@link CacheService.sismember}. */
  sismember(
    key: string,
    member: unknown,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, boolean]> {
    return this.queue(set.sismember(this.ctx, key, member, options));
  }

  /** Queues {@link CacheService.smismember}. */
  smismember(
    key: string,
    members: readonly unknown[],
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, boolean[]]> {
    return this.queue(set.smismember(this.ctx, key, members, options));
  }

  /** Queues {@link CacheService.scard}. */
  scard(key: string, options?: CacheKeyOptions): CachePipeline<[...R, number]> {
    return this.queue(set.scard(this.ctx, key, options));
  }

  /** Queues {@link CacheService.spop}. */
  spop<T = unknown>(key: string, options?: CacheKeyOptions): CachePipeline<[...R, T | undefined]>;
  spop<T = unknown>(
    key: string,
    count: number,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, T[]]>;
  spop<T = unknown>(
    key: string,
    countOrOptions?: number | CacheKeyOptions,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, T | undefined | T[]]> {
    return this.queue<T | undefined | T[]>(
      set.randomMembers<T>(this.ctx, 'spop', key, countOrOptions, options),
    );
  }

  /** Queues {@link CacheService.srandmember}. */
  srandmember<T = unknown>(
    key: string,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, T | undefined]>;
  srandmember<T = unknown>(
    key: string,
    count: number,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, T[]]>;
  srandmember<T = unknown>(
    key: string,
    countOrOptions?: number | CacheKeyOptions,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, T | undefined | T[]]> {
    return this.queue<T | undefined | T[]>(
      set.randomMembers<T>(this.ctx, 'srandmember', key, countOrOptions, options),
    );
  }

  /** Queues {@link CacheService.sinter}. */
  sinter<T = unknown>(
    keys: readonly string[],
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, T[]]> {
    return this.queue(set.combine<T>(this.ctx, 'sinter', keys, options));
  }

  /** Queues {@link CacheService.sunion}. */
  sunion<T = unknown>(
    keys: readonly string[],
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, T[]]> {
    return this.queue(set.combine<T>(this.ctx, 'sunion', keys, options));
  }

  /** Queues {@link CacheService.sdiff}. */
  sdiff<T = unknown>(
    keys: readonly string[],
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, T[]]> {
    return this.queue(set.combine<T>(this.ctx, 'sdiff', keys, options));
  }

  // ---- Sorted sets ----

  /** Queues {@link CacheService.zadd}. */
  zadd(key: string, members: ZAddMembers, options?: ZAddOptions): CachePipeline<[...R, number]> {
    return this.queue(zset.zadd(this.ctx, key, members, options));
  }

  /** Queues {@link CacheService.zrem}. */
  zrem(
    key: string,
    members: readonly unknown[],
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number]> {
    return this.queue(zset.zrem(this.ctx, key, members, options));
  }

  /** Queues {@link CacheService.zscore}. */
  zscore(
    key: string,
    member: unknown,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number | undefined]> {
    return this.queue(zset.zscore(this.ctx, key, member, options));
  }

  /** Queues {@link CacheService.zmscore}. */
  zmscore(
    key: string,
    members: readonly unknown[],
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, Array<number | undefined>]> {
    return this.queue(zset.zmscore(this.ctx, key, members, options));
  }

  /** Queues {@link CacheService.zincrby}. */
  zincrby(
    key: string,
    member: unknown,
    delta = 1,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number]> {
    return this.queue(zset.zincrby(this.ctx, key, member, delta, options));
  }

  /** Queues {@link CacheService.zcard}. */
  zcard(key: string, options?: CacheKeyOptions): CachePipeline<[...R, number]> {
    return this.queue(zset.zcard(this.ctx, key, options));
  }

  /** Queues {@link CacheService.zcount}. */
  zcount(
    key: string,
    min: ScoreBound,
    max: ScoreBound,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number]> {
    return this.queue(zset.zcount(this.ctx, key, min, max, options));
  }

  /** Queues {@link CacheService.zrange}. */
  zrange<T = unknown>(
    key: string,
    start: number,
    stop: number,
    options: ZRangeOptions & { withScores: true },
  ): CachePipeline<[...R, ScoredMember<T>[]]>;
  zrange<T = unknown>(
    key: string,
    start: number,
    stop: number,
    options?: ZRangeOptions & { withScores?: false },
  ): CachePipeline<[...R, T[]]>;
  zrange<T = unknown>(
    key: string,
    start: number,
    stop: number,
    options?: ZRangeOptions,
  ): CachePipeline<[...R, T[] | ScoredMember<T>[]]> {
    return this.queue(zset.rankRange<T>(this.ctx, 'zrange', key, start, stop, options));
  }

  /** Queues {@link CacheService.zrevrange}. */
  zrevrange<T = unknown>(
    key: string,
    start: number,
    stop: number,
    options: ZRangeOptions & { withScores: true },
  ): CachePipeline<[...R, ScoredMember<T>[]]>;
  zrevrange<T = unknown>(
    key: string,
    start: number,
    stop: number,
    options?: ZRangeOptions & { withScores?: false },
  ): CachePipeline<[...R, T[]]>;
  zrevrange<T = unknown>(
    key: string,
    start: number,
    stop: number,
    options?: ZRangeOptions,
  ): CachePipeline<[...R, T[] | ScoredMember<T>[]]> {
    return this.queue(zset.rankRange<T>(this.ctx, 'zrevrange', key, start, stop, options));
  }

  /** Queues {@link CacheService.zrangebyscore}. */
  zrangebyscore<T = unknown>(
    key: string,
    min: ScoreBound,
    max: ScoreBound,
    options: ZRangeByScoreOptions & { withScores: true },
  ): CachePipeline<[...R, ScoredMember<T>[]]>;
  zrangebyscore<T = unknown>(
    key: string,
    min: ScoreBound,
    max: ScoreBound,
    options?: ZRangeByScoreOptions & { withScores?: false },
  ): CachePipeline<[...R, T[]]>;
  zrangebyscore<T = unknown>(
    key: string,
    min: ScoreBound,
    max: ScoreBound,
    options?: ZRangeByScoreOptions,
  ): CachePipeline<[...R, T[] | ScoredMember<T>[]]> {
    return this.queue(zset.scoreRange<T>(this.ctx, 'zrangebyscore', key, min, max, options));
  }

  /** Queues {@link CacheService.zrevrangebyscore} (`max` first, as in Redis). */
  zrevrangebyscore<T = unknown>(
    key: string,
    max: ScoreBound,
    min: ScoreBound,
    options: ZRangeByScoreOptions & { withScores: true },
  ): CachePipeline<[...R, ScoredMember<T>[]]>;
  zrevrangebyscore<T = unknown>(
    key: string,
    max: ScoreBound,
    min: ScoreBound,
    options?: ZRangeByScoreOptions & { withScores?: false },
  ): CachePipeline<[...R, T[]]>;
  zrevrangebyscore<T = unknown>(
    key: string,
    max: ScoreBound,
    min: ScoreBound,
    options?: ZRangeByScoreOptions,
  ): CachePipeline<[...R, T[] | ScoredMember<T>[]]> {
    return this.queue(zset.scoreRange<T>(this.ctx, 'zrevrangebyscore', key, max, min, options));
  }

  /** Queues {@link CacheService.zrank}. */
  zrank(
    key: string,
    member: unknown,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number | undefined]> {
    return this.queue(zset.rank(this.ctx, 'zrank', key, member, options));
  }

  /** Queues {@link CacheService.zrevrank}. */
  zrevrank(
    key: string,
    member: unknown,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number | undefined]> {
    return this.queue(zset.rank(this.ctx, 'zrevrank', key, member, options));
  }

  /** Queues {@link CacheService.zremrangebyscore}. */
  zremrangebyscore(
    key: string,
    min: ScoreBound,
    max: ScoreBound,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number]> {
    return this.queue(zset.zremrangebyscore(this.ctx, key, min, max, options));
  }

  /** Queues {@link CacheService.zremrangebyrank}. */
  zremrangebyrank(
    key: string,
    start: number,
    stop: number,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, number]> {
    return this.queue(zset.zremrangebyrank(this.ctx, key, start, stop, options));
  }

  /** Queues {@link CacheService.zpopmin}. */
  zpopmin<T = unknown>(
    key: string,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, ScoredMember<T> | undefined]>;
  zpopmin<T = unknown>(
    key: string,
    count: number,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, ScoredMember<T>[]]>;
  zpopmin<T = unknown>(
    key: string,
    countOrOptions?: number | CacheKeyOptions,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, ScoredMember<T> | undefined | ScoredMember<T>[]]> {
    return this.queue<ScoredMember<T> | undefined | ScoredMember<T>[]>(
      zset.zpop<T>(this.ctx, 'zpopmin', key, countOrOptions, options),
    );
  }

  /** Queues {@link CacheService.zpopmax}. */
  zpopmax<T = unknown>(
    key: string,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, ScoredMember<T> | undefined]>;
  zpopmax<T = unknown>(
    key: string,
    count: number,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, ScoredMember<T>[]]>;
  zpopmax<T = unknown>(
    key: string,
    countOrOptions?: number | CacheKeyOptions,
    options?: CacheKeyOptions,
  ): CachePipeline<[...R, ScoredMember<T> | undefined | ScoredMember<T>[]]> {
    return this.queue<ScoredMember<T> | undefined | ScoredMember<T>[]>(
      zset.zpop<T>(this.ctx, 'zpopmax', key, countOrOptions, options),
    );
  }

  // ---- Scripts ----

  /**
   * Queues a Lua script (source text, or one made by {@link CacheService.defineScript}), sent
   * with EVAL. On the memory backend its result is a `NotSupportedError`.
   */
  eval<T = unknown>(
    script: string | CacheScript<unknown>,
    options?: ScriptOptions,
  ): CachePipeline<[...R, T]> {
    return this.queue(runScript<T>(this.ctx, opOf(this.ctx, script), options));
  }

  private queue<T>(op: CacheOp<T>): CachePipeline<[...R, T]> {
    if (this.executed) throw new CacheXError(MESSAGES.pipelineExecuted(this.ctx.cache));
    if (this.transaction && this.ctx.kind === 'cluster') this.assertTransactionSlot(op);
    this.queued.push(op as CacheOp<unknown>);
    return this as unknown as CachePipeline<[...R, T]>;
  }

  /** A cluster runs MULTI/EXEC on one node: every key of a transaction must share its slot. */
  private assertTransactionSlot(op: CacheOp<unknown>): void {
    for (const key of op.step.keys) {
      const slot = keyHashSlot(key);
      this.slot ??= { slot, key: op.key };
      if (slot !== this.slot.slot) {
        const keys = [this.slot.key, op.key];
        throw new CrossSlotError(
          MESSAGES.crossSlot(this.ctx.cache, 'a transaction', keys),
          this.ctx.cache,
          'transaction',
          keys,
        );
      }
    }
  }
}
