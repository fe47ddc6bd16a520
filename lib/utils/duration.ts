/**
 * A duration: a number of **milliseconds**, or a string of one or more `<number><unit>` parts
 * with units `ms`, `s`, `m`, `h`, `d`, `w` (`'250ms'`, `'30s'`, `'1h30m'`, `'14d'`). A string of
 * bare digits is milliseconds too.
 */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

/**
 * Parses a {@link Duration} to whole milliseconds, or returns an error message (the caller knows
 * which option or argument it was and wraps the message into its own typed error). The result
 * is a safe integer: Redis refuses larger TTLs, and would answer a reply about integers that
 * the cache could only report as the wrong error.
 */
export function parseDuration(value: unknown): number | string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `must be a finite number of milliseconds, got ${value}`;
    if (value < 0) return `must not be negative, got ${value}`;
    return withinRange(Math.round(value), value);
  }
  if (typeof value !== 'string')
    return `must be a number of milliseconds or a string such as '30s', got ${describe(value)}`;
  const text = value.trim();
  if (/^\d+$/.test(text)) return withinRange(Number(text), value);
  if (text === '' || text.startsWith('-')) return `is not a valid duration: '${value}'`;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (!match)
      return `is not a valid duration: '${value}' (use e.g. '500ms', '30s', '5m', '2h', '14d')`;
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return withinRange(Math.round(total), value);
}

function withinRange(ms: number, value: unknown): number | string {
  if (Number.isSafeInteger(ms)) return ms;
  return `must be at most ${Number.MAX_SAFE_INTEGER} ms (about 285,000 years), got ${describe(value)}`;
}

/** Short, safe description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value.length > 40 ? value.slice(0, 40) + '…' : value}'`;
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  if (typeof value === 'function') return 'a function';
  return `${typeof value} ${String(value)}`;
}
