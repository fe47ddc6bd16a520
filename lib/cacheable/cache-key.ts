import { createHash } from 'node:crypto';
import { describe } from '../utils/duration.js';

/**
 * A method cache key: a template such as `'user:{0}:{1.id}'` (the first argument, then the `id`
 * property of the second), or a function of the method's arguments (called with the instance as
 * `this`) that returns the key.
 */
export type CacheKeySource<A extends unknown[] = unknown[]> = string | ((...args: A) => string);

/**
 * The digest of a method's arguments in a default key: stable across processes, Node versions
 * and the key order of plain objects, so every instance of an app computes the same key.
 *
 * Keyable values: strings, numbers, booleans, `null`, `undefined`, bigints, `Date`s, Buffers and
 * typed arrays, arrays, `Map`s and `Set`s (in insertion order), plain objects (keys sorted), and
 * any object with a `toJSON()` method (its result). Anything else (functions, symbols, class
 * instances without `toJSON`, circular structures) cannot be keyed: the returned string is the
 * problem, which the caller turns into a typed error.
 */
export function digestArguments(
  args: readonly unknown[],
): { digest: string } | { problem: string } {
  const parts: string[] = [];
  const problem = canonical(args, parts, new Set(), 'arguments');
  if (problem !== undefined) return { problem };
  // 128 bits of SHA-256: collisions are out of reach, and the key stays short and glob-safe.
  return { digest: createHash('sha256').update(parts.join('')).digest('base64url').slice(0, 22) };
}

/**
 * Writes a canonical, type-tagged text of `value` into `out` (so that `1` and `'1'`, `null` and
 * `undefined`, `[]` and `{}` differ), or returns why it cannot.
 */
function canonical(
  value: unknown,
  out: string[],
  seen: Set<object>,
  path: string,
): string | undefined {
  switch (typeof value) {
    case 'string':
      out.push('s', JSON.stringify(value));
      return undefined;
    case 'number':
      // -0 and 0 are the same argument to nearly every method; NaN and ±Infinity are keyable.
      out.push('n', Object.is(value, -0) ? '0' : String(value), ';');
      return undefined;
    case 'boolean':
      out.push(value ? 'T' : 'F');
      return undefined;
    case 'undefined':
      out.push('u');
      return undefined;
    case 'bigint':
      out.push('b', value.toString(), ';');
      return undefined;
    case 'function':
    case 'symbol':
      return `${path} is ${describe(value)}, which cannot be part of a cache key`;
  }
  if (value === null) {
    out.push('z');
    return undefined;
  }
  const object = value as object;
  if (seen.has(object)) return `${path} is circular`;
  seen.add(object);
  try {
    return canonicalObject(object, out, seen, path);
  } finally {
    seen.delete(object);
  }
}

function canonicalObject(
  object: object,
  out: string[],
  seen: Set<object>,
  path: string,
): string | undefined {
  if (object instanceof Date) {
    out.push('d', String(object.getTime()), ';');
    return undefined;
  }
  if (ArrayBuffer.isView(object)) {
    const bytes = Buffer.from(object.buffer, object.byteOffset, object.byteLength);
    out.push('x', object.constructor.name, ':', bytes.toString('base64'), ';');
    return undefined;
  }
  if (Array.isArray(object)) {
    out.push('[');
    for (let i = 0; i < object.length; i++) {
      const problem = canonical(object[i], out, seen, `${path}[${i}]`);
      if (problem !== undefined) return problem;
    }
    out.push(']');
    return undefined;
  }
  if (object instanceof Map) {
    out.push('M[');
    let i = 0;
    for (const [key, entry] of object) {
      const problem =
        canonical(key, out, seen, `${path} (a Map) key #${i}`) ??
        canonical(entry, out, seen, `${path} (a Map) entry #${i}`);
      if (problem !== undefined) return problem;
      i++;
    }
    out.push(']');
    return undefined;
  }
  if (object instanceof Set) {
    out.push('S[');
    let i = 0;
    for (const entry of object) {
      const problem = canonical(entry, out, seen, `${path} (a Set) entry #${i++}`);
      if (problem !== undefined) return problem;
    }
    out.push(']');
    return undefined;
  }
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    out.push('j');
    return canonical(toJSON.call(object), out, seen, `${path}.toJSON()`);
  }
  const proto = Object.getPrototypeOf(object) as object | null;
  if (proto !== Object.prototype && proto !== null) {
    const type = (object.constructor as { name?: string } | undefined)?.name ?? 'a class';
    return `${path} is an instance of ${type}, which cannot be part of a cache key (give the class a toJSON() method, or pass a \`key\` option)`;
  }
  out.push('{');
  for (const key of Object.keys(object).sort()) {
    out.push(JSON.stringify(key), ':');
    const problem = canonical(
      (object as Record<string, unknown>)[key],
      out,
      seen,
      `${path}.${key}`,
    );
    if (problem !== undefined) return problem;
  }
  out.push('}');
  return undefined;
}

/** One `{…}` placeholder of a key template: an argument index and a property path. */
const PLACEHOLDER = /\{(\d+)((?:\.[^.{}]+)*)\}/g;

/**
 * Compiles a key template (`'user:{0}:{1.id}'`) into a function of the arguments. A placeholder
 * must resolve to a string, number, bigint or boolean; the returned function reports anything
 * else as a problem. Returns a problem for a template without placeholders that is empty, or with
 * braces that are not placeholders.
 */
export function compileKeyTemplate(
  template: string,
): ((args: readonly unknown[]) => string | { problem: string }) | { problem: string } {
  if (template === '') return { problem: 'must not be empty' };
  const literal = template.replace(PLACEHOLDER, '');
  if (/[{}]/.test(literal))
    return {
      problem: `'${template}' has a brace that is not a placeholder such as {0} or {1.id}`,
    };
  const pieces: Array<string | { index: number; path: string[]; text: string }> = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    pieces.push(template.slice(last, match.index));
    pieces.push({
      index: Number(match[1]),
      path: match[2] ? match[2].slice(1).split('.') : [],
      text: match[0],
    });
    last = match.index + match[0].length;
  }
  pieces.push(template.slice(last));
  const problem = (piece: { text: string }, value: unknown) => ({
    problem: `placeholder ${piece.text} of '${template}' is ${describe(value)}; it must be a string, number, bigint or boolean`,
  });
  const [head, only, tail] = pieces;
  if (pieces.length === 3 && typeof only === 'object' && only.path.length === 0) {
    // The common template, one argument as it is ('user:{0}'): one concatenation, no loop.
    const { index } = only;
    return (args) => {
      const value = args[index];
      const type = typeof value;
      if (type !== 'string' && type !== 'number' && type !== 'bigint' && type !== 'boolean')
        return problem(only, value);
      return `${head as string}${value as string}${tail as string}`;
    };
  }
  return (args) => {
    let key = '';
    for (const piece of pieces) {
      if (typeof piece === 'string') {
        key += piece;
        continue;
      }
      let value: unknown = args[piece.index];
      for (const property of piece.path) {
        value =
          value === null || value === undefined
            ? undefined
            : (value as Record<string, unknown>)[property];
      }
      const type = typeof value;
      if (type !== 'string' && type !== 'number' && type !== 'bigint' && type !== 'boolean')
        return problem(piece, value);
      key += String(value);
    }
    return key;
  };
}
