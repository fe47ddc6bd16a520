/** Characters that have a meaning in Redis glob-style patterns (`KEYS`, `SCAN MATCH`). */
const GLOB_SPECIAL = /[*?[\]\\]/g;

/** Escapes a literal (a key prefix) so that it matches only itself inside a glob pattern. */
export function escapeGlob(literal: string): string {
  return literal.replace(GLOB_SPECIAL, '\\$&');
}

/**
 * Compiles a Redis glob pattern to a RegExp with Redis' semantics: `*` any run of characters,
 * `?` one character, `[abc]`, `[^a]` and `[a-z]` classes, and `\` escaping the next character.
 * The memory backend uses it so that `scan`/`deletePattern` match exactly what Redis matches.
 */
export function globToRegExp(pattern: string): RegExp {
  let source = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      source += '[\\s\\S]*';
    } else if (ch === '?') {
      source += '[\\s\\S]';
    } else if (ch === '\\' && i + 1 < pattern.length) {
      source += escapeRegExp(pattern[++i]!);
    } else if (ch === '[') {
      const end = classEnd(pattern, i + 1);
      if (end < 0) {
        // Redis treats an unterminated class as running to the end of the pattern.
        source += compileClass(pattern.slice(i + 1));
        i = pattern.length;
      } else {
        source += compileClass(pattern.slice(i + 1, end));
        i = end;
      }
    } else {
      source += escapeRegExp(ch);
    }
  }
  return new RegExp(source + '$', 'u');
}

function classEnd(pattern: string, from: number): number {
  for (let i = from; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === ']') return i;
  }
  return -1;
}

function compileClass(body: string): string {
  let negate = false;
  let i = 0;
  if (body[0] === '^') {
    negate = true;
    i = 1;
  }
  let out = '';
  for (; i < body.length; i++) {
    let ch = body[i]!;
    if (ch === '\\' && i + 1 < body.length) ch = body[++i]!;
    if (body[i + 1] === '-' && i + 2 < body.length) {
      let to = body[i + 2]!;
      let skip = 2;
      if (to === '\\' && i + 3 < body.length) {
        to = body[i + 3]!;
        skip = 3;
      }
      // Redis accepts reversed ranges ([z-a]) as if they were written in order.
      const [lo, hi] = ch <= to ? [ch, to] : [to, ch];
      out += `${escapeClassChar(lo)}-${escapeClassChar(hi)}`;
      i += skip;
    } else {
      out += escapeClassChar(ch);
    }
  }
  if (out === '') return negate ? '[\\s\\S]' : '(?!)';
  return negate ? `[^${out}]` : `[${out}]`;
}

function escapeRegExp(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function escapeClassChar(ch: string): string {
  return ch.replace(/[\]\\^-]/g, '\\$&');
}
