/** What {@link jsonCopy} answers for a value that is not plain JSON data. */
export const NOT_PLAIN_JSON: unique symbol = Symbol('cachex:not-plain-json');

/** As the JSON serializer's fast check: past this depth the value takes the encoding path. */
const MAX_DEPTH = 100;
/**
 * UTF-16 units counted for each value and field besides its strings' own units: with at most 6
 * JSON bytes per unit (`\u001f`), 6 units (36 bytes) cover a number (at most 24 characters),
 * `null`, `false`, quotes, a colon and a comma.
 */
const NODE_UNITS = 6;
/** Bytes of JSON text per counted UTF-16 unit, at most (an escape such as `\u001f`). */
const BYTES_PER_UNIT = 6;

/** UTF-16 units counted by the copy in progress (see {@link jsonCopy}'s `maxSize`). */
let units = 0;

/**
 * The value `JSON.parse(JSON.stringify(value))` gives, made without the text: the
 * memory backend keeps it instead of encoding a JSON cache's values (see
 * `CacheService.set`). Only plain JSON data qualifies — primitives, arrays and objects whose
 * prototype is `Object.prototype` or `null`, at most 100 levels deep (so no cycle); as JSON does,
 * `undefined` properties are left out, `undefined` array items, `NaN` and `±Infinity` become
 * `null`, and `-0` becomes `0` (symbol-keyed properties are dropped by {@link freezeTree}). Anything else (a Date, Map, function, class instance, a
 * `__proto__` key, a top-level `undefined`) answers {@link NOT_PLAIN_JSON}, and the caller
 * encodes the value with the codec, which decides exactly (and throws for what JSON cannot hold).
 * The copy is a tree of fresh objects (a value that holds one object twice gets two copies),
 * which {@link freezeTree} freezes when it is first shared.
 *
 * A value whose JSON text could exceed `maxSize` **bytes** (an upper bound counted on the way,
 * from its strings' lengths and its number of values) answers {@link NOT_PLAIN_JSON} too, so
 * that the codec measures it exactly and refuses it when it is over the cache's `maxValueSize`.
 */
export function jsonCopy(value: unknown, maxSize: number): unknown {
  if (value === undefined) return NOT_PLAIN_JSON;
  units = NODE_UNITS;
  const copied = copy(value, 0);
  return units * BYTES_PER_UNIT > maxSize ? NOT_PLAIN_JSON : copied;
}

// NOTE: no cycle check: a cycle is infinitely deep, so it ends at MAX_DEPTH like any deep value,
// and the codec then refuses it with its own message. Early returns, not a result variable: this
// is the hot path of `set` on the memory backend.
function copy(value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    units += value.length;
    return value;
  }
  if (typeof value === 'boolean') return value;
  // JSON writes non-finite numbers as null, and -0 as 0.
  if (typeof value === 'number') return Number.isFinite(value) ? value + 0 : null;
  if (typeof value !== 'object') return NOT_PLAIN_JSON;
  if (value === null) return null;
  if (depth >= MAX_DEPTH) return NOT_PLAIN_JSON;
  if (Array.isArray(value)) {
    // A slice copies the items far faster than one by one; only items that are not strings need
    // a look then. Not for a subclass, which `slice` would copy as its own class.
    if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_PLAIN_JSON;
    const items = value.slice() as unknown[];
    const length = items.length;
    units += length * NODE_UNITS;
    for (let i = 0; i < length; i++) {
      const item = items[i];
      if (typeof item === 'string') {
        units += item.length;
        continue;
      }
      const copied = item === undefined ? null : copy(item, depth + 1);
      if (copied === NOT_PLAIN_JSON) return NOT_PLAIN_JSON;
      items[i] = copied;
    }
    return items;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return NOT_PLAIN_JSON;
  // A spread copies the own enumerable fields (calling getters once, as JSON does) far faster
  // than building the object key by key; then only fields that are not strings need a look.
  const fields: Record<string, unknown> = { ...value };
  for (const key in fields) {
    const field = fields[key];
    units += key.length + NODE_UNITS;
    if (typeof field === 'string') {
      units += field.length;
      continue;
    }
    if (typeof field === 'boolean') continue;
    if (typeof field === 'number') {
      // JSON writes non-finite numbers as null, and -0 as 0 (rewriting a 0 changes nothing).
      if (!Number.isFinite(field)) fields[key] = null;
      else if (field === 0) fields[key] = 0;
      continue;
    }
    if (field === undefined) {
      delete fields[key];
      continue;
    }
    // Assigning to `__proto__` would set the prototype: let the codec handle such objects.
    if (key === '__proto__') return NOT_PLAIN_JSON;
    const copied = copy(field, depth + 1);
    if (copied === NOT_PLAIN_JSON) return NOT_PLAIN_JSON;
    if (copied !== field) fields[key] = copied;
  }
  // NOTE: the spread also copied symbol-keyed fields, which JSON drops; looking for them costs
  // more than the whole copy, so freezeTree drops them, once, when the copy is first read.
  return fields;
}

/**
 * Makes a copy of {@link jsonCopy} final before its first reader gets it: drops the symbol-keyed
 * fields that JSON would not keep, and deep-freezes it. The copy is a tree: no object is visited
 * twice.
 */
export function freezeTree(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) freezeTree(item);
  } else {
    const fields = value as Record<string | symbol, unknown>;
    for (const symbol of Object.getOwnPropertySymbols(fields)) delete fields[symbol];
    for (const key in fields) freezeTree(fields[key]);
  }
  Object.freeze(value);
}
