import { escapeGlob } from '../utils/glob.js';

/**
 * Builds the full key stored on the server from the user's key, the cache's `keyPrefix` and the
 * version. It also receives patterns (with a glob-escaped prefix), so it must not escape `key`.
 * @default (key, prefix, version) => `${prefix}:${version}:${key}`
 */
export type KeyFunction = (key: string, prefix: string, version: number) => string;

/**
 * Inverse of a {@link KeyFunction}: the user's key from a full key. Required with a custom
 * `keyFunction`, because `keys()` and `scan()` return keys without prefix and version.
 */
export type ReverseKeyFunction = (fullKey: string) => string;

/**
 * Applies a cache's prefix and version to keys and patterns, and strips them from keys read
 * back. Internal keys (namespace versions, locks, rate limits) live under
 * `<prefix>:cachex:…`, which no versioned user key nor `clear()`'s pattern can match, because a
 * version is always an integer.
 */
export class KeyBuilder {
  /** `<prefix>:<version>:`, made once: most keys are at the cache's version. */
  private readonly head: string;

  constructor(
    readonly prefix: string,
    readonly version: number,
    private readonly keyFunction?: KeyFunction,
    private readonly reverseKeyFunction?: ReverseKeyFunction,
  ) {
    this.head = `${prefix}:${version}:`;
  }

  /** Whether a custom `keyFunction` makes the full keys (then their format is the user's). */
  get custom(): boolean {
    return this.keyFunction !== undefined;
  }

  /** The full key of a user key at a version (the cache's version by default). */
  key(key: string, version = this.version): string {
    if (this.keyFunction) return this.keyFunction(key, this.prefix, version);
    return version === this.version ? this.head + key : `${this.prefix}:${version}:${key}`;
  }

  /** The full pattern of a user glob pattern; the prefix is escaped, the pattern kept as is. */
  pattern(pattern: string, version = this.version): string {
    const prefix = escapeGlob(this.prefix);
    return this.keyFunction
      ? this.keyFunction(pattern, prefix, version)
      : `${prefix}:${version}:${pattern}`;
  }

  /** The user key of a full key. */
  userKey(fullKey: string): string {
    if (this.reverseKeyFunction) return this.reverseKeyFunction(fullKey);
    // `prefix:` then the version digits then `:` (the prefix itself may contain colons).
    const versionEnd = fullKey.indexOf(':', this.prefix.length + 1);
    return fullKey.slice(versionEnd + 1);
  }

  /** An internal key of a feature (`ns`, `lock`, …), outside the space of user keys. */
  internal(feature: string, id: string): string {
    return `${this.prefix}:cachex:${feature}:${id}`;
  }
}
