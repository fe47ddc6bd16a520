/**
 * Deep-freezes a decoded value so that the memory backend can hand the same object to every
 * reader: a caller that mutates it gets a TypeError (strict mode, as every ES module is) instead
 * of changing what the next reader sees. Only values made of primitives, plain objects and
 * arrays qualify; a `Date`, `Map`, `Set`, `Buffer` or class instance stays mutable even when
 * frozen, so a value holding one is left untouched (and decoded afresh on every read).
 *
 * @returns whether the value is now immutable (`true` for primitives)
 */
export function deepFreeze(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  // Check the whole tree before freezing any of it: a refused value must reach its reader
  // unfrozen. An explicit stack, as a serializer may write deeper trees than the call stack takes.
  const seen = new Set<object>();
  const pending: object[] = [value];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    const prototype = Object.getPrototypeOf(node) as unknown;
    const array = Array.isArray(node);
    if (
      array ? prototype !== Array.prototype : prototype !== Object.prototype && prototype !== null
    )
      return false;
    for (const child of array ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) pending.push(child as object);
    }
  }
  for (const node of seen) Object.freeze(node);
  return true;
}
