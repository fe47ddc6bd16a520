import type { AtomicOp, OpArg } from './atomic-op.js';

/**
 * An encoded value as the backend stores it: a string, or bytes when the cache's codec is binary.
 */
export type RawValue = string | Buffer;

/** How a backend writes one value. */
export interface BackendSetOptions {
  /** Time to live in **milliseconds** (a positive integer), or `null` for no expiry. */
  ttl: number | null;
  /** Write only if the key is absent (`NX`) or only if it exists (`XX`). */
  condition?: 'nx' | 'xx';
}

/**
 * A command's reply, in the one shape both backends give: bulk strings as {@link RawValue} (Buffers
 * on a binary cache), integers as numbers, nil as `null`, arrays flat (HGETALL and WITHSCORES
 * replies are `[field, value, …]` / `[member, score, …]`). A score may come as text (`'1.5'`,
 * `'inf'`) or as a number.
 */
export type Reply = RawValue | number | null | Reply[];

/**
 * One Redis command of the cache layer: its lowercase name (as ioredis knows it, so that a
 * cluster routes it by its keys), its full keys, then its other arguments. The server receives
 * `name ...keys ...args`.
 */
export interface BackendCommand {
  readonly name: string;
  readonly keys: readonly string[];
  readonly args: readonly OpArg[];
}

/** An {@link AtomicOp} with its full keys and arguments, as one step of a pipeline. */
export interface BackendOpCall {
  readonly op: AtomicOp<unknown>;
  readonly keys: readonly string[];
  readonly args: readonly OpArg[];
}

/** One step of a pipeline: a command or an atomic operation (sent as EVAL on Redis). */
export type BackendStep = BackendCommand | BackendOpCall;

/**
 * What one step of a pipeline answered: a command's {@link Reply} or an operation's result, or
 * the error it failed with (the other steps are not affected).
 */
export type StepResult = { ok: true; value: unknown } | { ok: false; error: unknown };

/** What a backend reports about itself, for logs and feature checks. */
export type BackendKind = 'memory' | 'redis' | 'cluster';

/**
 * The storage contract every cache runs on, as a set of **atomic operations** on full keys
 * (prefix and version already applied) and encoded values. Each method is one atomic step on
 * the server: the Redis backend uses a single command or a Lua script, the memory backend does
 * it synchronously. Only the hot paths (get/set/batches/delete/exists/incrBy/expire), SCAN and rename
 * (DUMP/RESTORE across cluster slots) are methods of their own; every other operation is a
 * Redis command sent through `command` (TTLs, data structures) or an {@link AtomicOp} run with
 * `run` (touch, version counters, locks, rate limits), never a read-then-write sequence in the
 * cache layer. A new backend implements these methods and nothing per feature.
 *
 * Errors: operations reject with the server's error (`WRONGTYPE …`, `ERR value is not an
 * integer …`, a connection error); the memory backend throws the same messages so that the
 * cache layer maps both to the same typed errors.
 */
export interface CacheBackend {
  readonly kind: BackendKind;

  get(key: string): Promise<RawValue | undefined>;
  /**
   * In-process backends only: the value at `key` decoded with `decode`, synchronously, as a
   * deep-frozen object that may be shared by every reader (see the memory backend). `undefined`
   * on a miss; WRONGTYPE for a key of another type. Backends without it are read with `get`.
   */
  readDecoded?(key: string, decode: (raw: RawValue) => unknown): unknown;
  /**
   * In-process backends only: writes a private copy of plain JSON data (`jsonCopy`) as it is,
   * to be read back with `readDecoded` and the same `decode`, synchronously; same semantics as
   * `set`, with its options as arguments (no object per call).
   */
  setDecoded?(
    key: string,
    value: unknown,
    decode: (raw: RawValue) => unknown,
    ttl: number | null,
    condition: BackendSetOptions['condition'],
  ): boolean;
  /** Resolves to whether the value was written (false when `nx`/`xx` prevented it). */
  set(key: string, value: RawValue, options: BackendSetOptions): Promise<boolean>;
  /** Values in the order of `keys`; `undefined` for a miss. */
  getMany(keys: readonly string[]): Promise<(RawValue | undefined)[]>;
  /** Writes all entries with one TTL, in one round trip where the server allows. */
  setMany(entries: ReadonlyArray<readonly [string, RawValue]>, ttl: number | null): Promise<void>;
  /** Deletes the keys; resolves to how many existed. */
  delete(keys: readonly string[]): Promise<number>;
  exists(key: string): Promise<boolean>;
  /**
   * Adds `delta` to the integer stored at `key` (a missing key counts as 0) and keeps the key's
   * TTL; resolves to the new value.
   */
  incrBy(key: string, delta: number): Promise<number>;
  /**
   * Sets the key's time to live to `ms` **milliseconds** from now (PEXPIRE; `ms <= 0` deletes
   * it); resolves to whether the key exists.
   */
  expire(key: string, ms: number): Promise<boolean>;
  /**
   * Iterates over the keys matching a Redis glob pattern, a batch at a time, with SCAN (never
   * KEYS), on every master of a cluster. `count` is the SCAN COUNT hint.
   */
  scan(pattern: string, count: number): AsyncIterable<string[]>;
  /**
   * Moves a value and its TTL from one key to another, replacing the target. Resolves to false
   * (and changes nothing) when the source is missing.
   */
  rename(from: string, to: string): Promise<boolean>;
  /**
   * Runs a feature's atomic operation: its Lua script on Redis, its memory twin on the memory
   * backend. Keys are full keys; on a cluster they must share a hash slot.
   */
  run<R>(op: AtomicOp<R>, keys: readonly string[], args: readonly OpArg[]): Promise<R>;
  /**
   * Runs one Redis command (the data-structure operations) and answers its reply in the shape
   * of {@link Reply}: `client.call` on Redis, the command's JavaScript implementation on the
   * memory backend. On a cluster the keys of one command must share a hash slot.
   */
  command(command: BackendCommand): Promise<Reply>;
  /**
   * Runs steps in one round trip (one per node on a cluster) and answers each step's result in
   * order; a failing step does not affect the others. `transaction` runs them atomically:
   * MULTI/EXEC on Redis (the keys must share a hash slot on a cluster), one synchronous run on
   * the memory backend. Rejects only when the round trip itself fails.
   */
  pipeline(steps: readonly BackendStep[], transaction: boolean): Promise<StepResult[]>;
  /** Releases connections and timers. Called once, on application shutdown. */
  close(): Promise<void>;

  /**
   * Capability: how this process hears a PUBLISH (a lock's release notice) on a channel. The
   * memory backend delivers in-process (its twins' `ctx.publish`); the Redis and cluster
   * backends through a subscriber connection of their own. A backend without it gives no
   * notices: lock waiters then poll (every 100 ms, and when the holder's lease ends).
   */
  readonly notices?: BackendNotices;
}

/** A backend's delivery of channel notices to this process: see {@link CacheBackend.notices}. */
export interface BackendNotices {
  /**
   * Calls `onNotice` for each notice published on `channel` until the subscription stops. The
   * notices are a shortcut, not a guarantee (one may be lost while a connection reconnects).
   */
  listen(channel: string, onNotice: () => void): NoticeSubscription;
}

/** One listener's subscription to a channel's notices. */
export interface NoticeSubscription {
  /**
   * Resolves once notices will arrive: `true` when subscribed, `false` when subscribing failed
   * (the listener should then poll). Never rejects.
   */
  readonly ready: Promise<boolean>;
  /** Stops listening; idempotent. */
  stop(): void;
}
