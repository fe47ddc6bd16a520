import { MemoryZSet } from '../../../lib/backends/memory/memory-zset.js';

/** Members and scores in order, for readable assertions. */
function entries(set: MemoryZSet): Array<[string, number]> {
  return set.rangeByRank(0, set.size - 1).map(({ member, score }) => [member, score]);
}

function zset(...pairs: Array<[string, number]>): MemoryZSet {
  const set = new MemoryZSet();
  for (const [member, score] of pairs) set.add(member, score);
  return set;
}

describe('MemoryZSet', () => {
  it('orders by score, then by member (byte order) for equal scores, as Redis does', () => {
    const set = zset(['c', 2], ['b', 1], ['a', 2], ['B', 2], ['z', -1.5]);
    expect(entries(set)).toEqual([
      ['z', -1.5],
      ['b', 1],
      ['B', 2],
      ['a', 2],
      ['c', 2],
    ]);
    expect(set.size).toBe(5);
  });

  it('add answers whether the member is new; re-scoring moves it', () => {
    const set = zset(['a', 1], ['b', 2], ['c', 3]);
    expect(set.add('a', 1)).toBe(false);
    expect(set.add('a', 5)).toBe(false);
    expect(set.score('a')).toBe(5);
    expect(entries(set).map(([m]) => m)).toEqual(['b', 'c', 'a']);
    expect(set.add('d', 0)).toBe(true);
    expect(entries(set).map(([m]) => m)).toEqual(['d', 'b', 'c', 'a']);
    expect(set.size).toBe(4);
  });

  it('answers scores and ranks, undefined for a missing member', () => {
    const set = zset(['x', 10], ['y', 20], ['w', 10]);
    expect(set.score('y')).toBe(20);
    expect(set.score('missing')).toBeUndefined();
    expect(set.rank('w')).toBe(0);
    expect(set.rank('x')).toBe(1);
    expect(set.rank('y')).toBe(2);
    expect(set.rank('missing')).toBeUndefined();
  });

  it('removes members', () => {
    const set = zset(['a', 1], ['b', 2]);
    expect(set.remove('a')).toBe(true);
    expect(set.remove('a')).toBe(false);
    expect(set.score('a')).toBeUndefined();
    expect(entries(set)).toEqual([['b', 2]]);
    expect(set.rank('b')).toBe(0);
  });

  it('ranges by score, bounds inclusive unless exclusive, infinities included', () => {
    const set = zset(['a', 1], ['b', 2], ['c', 2], ['d', 3], ['e', 4]);
    const members = (r: Array<{ member: string }>) => r.map(({ member }) => member);
    expect(members(set.rangeByScore(2, 3))).toEqual(['b', 'c', 'd']);
    expect(members(set.rangeByScore(2, 3, true))).toEqual(['d']);
    expect(members(set.rangeByScore(2, 3, false, true))).toEqual(['b', 'c']);
    expect(members(set.rangeByScore(-Infinity, Infinity))).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(members(set.rangeByScore(5, 10))).toEqual([]);
    expect(members(set.rangeByScore(3, 2))).toEqual([]);
    expect(members(set.rangeByScore(2, 2, true, true))).toEqual([]);
  });

  it('ranges by rank, both ends inclusive', () => {
    const set = zset(['a', 1], ['b', 2], ['c', 3]);
    expect(set.rangeByRank(0, 0)).toEqual([{ member: 'a', score: 1 }]);
    expect(set.rangeByRank(1, 2).map(({ member }) => member)).toEqual(['b', 'c']);
    expect(set.rangeByRank(2, 1)).toEqual([]);
  });

  it('removes by score and answers how many, keeping look-ups consistent', () => {
    const set = zset(['a', 1], ['b', 2], ['c', 2], ['d', 3]);
    expect(set.removeByScore(-Infinity, 2)).toBe(3);
    expect(entries(set)).toEqual([['d', 3]]);
    expect(set.score('b')).toBeUndefined();
    expect(set.removeByScore(10, 20)).toBe(0);
    expect(set.removeByScore(3, 3, true)).toBe(0);
    expect(set.removeByScore(3, 3)).toBe(1);
    expect(set.size).toBe(0);
    expect(set.add('b', 1)).toBe(true);
  });

  it('removes by rank and answers how many', () => {
    const set = zset(['a', 1], ['b', 2], ['c', 3], ['d', 4]);
    expect(set.removeByRank(1, 2)).toBe(2);
    expect(entries(set).map(([m]) => m)).toEqual(['a', 'd']);
    expect(set.rank('d')).toBe(1);
    expect(set.score('c')).toBeUndefined();
    expect(set.removeByRank(1, 0)).toBe(0);
    expect(set.size).toBe(2);
  });

  it('stays sorted through many random operations (checked against a naive model)', () => {
    const set = new MemoryZSet();
    const model = new Map<string, number>();
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 2_000; i++) {
      const member = `m${random(50)}`;
      if (random(4) === 0) {
        expect(set.remove(member)).toBe(model.delete(member));
      } else {
        const score = random(20);
        expect(set.add(member, score)).toBe(!model.has(member));
        model.set(member, score);
      }
    }
    const expected = [...model.entries()].sort(([ma, sa], [mb, sb]) =>
      sa !== sb ? sa - sb : ma < mb ? -1 : ma > mb ? 1 : 0,
    );
    expect(entries(set)).toEqual(expected);
    for (const [member, score] of model) expect(set.score(member)).toBe(score);
  });
});
