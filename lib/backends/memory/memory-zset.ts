import { normaliseRange } from './commands/command-context.js';

/** A member of a {@link MemoryZSet} with its score. */
export interface ZSetEntry {
  readonly member: string;
  readonly score: number;
}

/** One end of a score range: `(1` in Redis is `{ value: 1, exclusive: true }`. */
export interface ScoreBound {
  readonly value: number;
  readonly exclusive: boolean;
}

/** How {@link MemoryZSet.rangeByScore} pages its result (Redis' `LIMIT offset count`). */
export interface ScoreRangeOptions {
  /** Descending order (ZREVRANGEBYSCORE), applied before the limit. @default false */
  reverse?: boolean;
  /** Elements skipped; a negative offset answers nothing, as in Redis. @default 0 */
  offset?: number;
  /** Elements answered at most; negative = all the rest. @default -1 */
  count?: number;
}

/**
 * A sorted set for the memory backend, ordered as Redis orders one: by score, then by member
 * bytes. Members are byte strings (the latin1 text of their bytes), so JavaScript's string
 * comparison is Redis' byte order. Scores may be ±Infinity, never NaN. A Map answers score
 * look-ups in O(1); a sorted array answers ranges by binary search. Inserts and removals are
 * O(n) moves of that array, which is fine for the sizes an in-process cache holds.
 */
export class MemoryZSet {
  private readonly scores = new Map<string, number>();
  private readonly order: ZSetEntry[] = [];

  get size(): number {
    return this.order.length;
  }

  score(member: string): number | undefined {
    return this.scores.get(member);
  }

  /** Adds or re-scores a member; answers whether it was new. */
  add(member: string, score: number): boolean {
    const old = this.scores.get(member);
    if (old !== undefined) {
      if (old === score) return false;
      this.order.splice(this.indexOf(old, member), 1);
    }
    this.scores.set(member, score);
    this.order.splice(this.indexOf(score, member), 0, { member, score });
    return old === undefined;
  }

  remove(member: string): boolean {
    const score = this.scores.get(member);
    if (score === undefined) return false;
    this.order.splice(this.indexOf(score, member), 1);
    this.scores.delete(member);
    return true;
  }

  /** 0-based rank, in ascending order (descending with `reverse`), or undefined. */
  rank(member: string, reverse = false): number | undefined {
    const score = this.scores.get(member);
    if (score === undefined) return undefined;
    const rank = this.indexOf(score, member);
    return reverse ? this.order.length - 1 - rank : rank;
  }

  /**
   * Members between two ranks, both inclusive, as ZRANGE (or ZREVRANGE with `reverse`) takes
   * them: negative ranks count from the end, out-of-range ones are clamped.
   */
  range(start: number, stop: number, reverse = false): ZSetEntry[] {
    const span = normaliseRange(start, stop, this.order.length);
    if (!span) return [];
    if (!reverse) return this.order.slice(span[0], span[1] + 1);
    const last = this.order.length - 1;
    return this.order.slice(last - span[1], last - span[0] + 1).reverse();
  }

  /** Members with a score between `min` and `max` (ascending, or descending with `reverse`). */
  rangeByScore(min: ScoreBound, max: ScoreBound, options: ScoreRangeOptions = {}): ZSetEntry[] {
    const { reverse = false, offset = 0, count = -1 } = options;
    if (offset < 0) return [];
    const [from, to] = this.scoreSpan(min, max);
    const found = this.order.slice(from, to);
    if (reverse) found.reverse();
    return count < 0 ? found.slice(offset) : found.slice(offset, offset + count);
  }

  /** How many members have a score between `min` and `max` (ZCOUNT). */
  countByScore(min: ScoreBound, max: ScoreBound): number {
    const [from, to] = this.scoreSpan(min, max);
    return to - from;
  }

  /** Removes the members with a score between `min` and `max`; answers how many. */
  removeByScore(min: ScoreBound, max: ScoreBound): number {
    const [from, to] = this.scoreSpan(min, max);
    return this.removeSpan(from, to);
  }

  /** Removes the members between two ranks, normalised as {@link MemoryZSet.range}; answers how many. */
  removeByRank(start: number, stop: number): number {
    const span = normaliseRange(start, stop, this.order.length);
    return span ? this.removeSpan(span[0], span[1] + 1) : 0;
  }

  /** Removes and answers the `count` lowest members (highest with `max`), in pop order. */
  pop(count: number, max = false): ZSetEntry[] {
    const n = Math.min(count, this.order.length);
    const popped = max ? this.order.slice(this.order.length - n).reverse() : this.order.slice(0, n);
    if (max) this.removeSpan(this.order.length - n, this.order.length);
    else this.removeSpan(0, n);
    return popped;
  }

  /** Indexes `[from, to)` of the members in a score range (empty when min > max). */
  private scoreSpan(min: ScoreBound, max: ScoreBound): [number, number] {
    const from = this.firstIndex((s) => (min.exclusive ? s > min.value : s >= min.value));
    const to = this.firstIndex((s) => (max.exclusive ? s >= max.value : s > max.value));
    return [from, Math.max(from, to)];
  }

  private removeSpan(from: number, to: number): number {
    const removed = this.order.splice(from, to - from);
    for (const { member } of removed) this.scores.delete(member);
    return removed.length;
  }

  /** The first index whose score satisfies `above` (a predicate monotonic in the order). */
  private firstIndex(above: (score: number) => boolean): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (above(this.order[mid]!.score)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Where (score, member) sits, or would sit, in the order. */
  private indexOf(score: number, member: string): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.order[mid]!;
      if (e.score < score || (e.score === score && e.member < member)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
