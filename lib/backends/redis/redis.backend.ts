import type { Cluster, Redis } from 'ioredis';
import type { Socket as NetStream } from 'node:net';
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
import { callBuffer } from './call-buffer.js';
import { RedisNotices } from './redis.notices.js';
import { RENAME_IF_EXISTS } from './rename-if-exists.script.js';
import { runScript } from './evalsha-script.js';
import { GET, INCR, MAX_JOINED_MGET_KEYS, MGET, PEXPIRE, UNLINK } from './coalesced-calls.js';
import { opKind, type OpCall } from './script-batch.js';
import { TickBatcher, type BatchRouting } from './tick-batcher.js';
import type { Batching } from '../../config/cache-config.interface.js';

/** The client a Redis backend drives: a standalone (or Sentinel-managed) client or a cluster. */
export type RedisLikeClient = Redis | Cluster;

/** How a Redis backend treats its client. */
export interface RedisBackendOptions {
  /** Read values as Buffers (the codec writes bytes) instead of strings. */
  binary: boolean;
  /** Whether the backend created the client and so quits it on close. A client you pass in is yours. */
  ownsClient: boolean;
  /**
   * Whether the commands of one tick leave in one socket write, and whether its gets, increments
   * and single-key deletes are coalesced (see {@link TickBatcher}).
   */
  batching: Batching;
  /**
   * The cache's `commandTimeout`, in ms, for the connections the backend opens itself (the
   * notices' subscriber); unset: as the client's options say.
   */
  commandTimeout?: number;
}

/**
 * The backend on a standalone Redis or Valkey server (also behind Sentinel). One command per
 * operation, Lua scripts for compound atomic steps. {@link ClusterBackend} overrides what a
 * cluster must split by slot or run on every master.
 */
export class RedisBackend implements CacheBackend {
  readonly kind: 'redis' | 'cluster' = 'redis';
  /** Notices (lock releases) through a subscriber connection, opened at the first listener. */
  readonly notices: RedisNotices;
  /** Corks the connection for the rest of the tick (and coalesces); absent with `batching: 'off'`. */
  protected readonly batch: TickBatcher | undefined;
  /** The library's scripts this client ran since it last became ready (see {@link scriptsRunOn}). */
  private readonly knownScripts: Set<string>;

  constructor(
    readonly client: RedisLikeClient,
    protected readonly options: RedisBackendOptions,
  ) {
    this.notices = new RedisNotices(client, closeClient, options.commandTimeout);
    this.knownScripts = scriptsRunOn(client);
    this.batch =
      options.batching === 'off'
        ? undefined
        : new TickBatcher(
            client,
            options.binary,
            options.batching === 'tick' ? undefined : this.batchRouting(),
            options.batching === 'adaptive',
          );
  }

  /** How coalesced batches are sent: as one command on the one connection. */
  protected batchRouting(): BatchRouting {
    const client = this.client;
    return {
      group: (keys) => [keys.map((_, i) => i)],
      route: (_key, send) => send(client),
    };
  }

  // NOTE: the hot methods (get, set, getMany, delete, incrBy, expire) return ioredis' promise, or one
  // `.then` of it, instead of awaiting it in an async function: one promise less per call.

  get(key: string): Promise<RawValue | undefined> {
    const batched = this.batch?.join<RawValue | undefined>(GET, key, 0);
    if (batched !== undefined) return batched;
    const reply = this.options.binary ? this.client.getBuffer(key) : this.client.get(key);
    return reply.then(nullToUndefined);
  }

  set(key: string, value: RawValue, options: BackendSetOptions): Promise<boolean> {
    this.batch?.hold();
    const { ttl, condition } = options;
    const client = this.client;
    let reply: Promise<'OK' | null>;
    if (ttl === null) {
      if (condition === undefined) reply = client.set(key, value);
      else reply = condition === 'nx' ? client.set(key, value, 'NX') : client.set(key, value, 'XX');
    } else if (condition === undefined) reply = client.set(key, value, 'PX', ttl);
    else if (condition === 'nx') reply = client.set(key, value, 'PX', ttl, 'NX');
    else reply = client.set(key, value, 'PX', ttl, 'XX');
    return reply.then(isWritten);
  }

  getMany(keys: readonly string[]): Promise<(RawValue | undefined)[]> {
    if (keys.length === 0) return Promise.resolve([]);
    if (keys.length <= MAX_JOINED_MGET_KEYS) {
      const batched = this.batch?.join<(RawValue | undefined)[], readonly string[]>(
        MGET,
        keys[0]!,
        keys,
      );
      if (batched !== undefined) return batched;
    } else {
      this.batch?.hold();
    }
    const reply: Promise<Array<RawValue | null>> = this.options.binary
      ? this.client.mgetBuffer(keys as string[])
      : this.client.mget(keys as string[]);
    return reply.then(nullsToUndefined);
  }

  async setMany(
    entries: ReadonlyArray<readonly [string, RawValue]>,
    ttl: number | null,
  ): Promise<void> {
    if (entries.length === 0) return;
    this.batch?.hold();
    if (ttl === null) {
      await this.client.mset(...entries.flat());
      return;
    }
    // MSET has no TTL: one pipeline of SET PX is still a single round trip.
    const pipeline = this.client.pipeline();
    for (const [key, value] of entries) pipeline.set(key, value, 'PX', ttl);
    throwFirstPipelineError(await pipeline.exec());
  }

  delete(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return Promise.resolve(0);
    if (keys.length === 1) {
      const batched = this.batch?.join<number>(UNLINK, keys[0]!, 0);
      if (batched !== undefined) return batched;
    } else {
      this.batch?.hold();
    }
    return this.client.unlink(keys as string[]);
  }

  async exists(key: string): Promise<boolean> {
    this.batch?.hold();
    return (await this.client.exists(key)) === 1;
  }

  incrBy(key: string, delta: number): Promise<number> {
    const batched = this.batch?.join<number>(INCR, key, delta);
    if (batched !== undefined) return batched;
    return this.client.incrby(key, delta);
  }

  expire(key: string, ms: number): Promise<boolean> {
    const batched = this.batch?.join<number>(PEXPIRE, key, ms);
    return (batched ?? this.client.pexpire(key, ms)).then(isOne);
  }

  async *scan(pattern: string, count: number): AsyncIterable<string[]> {
    yield* scanNode(this.client as Redis, pattern, count, this.batch);
  }

  async rename(from: string, to: string): Promise<boolean> {
    if (this.batch === undefined)
      return (await runScript(this.client, RENAME_IF_EXISTS, [from, to], [])) === 1;
    // EVAL, not EVALSHA: see `run`.
    this.batch.hold();
    return (await this.client.eval(RENAME_IF_EXISTS.lua, 2, from, to)) === 1;
  }

  async run<R>(op: AtomicOp<R>, keys: readonly string[], args: readonly OpArg[]): Promise<R> {
    if (keys.length > 0 && !op.valueReplies && this.batch !== undefined) {
      // The library's scripts: coalesced with the tick's other runs of the same script, else
      // sent alone, by SHA only once this connection has run the script: EVALSHA's NOSCRIPT
      // retry (a server that restarted, failed over or flushed its scripts) would run after the
      // tick's later commands (a connection not ready queues EVAL too). Left: a `SCRIPT FLUSH`
      // while connected, whose NOSCRIPT answer is retried as EVAL, as ioredis' own scripts are.
      const call: OpCall = { op: op as AtomicOp<unknown>, keys, args };
      const batched = this.batch.join<R, OpCall>(opKind(call.op), keys[0]!, call);
      if (batched !== undefined) return batched;
      const { script } = op;
      if (this.knownScripts.has(script.sha) && this.client.status === 'ready')
        return op.fromRedis(await runScript(this.client, script, keys, args));
      const reply = await this.client.eval(script.lua, keys.length, ...keys, ...args);
      this.knownScripts.add(script.sha);
      return op.fromRedis(reply);
    }
    const binary = this.options.binary && op.valueReplies;
    this.batch?.hold();
    return op.fromRedis(await runScript(this.client, op.script, keys, args, binary));
  }

  async command(command: BackendCommand): Promise<Reply> {
    const argv = [...command.keys, ...command.args];
    this.batch?.hold();
    const reply = this.options.binary
      ? await callBuffer(this.client, command.name, argv)
      : await this.client.call(command.name, ...argv);
    return normaliseReply(reply);
  }

  async pipeline(steps: readonly BackendStep[], transaction: boolean): Promise<StepResult[]> {
    if (steps.length === 0) return [];
    const pipeline = transaction ? this.client.multi() : this.client.pipeline();
    for (const step of steps) {
      if ('op' in step) {
        // NOTE: EVAL, not EVALSHA: a NOSCRIPT inside a pipeline could not be retried in place.
        const argv = [step.op.script.lua, step.keys.length, ...step.keys, ...step.args];
        if (this.options.binary && step.op.valueReplies) pipeline.callBuffer('eval', ...argv);
        else pipeline.call('eval', ...argv);
      } else {
        const argv = [...step.keys, ...step.args];
        if (this.options.binary) pipeline.callBuffer(step.name, ...argv);
        else pipeline.call(step.name, ...argv);
      }
    }
    this.batch?.hold();
    const replies = (await pipeline.exec()) ?? [];
    // A server's error reply belongs to its step; any other error (a closed connection, retries
    // exhausted) means the round trip failed, so the pipeline rejects as a whole.
    const lost = replies.find(([error]) => error && error.name !== 'ReplyError');
    if (lost) throw lost[0];
    return replies.map(([error, reply], i): StepResult => {
      if (error) return { ok: false, error };
      const step = steps[i]!;
      if (!('op' in step)) return { ok: true, value: normaliseReply(reply) };
      try {
        return { ok: true, value: step.op.fromRedis(reply) };
      } catch (failure) {
        return { ok: false, error: failure };
      }
    });
  }

  async close(): Promise<void> {
    // A batch still waiting is sent before QUIT.
    this.batch?.hold();
    // The subscriber is the backend's own, even on a client handed in.
    await this.notices.close();
    if (!this.options.ownsClient) return;
    await closeClient(this.client);
  }
}

function nullToUndefined(value: RawValue | null): RawValue | undefined {
  return value ?? undefined;
}

/** MGET's reply with misses as `undefined`, in place: the array is this call's own. */
function nullsToUndefined(values: Array<RawValue | null | undefined>): Array<RawValue | undefined> {
  for (let i = 0; i < values.length; i++) if (values[i] === null) values[i] = undefined;
  return values as Array<RawValue | undefined>;
}

/** Whether SET wrote: it answers nil when NX or XX prevented it. */
/** Per client (several caches may share one): the SHAs of the library's scripts it has run. */
const scriptsRun = new WeakMap<RedisLikeClient, Set<string>>();

/**
 * The SHAs of the library's scripts that `client` ran since it last became ready: a script run
 * alone is sent by SHA once its connection ran it, as EVAL (which loads it) before. A new
 * connection may reach a server that restarted or failed over, so `ready` empties the set (one
 * listener per client).
 */
function scriptsRunOn(client: RedisLikeClient): Set<string> {
  let known = scriptsRun.get(client);
  if (known === undefined) {
    const set = new Set<string>();
    client.on('ready', () => set.clear());
    scriptsRun.set(client, set);
    known = set;
  }
  return known;
}

function isOne(reply: number): boolean {
  return reply === 1;
}

function isWritten(reply: 'OK' | null): boolean {
  return reply !== null;
}

/** SCAN over one node until the cursor comes back to 0. */
export async function* scanNode(
  node: Redis,
  pattern: string,
  count: number,
  batch: TickBatcher | undefined,
): AsyncIterable<string[]> {
  let cursor = '0';
  do {
    batch?.hold();
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    cursor = next;
    if (keys.length > 0) yield keys;
  } while (cursor !== '0');
}

/**
 * A command's reply in the shape of {@link Reply}, whatever the client's protocol: ioredis turns
 * HGETALL into an object (flattened back here), and a RESP3 client may nest WITHSCORES pairs
 * (flattened) or answer booleans (as 1/0).
 */
export function normaliseReply(reply: unknown): Reply {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === 'string' || typeof reply === 'number' || Buffer.isBuffer(reply)) {
    return reply;
  }
  if (typeof reply === 'boolean') return reply ? 1 : 0;
  if (Array.isArray(reply)) {
    return reply.flatMap((item: unknown) =>
      Array.isArray(item) ? item.map(normaliseReply) : [normaliseReply(item)],
    );
  }
  if (typeof reply === 'object') {
    return Object.entries(reply).flatMap(([field, value]) => [field, normaliseReply(value)]);
  }
  return String(reply);
}

/** Rejects with the first failed command of a pipeline, if any. */
export function throwFirstPipelineError(results: Array<[Error | null, unknown]> | null): void {
  for (const [error] of results ?? []) if (error) throw error;
}

/**
 * Quits gracefully when connected (pending replies arrive first), and disconnects at once
 * otherwise: QUIT on a client that is still reconnecting would wait for a server that is gone.
 * A QUIT unanswered after {@link QUIT_WAIT_MS} (a stalled server: SIGSTOP, a full network
 * buffer) gives way to a disconnect, so that `app.close()` cannot hang on the cache. Resolves
 * once the sockets are closed, so that nothing keeps the process alive afterwards.
 */
export async function closeClient(client: RedisLikeClient): Promise<void> {
  if (client.status === 'end') return;
  const quitting = client.status === 'ready';
  const ended = new Promise<void>((resolve) => {
    // A client between reconnection attempts has no socket left and never emits 'end' after
    // disconnect(); its retry timer is cleared, so nothing of it outlives this bounded wait.
    const bound = setTimeout(resolve, (quitting ? QUIT_WAIT_MS : 0) + CLOSE_WAIT_MS);
    bound.unref();
    client.once('end', () => {
      clearTimeout(bound);
      resolve();
    });
  });
  if (quitting) {
    const giveUp = setTimeout(() => abandon(client), QUIT_WAIT_MS);
    giveUp.unref();
    // A QUIT that fails (timed out by `commandTimeout`: the server is stalled) gives way at once.
    await client.quit().catch(() => abandon(client));
    clearTimeout(giveUp);
    // NOTE: ioredis (6.0) closes a Sentinel client's `failoverDetector` subscriptions only in
    // disconnect(), not when QUIT ends the connection; left open, they keep the process alive.
    client.disconnect();
  } else {
    client.disconnect();
  }
  await ended;
}

/**
 * Disconnects without waiting for the server: a stalled server does not close its side either,
 * and ioredis would keep the half-closed socket for its `disconnectTimeout` (2 s).
 */
function abandon(client: RedisLikeClient): void {
  client.disconnect();
  const nodes = client.isCluster ? (client as Cluster).nodes() : [client as Redis];
  for (const node of nodes) (node.stream as NetStream | undefined)?.destroy();
}

/** How long a closing client waits for the server to answer QUIT, in ms. */
export const QUIT_WAIT_MS = 1_000;
/** How long a closing client waits for its sockets to close once disconnected, in ms. */
const CLOSE_WAIT_MS = 1_000;
