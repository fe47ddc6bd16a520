/** What {@link frozenJsonCopy} answers for a value that is not plain JSON data. */
export const NOT_PLAIN_JSON: unique symbol = Symbol('cachex:not-plain-json');

/** As the JSON serializer's fast check: past this depth the value takes the encoding path. */
const MAX_DEPTH = 100;

/**
 * The value `JSON.parse(JSON.stringify(value))` gives, deep-frozen, made without the text: the
 * memory backend keeps it instead of encoding a JSON cache's values (see
 * `CacheService.set`). Only plain JSON data qualifies — primitives, arrays and objects whose
 * prototype is `Object.prototype` or `null`, at most 100 levels deep (so no cycle); as JSON does,
 * `undefined` properties are left out, `undefined` array items, `NaN` and `±Infinity` become
 * `null`, and `-0` becomes `0`. Anything else (a Date, Map, function, class instance, a
 * `__proto__` key, a top-level `undefined`) answers {@link NOT_PLAIN_JSON}, and the caller
 * encodes the value with the codec, which decides exactly (and throws for what JSON cannot hold).
 */
export function frozenJsonCopy(value: unknown): unknown {
  if (value === undefined) return NOT_PLAIN_JSON;
  return copy(value, 0);
}

// NOTE: no cycle check: a cycle is infinitely deep, so it ends at MAX_DEPTH like any deep value,
// and the codec then refuses it with its own message.
function copy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // JSON writes non-finite numbers as null, and -0 as 0.
      return Number.isFinite(value) ? value + 0 : null;
    case 'object':
      break;
    default:
      return NOT_PLAIN_JSON;
  }
  if (value === null) return null;
  if (depth >= MAX_DEPTH) return NOT_PLAIN_JSON;
  let result: unknown;
  if (Array.isArray(value)) {
    const items = new Array<unknown>(value.length);
    result = items;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const copied = item === undefined ? null : copy(item, depth + 1);
      if (copied === NOT_PLAIN_JSON) {
        result = NOT_PLAIN_JSON;
        break;
      }
      items[i] = copied;
    }
  } else {
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) result = NOT_PLAIN_JSON;
    else {
      const fields: Record<string, unknown> = {};
      result = fields;
      for (const key in value) {
        const field = (value as Record<string, unknown>)[key];
        if (field === undefined) continue;
        const copied = key === '__proto__' ? NOT_PLAIN_JSON : copy(field, depth + 1);
        if (copied === NOT_PLAIN_JSON) {
          result = NOT_PLAIN_JSON;
          break;
        }
        fields[key] = copied;
      }
    }
  }
  return result === NOT_PLAIN_JSON ? result : Object.freeze(result);
}
