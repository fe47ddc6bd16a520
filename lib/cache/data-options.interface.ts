import type { CacheKeyOptions } from './cache-options.interface.js';

/** A key's Redis type, as {@link CacheService.type} answers it (`undefined` for a missing key). */
export type KeyType = 'string' | 'hash' | 'list' | 'set' | 'zset';

/** A sorted-set member with its score, as the `withScores` variants and `zpopmin` answer them. */
export interface ScoredMember<T = unknown> {
  member: T;
  score: number;
}

/**
 * One end of a score range: a number (inclusive; `Infinity` and `-Infinity` allowed), `'-inf'` or
 * `'+inf'`, or `'(n'` for an exclusive bound, as Redis writes them (`'(1.5'`).
 */
export type ScoreBound = number | '-inf' | '+inf' | `(${number}`;

/** An end of a list, for {@link CacheService.lmove}. */
export type ListEnd = 'left' | 'right';

/** Options of {@link CacheService.zadd}, Redis' ZADD flags. */
export interface ZAddOptions extends CacheKeyOptions {
  /** Only add new members; never update existing ones. @default false */
  nx?: boolean;
  /** Only update existing members; never add. @default false */
  xx?: boolean;
  /** Only update a member when its new score is greater (new members are still added). @default false */
  gt?: boolean;
  /** Only update a member when its new score is lower (new members are still added). @default false */
  lt?: boolean;
  /** Answer how many members were added **or changed**, instead of added only. @default false */
  ch?: boolean;
}

/** Options of {@link CacheService.zrange} and {@link CacheService.zrevrange}. */
export interface ZRangeOptions extends CacheKeyOptions {
  /** Answer `{ member, score }` objects instead of members. @default false */
  withScores?: boolean;
}

/** Options of {@link CacheService.zrangebyscore} and {@link CacheService.zrevrangebyscore}. */
export interface ZRangeByScoreOptions extends ZRangeOptions {
  /**
   * A page of the result (Redis' `LIMIT`): skip `offset` members, then answer at most `count`
   * (all the rest when `count` is omitted).
   * @default the whole range
   */
  limit?: { offset: number; count?: number };
}

/** Options of {@link CacheService.eval} and of scripts made by {@link CacheService.defineScript}. */
export interface ScriptOptions extends CacheKeyOptions {
  /**
   * User keys, which the script reads as `KEYS` with the cache's prefix and version applied. On
   * a cluster they must share a hash slot.
   * @default []
   */
  keys?: readonly string[];
  /** `ARGV` as given: text, numbers (sent as their digits) or bytes. @default [] */
  args?: ReadonlyArray<string | number | Buffer>;
  /**
   * Values encoded with the cache's serializer (as `set` stores them), appended to `ARGV` after
   * `args`: compare or store them in the script as the cache's values.
   * @default []
   */
  values?: readonly unknown[];
  /**
   * Decode every string in the reply (at any depth) with the cache's serializer, as values are
   * read back. Integers are answered as numbers either way, nil as `undefined`.
   * @default false
   */
  decode?: boolean;
}
