import { compileGlob } from '../../utils/glob.js';
import type { AtomicOp, MemoryOpContext, OpArg } from '../atomic-op.js';
import type { BackendSetOptions, CacheBackend, RawValue } from '../backend.interface.js';
import { BackendReplyError, REPLY } from '../reply-error.js';
import type { MemoryEntry as Entry, MemoryStore } from './memory.store.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const REDIS_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;

/**
 * The embedded backend, on a process-local {@link MemoryStore}, with the same semantics as Redis
 * (TTL in ms, integer counters that keep their TTL, glob patterns, versions). Every operation is
 * synchronous inside, hence atomic. With `maxEntries`, the Map's insertion order doubles as the
 * LRU list: a read moves the entry to the end, eviction takes the first.
 */
export class MemoryBackend implements CacheBackend {
  readonly kind = 'memory' as const;
  private readonly entries: Map<string, Entry>;
  private readonly maxEntries: number | undefined;
  private closed = false;

  constructor(private readonly store: MemoryStore) {
    this.entries = store.entries;
    this.maxEntries = store.options.maxEntries;
  }

  async get(key: string): Promise<RawValue | undefined> {
    return this.readString(key);
  }

  async set(key: string, value: RawValue, options: BackendSetOptions): Promise<boolean> {
    if (options.condition) {
      const exists = this.read(key) !== undefined;
      if (options.condition === 'nx' ? exists : !exists) return false;
    }
    this.writeString(key, value, options.ttl === null ? 0 : Date.now() + options.ttl);
    return true;
  }

  async getMany(keys: readonly string[]): Promise<(RawValue | undefined)[]> {
    // As MGET: a key of another type reads as a miss, not an error.
    return keys.map((key) => {
      const entry = this.read(key);
      return entry?.type === 'string' ? entry.data : undefined;
    });
  }

  async setMany(
    entries: ReadonlyArray<readonly [string, RawValue]>,
    ttl: number | null,
  ): Promise<void> {
    const expiresAt = ttl === null ? 0 : Date.now() + ttl;
    for (const [key, value] of entries) this.writeString(key, value, expiresAt);
  }

  async delete(keys: readonly string[]): Promise<number> {
    let count = 0;
    for (const key of keys) if (this.read(key) && this.entries.delete(key)) count++;
    return count;
  }

  async exists(key: string): Promise<boolean> {
    return this.read(key) !== undefined;
  }

  async incrBy(key: string, delta: number): Promise<number> {
    const entry = this.read(key);
    let current = 0n;
    if (entry) {
      if (entry.type !== 'string') throw new BackendReplyError(REPLY.WRONGTYPE);
      const text = typeof entry.data === 'string' ? entry.data : entry.data.toString('latin1');
      if (!REDIS_INTEGER.test(text)) throw new BackendReplyError(REPLY.NOT_INTEGER);
      current = BigInt(text);
      if (current < INT64_MIN || current > INT64_MAX)
        throw new BackendReplyError(REPLY.NOT_INTEGER);
    }
    const next = current + BigInt(delta);
    if (next < INT64_MIN || next > INT64_MAX) throw new BackendReplyError(REPLY.OVERFLOW);
    this.writeString(key, next.toString(), entry ? entry.expiresAt : 0);
    return Number(next);
  }

  async pttl(key: string): Promise<number> {
    const entry = this.read(key);
    if (!entry) return -2;
    return entry.expiresAt === 0 ? -1 : Math.max(0, entry.expiresAt - Date.now());
  }

  async pexpire(key: string, ms: number): Promise<boolean> {
    return this.pexpireAt(key, Date.now() + ms);
  }

  async pexpireAt(key: string, epochMs: number): Promise<boolean> {
    const entry = this.read(key);
    if (!entry) return false;
    if (epochMs <= Date.now()) this.entries.delete(key);
    else entry.expiresAt = epochMs;
    return true;
  }

  async persist(key: string): Promise<boolean> {
    const entry = this.read(key);
    if (!entry || entry.expiresAt === 0) return false;
    entry.expiresAt = 0;
    return true;
  }

  async touch(key: string, ttl: number | null): Promise<boolean> {
    const entry = this.read(key);
    if (!entry) return false;
    entry.expiresAt = ttl === null ? 0 : Date.now() + ttl;
    return true;
  }

  async *scan(pattern: string, count: number): AsyncIterable<string[]> {
    const matches = compileGlob(pattern);
    const now = Date.now();
    // A snapshot, so that reads (which reorder the LRU list) cannot make the scan revisit keys.
    const matched: string[] = [];
    for (const [key, entry] of this.entries) {
      if ((entry.expiresAt === 0 || entry.expiresAt > now) && matches(key)) matched.push(key);
    }
    for (let i = 0; i < matched.length; i += count) yield matched.slice(i, i + count);
  }

  async rename(from: string, to: string): Promise<boolean> {
    const entry = this.read(from);
    if (!entry) return false;
    this.entries.delete(from);
    this.write(to, entry);
    return true;
  }

  async bumpVersion(key: string): Promise<number> {
    const current = this.readString(key);
    const next = (current === undefined ? 1 : Number(current.toString())) + 1;
    this.writeString(key, String(next), 0);
    return next;
  }

  async run<R>(op: AtomicOp<R>, keys: readonly string[], args: readonly OpArg[]): Promise<R> {
    return op.memory(this.opContext(), keys, args);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.store.release();
  }

  private opContext(): MemoryOpContext {
    return {
      now: Date.now(),
      read: (key) => this.read(key),
      write: (key, entry) => this.write(key, entry),
      delete: (key) => this.read(key) !== undefined && this.entries.delete(key),
    };
  }

  /** The live entry at `key`, expiring it lazily; refreshes its LRU position when bounded. */
  private read(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== 0 && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    if (this.maxEntries !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** The value of a string key; WRONGTYPE for a key of another type. */
  private readString(key: string): RawValue | undefined {
    const entry = this.read(key);
    if (!entry) return undefined;
    if (entry.type !== 'string') throw new BackendReplyError(REPLY.WRONGTYPE);
    return entry.data;
  }

  private writeString(key: string, data: RawValue, expiresAt: number): void {
    this.write(key, { type: 'string', data, expiresAt });
  }

  private write(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.maxEntries !== undefined && this.entries.size > this.maxEntries) {
      // The first key in insertion order is the least recently used one.
      this.entries.delete(this.entries.keys().next().value!);
    }
  }
}
