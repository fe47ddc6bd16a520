import type { FromCall } from './decorator-sources.js';
import type { MethodCache } from './method-cache.js';

/** A call's key and its full key in the cache (prefixed, as the backend stores it). */
export interface CallKey {
  readonly key: string;
  readonly full: string;
}

/** How many arguments a method's {@link CallKeys} remembers before it starts over. */
const CALL_KEYS_LIMIT = 1024;

/** Strings longer than this are not remembered (the memo would hold them). */
const LONGEST_ARGUMENT = 64;

/**
 * @internal The keys of a decorated method whose key is made of one primitive argument (a
 * template such as `'user:{0}'`, or the default key of a one-argument call), by that argument.
 *
 * NOTE: why remember them: rendering a key is not the cost (a default key hashes its argument,
 * though: 1–2 µs); looking a *new* string up in a `Map` is: its hash, then its characters
 * compared with the stored key's (a cache miss), ~300 ns in a map of thousands, more than the
 * rest of an in-memory hit. The remembered full key is the very string the entry was stored
 * under (or one looked up before), whose hash is cached: the lookup compares pointers. A number
 * argument costs no hashing at all. The memo holds {@link CALL_KEYS_LIMIT} arguments and starts
 * over when full, and when the method's cache changes.
 */
export class CallKeys {
  private readonly keys = new Map<unknown, CallKey>();
  private engine: MethodCache | undefined;

  /**
   * The key of a call (`self`, `args`) whose key argument is `argument`, made by `make` the
   * first time.
   * @throws what `make` or the cache's key check throw (nothing is remembered then)
   */
  of(
    engine: MethodCache,
    argument: unknown,
    make: FromCall<string>,
    self: unknown,
    args: readonly unknown[],
  ): CallKey {
    if (engine !== this.engine) {
      this.keys.clear();
      this.engine = engine;
    }
    let known = this.keys.get(argument);
    if (known !== undefined) return known;
    const key = make(self, args);
    known = { key, full: engine.fullKey(key) };
    if (!rememberable(argument)) return known;
    if (this.keys.size >= CALL_KEYS_LIMIT) this.keys.clear();
    this.keys.set(argument, known);
    return known;
  }
}

/** Whether a key argument can be a key of the memo (primitives that keys render the same). */
function rememberable(argument: unknown): boolean {
  switch (typeof argument) {
    case 'number':
    case 'boolean':
    case 'bigint':
      return true;
    case 'string':
      return argument.length <= LONGEST_ARGUMENT;
    default:
      return false;
  }
}
