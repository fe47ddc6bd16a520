/**
 * A sorted set for the memory backend, ordered as Redis orders one: by score, then by member
 * (byte order; members are byte strings, Buffers held as latin1 text). A Map answers score
 * look-ups in O(1); a sorted array answers ranges by binary search. Inserts and removals are
 * O(n) moves of that array, which is fine for the sizes an in-process cache holds.
 */
export class MemoryZSet {
  private readonly scores = new Map<string, number>();
  private readonly order: Array<{ member: string; score: number }> = [];

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
      this.order.splice(this.indexOf(member, old), 1);
    }
    this.scores.set(member, score);
    this.order.splice(this.lowerBound(score, member), 0, { member, score });
    return old === undefined;
  }

  remove(member: string): boolean {
    const score = this.scores.get(member);
    if (score === undefined) return false;
    this.order.splice(this.indexOf(member, score), 1);
    this.scores.delete(member);
    return true;
  }

  /** 0-based rank in ascending order, or undefined. */
  rank(member: string): number | undefined {
    const score = this.scores.get(member);
    return score === undefined ? undefined : this.indexOf(member, score);
  }

  /** Members with `min <= score <= max` (each bound exclusive on request), ascending. */
  rangeByScore(
    min: number,
    max: number,
    minExclusive = false,
    maxExclusive = false,
  ): Array<{ member: string; score: number }> {
    const start = this.firstIndexAbove(min, minExclusive);
    const end = this.firstIndexAbove(max, !maxExclusive);
    return this.order.slice(start, Math.max(start, end));
  }

  /** Members between two ranks, both inclusive, ascending (already-normalised indexes). */
  rangeByRank(start: number, stop: number): Array<{ member: string; score: number }> {
    return this.order.slice(start, stop + 1);
  }

  /** Removes members with `min <= score <= max`; answers how many. */
  removeByScore(min: number, max: number, minExclusive = false, maxExclusive = false): number {
    const removed = this.rangeByScore(min, max, minExclusive, maxExclusive);
    if (removed.length === 0) return 0;
    const start = this.order.indexOf(removed[0]!);
    this.order.splice(start, removed.length);
    for (const { member } of removed) this.scores.delete(member);
    return removed.length;
  }

  /** Removes members between two ranks, both inclusive (normalised); answers how many. */
  removeByRank(start: number, stop: number): number {
    const removed = this.order.splice(start, Math.max(0, stop - start + 1));
    for (const { member } of removed) this.scores.delete(member);
    return removed.length;
  }

  /** Index of the first element whose score is above `score` (or at it, when `inclusive` is false). */
  private firstIndexAbove(score: number, strictlyAbove: boolean): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.order[mid]!.score;
      if (strictlyAbove ? s <= score : s < score) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Where (score, member) sits or would sit in the order. */
  private lowerBound(score: number, member: string): number {
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

  private indexOf(member: string, score: number): number {
    return this.lowerBound(score, member);
  }
}
