import { compileGlob, escapeGlob } from '../../../lib/utils/glob.js';

/** Whether `pattern` matches `text`, per compileGlob. */
const matches = (pattern: string, text: string): boolean => compileGlob(pattern)(text);

/**
 * Every expectation below was checked against Redis 7.0 (`SET <text> 1`, then `KEYS <pattern>`):
 * KEYS and SCAN MATCH use stringmatchlen, which the memory backend must reproduce.
 */
function expectMatches(pattern: string, yes: string[], no: string[]): void {
  for (const text of yes)
    expect({ pattern, text, matches: matches(pattern, text) }).toEqual({
      pattern,
      text,
      matches: true,
    });
  for (const text of no)
    expect({ pattern, text, matches: matches(pattern, text) }).toEqual({
      pattern,
      text,
      matches: false,
    });
}

describe('compileGlob', () => {
  it('matches the whole key, not a substring', () => {
    expectMatches('abc', ['abc'], ['xabc', 'abcx', 'ab', '']);
  });

  it('`*` matches any run of characters, including none, newlines and colons', () => {
    expectMatches(
      'user:*',
      ['user:', 'user:1', 'user:1:2', 'user:a\nb'],
      ['user', 'users:1', 'xuser:1'],
    );
    expectMatches('*:x', [':x', 'a:x', 'a:b:x'], ['a:xy', 'x']);
    expectMatches('a*b*c', ['abc', 'aXbYc', 'abbbc', 'acbc'], ['ab', 'acb', 'abcd']);
    expectMatches('a**b', ['ab', 'axxb'], ['a', 'ba']);
    expectMatches('*', ['a', 'abc', 'a\nb'], []);
  });

  it('`?` matches exactly one character', () => {
    expectMatches('h?llo', ['hello', 'hallo', 'h\nllo', 'h?llo'], ['hllo', 'heello']);
    expectMatches('??', ['ab', '::'], ['a', 'abc']);
  });

  it('`[abc]` matches one character of the set', () => {
    expectMatches('h[ae]llo', ['hello', 'hallo'], ['hillo', 'hllo', 'haello', 'h[ae]llo']);
  });

  it('`[^a]` matches one character not in the set', () => {
    expectMatches('h[^e]llo', ['hallo', 'hbllo', 'h\nllo'], ['hello', 'hllo', 'habllo']);
    expectMatches('[^ab]', ['c', '^', ']'], ['a', 'b', '']);
  });

  it('`[a-z]` matches a range, case-sensitively', () => {
    expectMatches('h[a-c]llo', ['hallo', 'hbllo', 'hcllo'], ['hdllo', 'hAllo', 'h-llo']);
    expectMatches('[0-9][0-9]', ['00', '42', '99'], ['4', '4a', '100']);
    expectMatches('[^0-9]', ['a', '-'], ['5']);
    expectMatches('[a-cx-z]', ['a', 'c', 'x', 'z'], ['d', 'w', '-']);
  });

  it('a reversed range `[z-a]` means the same as `[a-z]`', () => {
    expectMatches('[z-a]', ['a', 'm', 'z'], ['A', 'M', '0', '-']);
    expectMatches('[9-0]x', ['0x', '5x'], ['ax']);
  });

  it('`\\` makes the next character literal', () => {
    expectMatches('a\\*b', ['a*b'], ['axb', 'ab', 'axxb']);
    expectMatches('a\\?b', ['a?b'], ['axb']);
    expectMatches('a\\[b]', ['a[b]'], ['ab']);
    expectMatches('a\\\\b', ['a\\b'], ['ab', 'a\\\\b']);
    expectMatches('\\a', ['a'], ['\\a']);
    expectMatches('[\\]]', [']'], ['\\', '[']);
    expectMatches('[^\\]]', ['x'], [']']);
    expectMatches('[\\^a]', ['^', 'a'], ['b']);
  });

  it('a trailing `\\` matches a backslash', () => {
    expectMatches('a\\', ['a\\'], ['a', 'a\\\\']);
    expectMatches('\\', ['\\'], ['']);
  });

  it('an unterminated class runs to the end of the pattern', () => {
    expectMatches('x[abc', ['xa', 'xc'], ['x[abc', 'xd', 'x']);
  });

  it('an empty class `[]` matches nothing, `[^]` any one character', () => {
    expectMatches('x[]', [], ['x', 'x]', 'x[]']);
    expectMatches('x[^]', ['xa', 'x]'], ['x', 'xab']);
  });

  it.each([
    ['a.b', 'axb'],
    ['a+', 'aa'],
    ['(a)', 'a'],
    ['a$', 'a'],
    ['^a', 'a'],
    ['a|b', 'a'],
    ['a/b', 'a\\/b'],
    ['a-b', 'ab'],
    ['a{2}', 'aa'],
    ['{a,b}', 'a'],
    ['a)', 'a'],
    ['a]', 'a'],
    ['a}', 'a'],
  ])('takes the regexp character in %p literally', (pattern, lookalike) => {
    expectMatches(pattern, [pattern], [lookalike]);
  });

  it('takes regexp characters literally inside a class', () => {
    expectMatches('[.]', ['.'], ['a']);
    expectMatches('[$^]', ['$'], ['a']);
    expectMatches('[a\\-z]', ['a', '-', 'z'], ['m']);
    expectMatches('[(|)]', ['(', '|', ')'], ['a']);
  });

  it('matches Unicode keys literally and with `*`', () => {
    expectMatches('日本*', ['日本', '日本語'], ['日', '本日本']);
    expectMatches('*語', ['日本語', '語'], ['日本']);
    expectMatches('café:*', ['café:1'], ['cafe:1', 'cafe\u0301:1']);
    expectMatches('😀*', ['😀', '😀!'], ['😁']);
  });

  it('keeps a surrogate pair (an emoji) whole in the literal parts of a pattern', () => {
    expectMatches('a😀*b', ['a😀b', 'a😀xb'], ['ab', 'a😁b']);
  });
});

describe('compileGlob: byte semantics and class corner cases of Redis', () => {
  it('`?` and classes match one byte of UTF-8, not one character', () => {
    expectMatches('日本?', [], ['日本語']);
    expectMatches('h?llo', ['hello'], ['héllo']);
    expectMatches('h??llo', ['héllo'], []);
    expectMatches('[^a]', [], ['é']);
  });

  it('an escaped character in a class is literal, never a range start', () => {
    expectMatches('[\\a-z]', ['a', '-', 'z'], ['m']);
  });

  it('a range end is taken as the raw byte, and reversed ranges are ordered', () => {
    expectMatches('[a-\\z]', ['_', 'z', '\\'], ['m']);
    expectMatches('[z-]', ['b', 'z', ']'], ['0', '~']);
  });

  it('`*` does not match the empty key', () => {
    expectMatches('**', ['a'], ['']);
  });
});

describe('escapeGlob', () => {
  it('escapes exactly the glob metacharacters', () => {
    expect(escapeGlob('p[1]*?\\x')).toBe('p\\[1\\]\\*\\?\\\\x');
    expect(escapeGlob('plain:prefix.v1-$^(){}|+/')).toBe('plain:prefix.v1-$^(){}|+/');
    expect(escapeGlob('')).toBe('');
  });

  it('makes a literal with glob characters match only itself', () => {
    const prefix = 'p[1]*?\\x';
    expectMatches(escapeGlob(prefix), [prefix], ['p1', 'p[1]xx\\x', 'p[1]*?x', 'p1*?\\x']);
    expectMatches(
      `${escapeGlob(prefix)}:1:*`,
      [`${prefix}:1:a`, `${prefix}:1:`],
      ['p1:1:a', 'other:1:a'],
    );
  });

  it('makes any string match only itself (property over random strings)', () => {
    // A small seeded PRNG (mulberry32), so that a failure is reproducible.
    let seed = 0x5eed;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const alphabet = [
      'a',
      'b',
      '*',
      '?',
      '[',
      ']',
      '^',
      '-',
      '\\',
      ':',
      '.',
      '$',
      '(',
      '|',
      '{',
      'é',
      '日',
    ];
    const pick = (): string => alphabet[Math.floor(random() * alphabet.length)]!;
    const randomString = (length: number): string => Array.from({ length }, pick).join('');

    for (let i = 0; i < 2_000; i++) {
      const s = randomString(Math.floor(random() * 12));
      const re = compileGlob(escapeGlob(s));
      expect({ s, matchesItself: re(s) }).toEqual({ s, matchesItself: true });

      // A string of the same length differing in one position must not match.
      if (s.length > 0) {
        const at = Math.floor(random() * s.length);
        let replacement = pick();
        while (replacement === s[at]) replacement = pick();
        const other = s.slice(0, at) + replacement + s.slice(at + 1);
        expect({ s, other, matches: re(other) }).toEqual({ s, other, matches: false });
      }
      // And a completely random one of the same length, unless it happens to be equal.
      const random2 = randomString(s.length);
      if (random2 !== s)
        expect({ s, random2, matches: re(random2) }).toEqual({ s, random2, matches: false });
    }
  });
});
