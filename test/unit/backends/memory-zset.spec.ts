import { MemoryZSet, type ScoreBound } from '../../../lib/backends/memory/memory-zset.js';

const incl = (value: number): ScoreBound => ({ value, exclusive: false });
const excl = (value: number): ScoreBound => ({ value, exclusive: true });
const members = (entries: ReadonlyArray<{ member: string }>): string[] =>
  entries.map((e) => e.member);

/** a:1 b:2 c:3 d:4 e:5 */
function abcde(): MemoryZSet {
  const zset = new MemoryZSet();
  ['a', 'b', 'c', 'd', 'e'].forEach((member, i) => zset.add(member, i + 1));
  return zset;
}

describe('MemoryZSet (ordered as Redis orders a sorted set)', () => {
  describe('order', () => {
    it('orders by score, then by member bytes for equal scores', () => {
      const zset = new MemoryZSet();
      for (const [member, score] of [
        ['b', 1],
        ['a', 1],
        ['ab', 1],
        ['A', 1],
        ['z', 0],
        ['', 1],
      ] as const) {
        zset.add(member, score);
      }
      // memcmp: '' < 'A' (0x41) < 'a' (0x61) < 'ab' < 'b'; a shorter prefix first.
      expect(members(zset.range(0, -1))).toEqual(['z', '', 'A', 'a', 'ab', 'b']);
    });

    it('compares byte strings above 0x7f as unsigned bytes', () => {
      const zset = new MemoryZSet();
      // Byte strings (latin1 text of the bytes): 0xff, 0x80 and 0x7f.
      zset.add('\xff', 0);
      zset.add('\x80', 0);
      zset.add('\x7f', 0);
      expect(members(zset.range(0, -1))).toEqual(['\x7f', '\x80', '\xff']);
    });

    it('places -Infinity first and +Infinity last', () => {
      const zset = new MemoryZSet();
      zset.add('top', Infinity);
      zset.add('mid', 0);
      zset.add('bottom', -Infinity);
      zset.add('neg', -1e308);
      expect(members(zset.range(0, -1))).toEqual(['bottom', 'neg', 'mid', 'top']);
    });
  });

  describe('add / remove / score / rank', () => {
    it('answers whether a member is new, and moves a re-scored member', () => {
      const zset = abcde();
      expect(zset.add('f', 0)).toBe(true);
      expect(zset.add('a', 10)).toBe(false);
      expect(zset.add('b', 2)).toBe(false);
      expect(zset.size).toBe(6);
      expect(zset.score('a')).toBe(10);
      expect(members(zset.range(0, -1))).toEqual(['f', 'b', 'c', 'd', 'e', 'a']);
      expect(zset.rank('a')).toBe(5);
      expect(zset.rank('a', true)).toBe(0);
      expect(zset.rank('f', true)).toBe(5);
      expect(zset.rank('missing')).toBeUndefined();
    });

    it('removes members', () => {
      const zset = abcde();
      expect(zset.remove('c')).toBe(true);
      expect(zset.remove('c')).toBe(false);
      expect(zset.score('c')).toBeUndefined();
      expect(members(zset.range(0, -1))).toEqual(['a', 'b', 'd', 'e']);
      expect(zset.rank('d')).toBe(2);
    });
  });

  describe('range by rank (ZRANGE indexes)', () => {
    // Redis normalises: start < 0 → start + len (then clamped to 0); stop < 0 → stop + len;
    // stop ≥ len → len - 1; start > stop or start ≥ len → empty.
    it.each([
      [0, -1, ['a', 'b', 'c', 'd', 'e']],
      [1, 3, ['b', 'c', 'd']],
      [-2, -1, ['d', 'e']],
      [-100, 1, ['a', 'b']],
      [3, 100, ['d', 'e']],
      [-1, -2, []],
      [5, 10, []],
      [2, 1, []],
      [0, -6, []],
      [-6, -5, ['a']],
    ])('range(%i, %i)', (start, stop, expected) => {
      expect(members(abcde().range(start, stop))).toEqual(expected);
    });

    it.each([
      [0, 1, ['e', 'd']],
      [-2, -1, ['b', 'a']],
      [1, 100, ['d', 'c', 'b', 'a']],
      [4, 3, []],
    ])('reverse range(%i, %i) counts ranks from the highest score', (start, stop, expected) => {
      expect(members(abcde().range(start, stop, true))).toEqual(expected);
    });

    it('removeByRank uses the same normalisation', () => {
      const zset = abcde();
      expect(zset.removeByRank(-2, -1)).toBe(2);
      expect(zset.removeByRank(5, 10)).toBe(0);
      expect(zset.removeByRank(0, 0)).toBe(1);
      expect(members(zset.range(0, -1))).toEqual(['b', 'c']);
      expect(zset.rank('c')).toBe(1);
      expect(zset.score('a')).toBeUndefined();
    });
  });

  describe('range by score', () => {
    it('includes bounds by default and excludes them on request, as (1 does in Redis', () => {
      const zset = abcde();
      expect(members(zset.rangeByScore(incl(2), incl(4)))).toEqual(['b', 'c', 'd']);
      expect(members(zset.rangeByScore(excl(2), incl(4)))).toEqual(['c', 'd']);
      expect(members(zset.rangeByScore(incl(2), excl(4)))).toEqual(['b', 'c']);
      expect(members(zset.rangeByScore(excl(2), excl(3)))).toEqual([]);
      expect(members(zset.rangeByScore(incl(2.5), incl(2.9)))).toEqual([]);
      expect(members(zset.rangeByScore(incl(4), incl(2)))).toEqual([]);
      expect(zset.countByScore(excl(1), incl(5))).toBe(4);
    });

    it('takes -inf and +inf, and keeps infinite scores inside infinite bounds', () => {
      const zset = abcde();
      zset.add('inf', Infinity);
      zset.add('-inf', -Infinity);
      const all = members(zset.rangeByScore(incl(-Infinity), incl(Infinity)));
      expect(all).toEqual(['-inf', 'a', 'b', 'c', 'd', 'e', 'inf']);
      // (-inf excludes members scored -inf, as Redis' zslValueGteMin does.
      expect(members(zset.rangeByScore(excl(-Infinity), excl(Infinity)))).toEqual([
        'a',
        'b',
        'c',
        'd',
        'e',
      ]);
      expect(members(zset.rangeByScore(incl(Infinity), incl(Infinity)))).toEqual(['inf']);
    });

    it('pages with offset and count after ordering (reverse first, then LIMIT)', () => {
      const zset = abcde();
      const all = [incl(-Infinity), incl(Infinity)] as const;
      expect(members(zset.rangeByScore(...all, { offset: 1, count: 2 }))).toEqual(['b', 'c']);
      expect(members(zset.rangeByScore(...all, { offset: 3 }))).toEqual(['d', 'e']);
      expect(members(zset.rangeByScore(...all, { offset: 1, count: -1 }))).toEqual([
        'b',
        'c',
        'd',
        'e',
      ]);
      expect(members(zset.rangeByScore(...all, { offset: 10, count: 2 }))).toEqual([]);
      expect(members(zset.rangeByScore(...all, { offset: -1, count: 2 }))).toEqual([]);
      expect(members(zset.rangeByScore(...all, { reverse: true, offset: 1, count: 2 }))).toEqual([
        'd',
        'c',
      ]);
      expect(members(zset.rangeByScore(incl(2), incl(4), { reverse: true }))).toEqual([
        'd',
        'c',
        'b',
      ]);
    });

    it('removeByScore removes exactly the range', () => {
      const zset = abcde();
      expect(zset.removeByScore(excl(1), incl(3))).toBe(2);
      expect(members(zset.range(0, -1))).toEqual(['a', 'd', 'e']);
      expect(zset.removeByScore(incl(10), incl(20))).toBe(0);
      expect(zset.score('b')).toBeUndefined();
      expect(zset.size).toBe(3);
    });
  });

  describe('pop', () => {
    it('pops the lowest or the highest members, in pop order', () => {
      const zset = abcde();
      expect(zset.pop(2)).toEqual([
        { member: 'a', score: 1 },
        { member: 'b', score: 2 },
      ]);
      expect(zset.pop(2, true)).toEqual([
        { member: 'e', score: 5 },
        { member: 'd', score: 4 },
      ]);
      expect(zset.pop(10)).toEqual([{ member: 'c', score: 3 }]);
      expect(zset.size).toBe(0);
      expect(zset.pop(1)).toEqual([]);
      expect(zset.score('c')).toBeUndefined();
    });
  });
});
