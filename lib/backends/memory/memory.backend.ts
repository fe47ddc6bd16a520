import { compileGlob } from '../../utils/glob.js';
import type { AtomicOp, OpArg } from '../atomic-op.js';
import type {
  BackendCommand,
  BackendSetOptions,
  BackendStep,
  CacheBackend,
  RawValue,
  Reply,
  StepResult,
} from '../backend.interface.js';
import { BackendReplyError, REPLY } from '../reply-error.js';
import { MEMORY_COMMANDS, type CommandContext } from './commands/index.js';
import { KEY_COMMANDS, setString } from './commands/key.commands.js';
import { freezeTree } from '../../codecs/json-copy.js';
import { deepFreeze } from './frozen-value.js';
import { FrozenJsonEntry, type MemoryEntry as Entry, type MemoryStore } from './memory.store.js';
import { MEMORY_NOTICES, publishMemoryNotice } from './memory.notices.js';
import { freshMemoryNow, memoryNow } from './memory.clock.js';

const NO_ARGS: readonly OpArg[] = [];

/**
 * The embedded backend, on a process-local {@link MemoryStore}, with the same semantics as Redis
 * (TTL in ms, integer counters that keep their TTL, glob patterns, versions, data structures).
 * It is a small Redis command interpreter: the commands the cache layer sends are implemented
 * in JavaScript (commands/, one file per type). Every operation is synchronous inside, hence
 * atomic. With `maxEntries`, the Map's insertion order doubles as the
 * LRU list: a read moves the entry to the end, eviction takes the first.
 */
export class MemoryBackend implements CacheBackend {
  readonly kind = 'memory' as const;
  /** Notices (lock releases) are delivered in-process, by the twins' `ctx.publish`. */
  readonly notices = MEMORY_NOTICES;
  private readonly entries: Map<string, Entry>;
  private readonly maxEntries: number | undefined;
  private closed = false;

  /**
   * The store as an operation sees it. NOTE: one object for every operation, its clock set when
   * each starts (see {@link MemoryBackend.context}): operations are synchronous, so none can see
   * another's, and the hot path allocates nothing for it.
   */
  private readonly ctx: { -readonly [K in keyof CommandContext]: CommandContext[K] };

  constructor(
    private readonly store: MemoryStore,
    options: { binary?: boolean } = {},
  ) {
    this.entries = store.entries;
    this.maxEntries = store.options.maxEntries;
    this.ctx = {
      // Whether the cache's codec writes bytes: members and fields are then answered as Buffers.
      binary: options.binary ?? false,
      now: 0,
      read: (key) => this.read(key),
      write: (key, entry) => this.write(key, entry),
      delete: (key) => this.read(key) !== undefined && this.entries.delete(key),
      publish: publishMemoryNotice,
    };
  }

  // get, set, incrBy, exists and delete call their command's implementation directly: the same
  // semantics as a pipeline's GET or SET, without building and parsing a command on the hot path.

  async get(key: string): Promise<RawValue | undefined> {
    return this.readString(key);
  }

  /**
   * The decoded value of a string key, synchronously. The first read after a write decodes the
   * stored text and, when the value deep-freezes (plain objects, arrays, primitives), keeps it
   * on the entry: later reads answer that frozen object as it is, without parsing. Other values
   * (holding a Date, Map, Buffer…) are decoded afresh on every read, so no reader can change what
   * another one gets. The stored text stays the truth for every other command.
   */
  readDecoded(key: string, decode: (raw: RawValue) => unknown): unknown {
    const entry = this.read(key);
    if (!entry) return undefined;
    if (entry.type !== 'string') throw new BackendReplyError(REPLY.WRONGTYPE);
    const decoded = entry.decoded;
    if (
      decoded !== undefined &&
      decoded.owner === entry &&
      decoded.decode === decode &&
      (decoded.from === undefined || decoded.from === entry.data)
    ) {
      if (decoded.thawed) {
        freezeTree(decoded.value);
        decoded.thawed = false;
      }
      return decoded.value;
    }
    const from = entry.data;
    const value = decode(from);
    if (deepFreeze(value)) entry.decoded = { owner: entry, from, decode, value, thawed: false };
    return value;
  }

  /**
   * Writes a JSON cache's value as it is, without encoding it: `value` must be a private copy
   * made by `jsonCopy` (frozen on its first read), and `decode` the cache's, which reads it back with
   * {@link MemoryBackend.readDecoded}. Same semantics as {@link MemoryBackend.set}.
   */
  setDecoded(
    key: string,
    value: unknown,
    decode: (raw: RawValue) => unknown,
    ttl: number | null,
    condition: 'nx' | 'xx' | undefined,
  ): boolean {
    if (condition) {
      const exists = this.read(key) !== undefined;
      if (condition === 'nx' ? exists : !exists) return false;
    }
    this.write(key, new FrozenJsonEntry(decode, value, ttl === null ? 0 : memoryNow() + ttl));
    return true;
  }

  async set(key: string, value: RawValue, options: BackendSetOptions): Promise<boolean> {
    return setString(this.context(), key, value, options.ttl, options.condition);
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
    const expiresAt = ttl === null ? 0 : memoryNow() + ttl;
    for (const [key, value] of entries) this.writeString(key, value, expiresAt);
  }

  async delete(keys: readonly string[]): Promise<number> {
    return KEY_COMMANDS.unlink!(this.context(), keys, NO_ARGS) as number;
  }

  async exists(key: string): Promise<boolean> {
    return KEY_COMMANDS.exists!(this.context(), [key], NO_ARGS) === 1;
  }

  async incrBy(key: string, delta: number): Promise<number> {
    return KEY_COMMANDS.incrby!(this.context(), [key], [delta]) as number;
  }

  async expire(key: string, ms: number): Promise<boolean> {
    return KEY_COMMANDS.pexpire!(this.context(), [key], [ms]) === 1;
  }

  async *scan(pattern: string, count: number): AsyncIterable<string[]> {
    const matches = compileGlob(pattern);
    const now = memoryNow();
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

  async run<R>(op: AtomicOp<R>, keys: readonly string[], args: readonly OpArg[]): Promise<R> {
    return op.memory(this.context(), keys, args);
  }

  async command(command: BackendCommand): Promise<Reply> {
    return this.exec(command);
  }

  /**
   * Runs every step synchronously, so a pipeline is always atomic here (a transaction is too);
   * as in a Redis transaction, a failing step does not undo nor stop the others.
   */
  async pipeline(steps: readonly BackendStep[]): Promise<StepResult[]> {
    const ctx = this.context();
    return steps.map((step) => {
      try {
        const value =
          'op' in step ? step.op.memory(ctx, step.keys, step.args) : this.exec(step, ctx);
        return { ok: true, value };
      } catch (error) {
        return { ok: false, error };
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.store.release();
  }

  /** Runs one command by its JavaScript implementation (see commands/). */
  private exec(command: BackendCommand, ctx = this.context()): Reply {
    const implementation = MEMORY_COMMANDS.get(command.name);
    if (!implementation) throw new BackendReplyError(`ERR unknown command '${command.name}'`);
    return implementation(ctx, command.keys, command.args);
  }

  /** {@link MemoryBackend.ctx}, with the clock read for the operation that starts. */
  private context(): CommandContext {
    this.ctx.now = freshMemoryNow();
    return this.ctx;
  }

  /** The live entry at `key`, expiring it lazily; refreshes its LRU position when bounded. */
  private read(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== 0 && entry.expiresAt <= memoryNow()) {
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
    // Insertion order matters only as the LRU list: unbounded, an overwrite stays in place.
    if (this.maxEntries === undefined) {
      this.entries.set(key, entry);
      return;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) {
      // The first key in insertion order is the least recently used one.
      this.entries.delete(this.entries.keys().next().value!);
    }
  }
}
