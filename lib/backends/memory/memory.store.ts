import type { RawValue } from '../backend.interface.js';
import type { MemoryZSet } from './memory-zset.js';

/**
 * A string's decoded value, kept on its entry so that reads skip the codec. It is valid only on
 * the entry object it was made for (`owner`: an operation that copies an entry, `{ ...entry,
 * data }`, gets none), while that entry still holds `from` (`undefined`: written as this value,
 * see {@link FrozenJsonEntry}), and for readers with the same `decode`.
 */
export interface DecodedValue {
  readonly owner: object;
  readonly from: RawValue | undefined;
  readonly decode: (raw: RawValue) => unknown;
  /** Every reader gets this very object, deep-frozen before the first one gets it. */
  readonly value: unknown;
  /** Whether `value` (a copy nobody has seen yet) is still to be frozen, on its first read. */
  thawed: boolean;
}

/**
 * A string entry written as a JSON value (`MemoryBackend.setDecoded`), a private copy: its text,
 * which only the other commands (INCRBY, a pipeline's GET, a script, …) need, is written on first
 * use.
 */
export class FrozenJsonEntry implements DecodedValue {
  readonly type = 'string' as const;
  /** The entry is its own decoded value (one object per write instead of two). */
  decoded: DecodedValue | undefined = this;
  readonly owner = this;
  readonly from = undefined;
  thawed = true; // freezing waits for the first read: an overwritten value never pays for it
  private text: RawValue | undefined;

  constructor(
    readonly decode: (raw: RawValue) => unknown,
    readonly value: unknown,
    public expiresAt: number,
  ) {}

  get data(): RawValue {
    // The value is plain JSON data (see jsonCopy), which JSON.stringify cannot refuse.
    return (this.text ??= JSON.stringify(this.value));
  }

  set data(data: RawValue) {
    this.text = data;
    this.decoded = undefined;
  }
}

/**
 * One stored key, tagged with its Redis type so that every operation can refuse a key of the
 * wrong type as Redis does (WRONGTYPE). Set and sorted-set members and hash fields are byte
 * strings: the latin1 text of their bytes, text being UTF-8 encoded first (`bytes()` in
 * commands/command-context.ts; ASCII text is its own byte string), so that equal bytes are one
 * member and string comparison is Redis' byte order. Values (strings, hash values, list
 * elements) are stored as given.
 */
export type MemoryEntry = (
  | { type: 'string'; data: RawValue; decoded?: DecodedValue }
  | { type: 'hash'; data: Map<string, RawValue> }
  | { type: 'list'; data: RawValue[] }
  | { type: 'set'; data: Set<string> }
  | { type: 'zset'; data: MemoryZSet }
) & {
  /** Expiry time in ms since the epoch; 0 = none. */
  expiresAt: number;
};

/** A Redis type name, as `TYPE` answers it. */
export type MemoryType = MemoryEntry['type'];

/** Options of a memory store, from the first cache that opens it. */
export interface MemoryStoreOptions {
  /** Most entries kept; past it the least recently used entry is evicted. `undefined` = unbounded. */
  maxEntries?: number;
  /** How often, in **milliseconds**, expired entries are swept out. */
  sweepInterval: number;
}

const stores = new Map<string, MemoryStore>();

/**
 * The data of one `memory://<name>` location, shared by every cache of the process that names it
 * (as caches on one Redis database share its keyspace, so prefixes and versions behave alike).
 * Reference-counted: the last cache to close it stops its sweeper and drops its data, so a new
 * application in the same process starts empty. Expiry is lazy on reads plus one `unref()`'d
 * sweeper, never a timer per entry.
 */
export class MemoryStore {
  readonly entries = new Map<string, MemoryEntry>();
  private readonly sweeper: NodeJS.Timeout;
  private refs = 0;

  private constructor(
    readonly name: string,
    readonly options: MemoryStoreOptions,
  ) {
    this.sweeper = setInterval(() => this.sweep(), options.sweepInterval);
    this.sweeper.unref();
  }

  /**
   * Opens the store of that name, creating it with `options` if no cache holds it. Returns an
   * error message when the store is open with other options.
   */
  static acquire(name: string, options: MemoryStoreOptions): MemoryStore | string {
    let store = stores.get(name);
    if (!store) {
      store = new MemoryStore(name, options);
      stores.set(name, store);
    } else if (
      store.options.maxEntries !== options.maxEntries ||
      store.options.sweepInterval !== options.sweepInterval
    ) {
      return `opens memory store '${name}', which another cache opened with other \`maxEntries\`/\`sweepInterval\`; give both the same options or use another store name (memory://<name>)`;
    }
    store.refs++;
    return store;
  }

  release(): void {
    if (--this.refs > 0) return;
    clearInterval(this.sweeper);
    this.entries.clear();
    stores.delete(this.name);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt !== 0 && entry.expiresAt <= now) this.entries.delete(key);
    }
  }
}
