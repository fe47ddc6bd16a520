/** Characters that have a meaning in Redis glob-style patterns (`KEYS`, `SCAN MATCH`). */
const GLOB_SPECIAL = /[*?[\]\\]/g;

/**
 * Escapes a literal so that it matches only itself inside a glob pattern (`*`, `?`, `[`, `]`
 * and `\` get a `\`): put user input into `deletePattern`, `keys` or `scan` patterns through it,
 * or a `*` typed by a user widens the pattern. The cache escapes its own key prefix this way.
 * @example
 * await cache.deletePattern(`search:${escapeGlob(query)}:*`); // the query is matched literally
 */
export function escapeGlob(literal: string): string {
  return literal.replace(GLOB_SPECIAL, '\\$&');
}

const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const BACKSLASH = 0x5c;
const CARET = 0x5e;
const DASH = 0x2d;

/**
 * Compiles a Redis glob pattern into a matcher with exactly Redis' semantics, so that the memory
 * backend's `scan`/`deletePattern` select what a server would: `*`, `?`, `[abc]`, `[^a]`,
 * `[a-z]` classes and `\` escapes, matched on the UTF-8 **bytes** of keys (a `?` matches one
 * byte, not one character), as `stringmatchlen` in Redis' util.c does.
 */
export function compileGlob(pattern: string): (key: string) => boolean {
  const p = Buffer.from(pattern, 'utf8');
  return (key) => matchBytes(p, 0, Buffer.from(key, 'utf8'), 0, { skipLonger: false });
}

/** A port of Redis' `stringmatchlen_impl` (case-sensitive), index-based instead of pointers. */
function matchBytes(
  p: Buffer,
  pi: number,
  s: Buffer,
  si: number,
  state: { skipLonger: boolean },
): boolean {
  const pEnd = p.length;
  const sEnd = s.length;
  while (pi < pEnd && si < sEnd) {
    switch (p[pi]) {
      case STAR: {
        while (pi + 1 < pEnd && p[pi + 1] === STAR) pi++;
        if (pi + 1 === pEnd) return true;
        while (si < sEnd) {
          if (matchBytes(p, pi + 1, s, si, state)) return true;
          if (state.skipLonger) return false;
          si++;
        }
        // No match for the rest of the pattern anywhere in the rest of the key: earlier stars
        // trying longer matches cannot succeed either (Redis' guard against exponential time).
        state.skipLonger = true;
        return false;
      }
      case QUESTION:
        si++;
        break;
      case OPEN: {
        pi++;
        const negate = p[pi] === CARET;
        if (negate) pi++;
        let match = false;
        for (;;) {
          if (p[pi] === BACKSLASH && pEnd - pi >= 2) {
            pi++;
            if (p[pi] === s[si]) match = true;
          } else if (p[pi] === CLOSE) {
            break;
          } else if (pi >= pEnd) {
            // An unterminated class ends with the pattern.
            pi--;
            break;
          } else if (pEnd - pi >= 3 && p[pi + 1] === DASH) {
            let start = p[pi]!;
            let end = p[pi + 2]!;
            if (start > end) [start, end] = [end, start];
            pi += 2;
            if (s[si]! >= start && s[si]! <= end) match = true;
          } else if (p[pi] === s[si]) {
            match = true;
          }
          pi++;
        }
        if (negate) match = !match;
        if (!match) return false;
        si++;
        break;
      }
      case BACKSLASH:
        if (pEnd - pi >= 2) pi++;
        if (p[pi] !== s[si]) return false;
        si++;
        break;
      default:
        if (p[pi] !== s[si]) return false;
        si++;
    }
    pi++;
    if (si === sEnd) {
      while (p[pi] === STAR) pi++;
      break;
    }
  }
  return pi >= pEnd && si === sEnd;
}
