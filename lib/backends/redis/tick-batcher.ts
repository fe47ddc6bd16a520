import type { Cluster, Redis } from 'ioredis';
import type { Socket } from 'node:net';
import type { CoalescedKind } from './coalesced-calls.js';

/** How a batch is split and sent: by hash slot on a cluster, as one group on a standalone server. */
export interface BatchRouting {
  /** The indexes of `keys` grouped so that each group may be one command. */
  group(keys: readonly string[]): number[][];
  /** Sends a command for `key` (and keys of its slot) through the client that serves it. */
  route<T>(key: string, send: (client: Redis | Cluster) => Promise<T>): Promise<T>;
}

/**
 * Most calls one coalesced command carries unless its kind says less ({@link CoalescedKind.max}):
 * a fuller batch is sent, and the socket written, and the next call starts another. Bounds the
 * command's size (and the server's time in it) whatever the concurrency.
 */
export const MAX_COALESCED = 128;

/**
 * Plain commands of a tick written per socket write: the 32nd held one writes those before it,
 * so that the server works on them while the tick prepares the rest. Under concurrency the
 * commands in flight then travel as several groups, the server running one while the client
 * handles the replies of another, instead of the two taking turns on one write (50 `set`s in
 * flight: 1.14–1.26× the ops/s of one write per tick).
 */
export const WRITE_EVERY = 32;

/**
 * Sends the commands a client gets in one tick of the event loop in one socket write (one per
 * {@link WRITE_EVERY} commands), as node-redis does: the first command of a tick corks the
 * connection's socket (every node's on a cluster: a command goes to the node of its slot, known
 * only inside ioredis), and a `process.nextTick` uncorks it once the tick's synchronous code and
 * microtasks have run, so no macrotask is waited for (ioredis' auto-pipelining waits for
 * `setImmediate`). ioredis still writes each command itself, in call order, so its command queue,
 * offline queue, retries, `commandTimeout` and reconnection behave as without batching.
 *
 * With `coalesce`, calls of one {@link CoalescedKind} that follow each other in a tick are
 * further merged ({@link join}): they wait in a batch, which is sent as one command (per hash
 * slot) when a command of another kind comes ({@link hold}: every command passes there, so the
 * order of the commands on the connection is the order of the calls), when it is full, or at the
 * end of the tick, before the socket is uncorked. ioredis' per-command client work (~7 µs: the
 * command object, its promise, the reply's decoding) is then paid once per batch.
 *
 * With `adaptive` (`batching: 'adaptive'`), a batch opened while the connection awaits replies
 * lasts until `setImmediate` instead of the end of the tick, so that the calls of separate socket
 * callbacks of one turn of the event loop share the write and the coalesced commands.
 *
 * NOTE: only a socket that is ready and writable is corked, and the very socket corked is
 * uncorked, even if a reconnection has replaced it meanwhile (a destroyed socket ignores it).
 * While a client is not ready nothing is corked nor coalesced: its commands wait in ioredis'
 * offline queue one by one.
 */
export class TickBatcher {
  private readonly corked: Socket[] = [];
  private open = false;
  /** The kind of the calls waiting in the batch; `undefined`: no batch. */
  private kind: CoalescedKind<unknown> | undefined;
  private keys: string[] = [];
  private args: unknown[] = [];
  private resolves: Array<(value: unknown) => void> = [];
  private rejects: Array<(error: unknown) => void> = [];
  /** Calls in the open tick; at its end, whether the next tick may send its first call ahead. */
  private calls = 0;
  private eager = true;
  /** Commands of the open tick not written yet (see {@link WRITE_EVERY}). */
  private unwritten = 0;
  private readonly flush = (): void => {
    this.open = false;
    this.eager = this.calls <= 1;
    this.calls = 0;
    this.unwritten = 0;
    // The batch is written before the socket is uncorked: in the same write.
    if (this.kind !== undefined) this.send();
    const corked = this.corked;
    for (let i = 0; i < corked.length; i++) corked[i]!.uncork();
    corked.length = 0;
  };

  constructor(
    private readonly client: Redis | Cluster,
    private readonly binary: boolean,
    /** Splits and routes batches; absent: calls are not coalesced (`batching: 'tick'`). */
    private readonly routing?: BatchRouting,
    /**
     * `batching: 'adaptive'`: a batch opened while replies are outstanding is held until
     * `setImmediate` instead of the end of the tick (see {@link TickBatcher.start}).
     */
    private readonly adaptive = false,
  ) {}

  /**
   * Call before sending a command: sends the waiting batch first (so that commands keep the
   * order of the calls), and corks the client's socket(s) once per tick (on an idle standalone
   * connection the command may leave at once, alone: see {@link TickBatcher.start}).
   */
  hold(): void {
    if (this.kind !== undefined) this.send();
    if (!this.open) this.start();
    this.calls++;
    // The command itself follows this call: it goes in the next write.
    if (this.open && ++this.unwritten >= WRITE_EVERY) this.write();
  }

  /**
   * Adds a call of `kind` to the tick's batch and answers its own result; `undefined` when the
   * call cannot wait (not coalescing, or the client is not ready): send it alone then.
   */
  join<T, A = number>(kind: CoalescedKind<A>, key: string, arg: A): Promise<T> | undefined {
    if (this.routing === undefined) {
      this.hold();
      return undefined;
    }
    if (this.kind !== kind && this.kind !== undefined) this.send();
    if (!this.open) {
      this.start();
      if (!this.open) return undefined;
    }
    this.calls++;
    this.kind = kind as CoalescedKind<unknown>;
    this.keys.push(key);
    this.args.push(arg);
    const answer = new Promise<T>((resolve, reject) => {
      this.resolves.push(resolve as (value: unknown) => void);
      this.rejects.push(reject);
    });
    if (this.keys.length >= (kind.max ?? MAX_COALESCED)) {
      this.send();
      this.write();
    }
    return answer;
  }

  /** Writes what the corked socket(s) hold now, and corks them again for the rest of the tick. */
  private write(): void {
    this.unwritten = 0;
    const corked = this.corked;
    for (let i = 0; i < corked.length; i++) {
      corked[i]!.uncork();
      corked[i]!.cork();
    }
  }

  /** Sends the waiting batch: a group of one call as its plain command, a larger one as one. */
  private send(): void {
    const kind = this.kind!;
    const { keys, args, resolves, rejects, binary } = this;
    this.kind = undefined;
    if (keys.length === 1) {
      // The common case at low concurrency: the arrays are emptied and kept, nothing allocated.
      const key = keys[0]!;
      const arg = args[0]!;
      const resolve = resolves[0]!;
      const reject = rejects[0]!;
      keys.length = args.length = resolves.length = rejects.length = 0;
      this.sendOne(kind, key, arg).then(resolve, reject);
      return;
    }
    // The calls' arrays now belong to the replies' callbacks.
    this.keys = [];
    this.args = [];
    this.resolves = [];
    this.rejects = [];
    const { group, route } = this.routing!;
    const groups = group(keys);
    for (let g = 0; g < groups.length; g++) {
      const indexes = groups[g]!;
      if (indexes.length === 1) {
        // A call alone in its hash slot is sent as its plain command.
        const i = indexes[0]!;
        this.sendOne(kind, keys[i]!, args[i]!).then(resolves[i], rejects[i]);
      } else if (indexes.length === keys.length) {
        // One group (always, on a standalone server): the batch's arrays as they are.
        settle(
          route(keys[0]!, (client) => kind.many(client, keys, args, binary)),
          indexes,
        );
      } else {
        const part = indexes.map((i) => keys[i]!);
        const partArgs = indexes.map((i) => args[i]!);
        settle(
          route(part[0]!, (client) => kind.many(client, part, partArgs, binary)),
          indexes,
        );
      }
    }

    function settle(answer: Promise<unknown[]>, indexes: number[]): void {
      answer.then(
        (results) => {
          for (let j = 0; j < indexes.length; j++) {
            const i = indexes[j]!;
            const result = results[j];
            // A server error in the reply belongs to its call alone.
            if (result instanceof Error) rejects[i]!(result);
            else resolves[i]!(result);
          }
        },
        // The command failed as a whole (connection lost, timed out): so did each call.
        (error: unknown) => {
          for (let j = 0; j < indexes.length; j++) rejects[indexes[j]!]!(error);
        },
      );
    }
  }

  /** One call as its plain command, as without coalescing. */
  private sendOne(kind: CoalescedKind<unknown>, key: string, arg: unknown): Promise<unknown> {
    const client = this.client;
    if (!client.isCluster) return kind.one(client, key, arg, this.binary);
    return this.routing!.route(key, (node) => kind.one(node, key, arg, this.binary));
  }

  /**
   * Opens a batch: corks the socket(s) and schedules the flush. Idle connections (no reply
   * outstanding) are flushed at the end of the tick, so a lone command waits for nothing. With
   * `adaptive`, a connection that still awaits replies is flushed at `setImmediate` instead: at
   * the end of the event loop's poll phase, once every socket callback ready in this turn (each
   * HTTP request, each reply) has run, so that their commands share one write and, where they
   * coalesce, one command. Such a command waits at most for the rest of the poll phase, while
   * the replies it would queue behind are in flight anyway.
   */
  private start(): void {
    const client = this.client;
    let busy = false;
    // An idle standalone connection (no reply outstanding) sends the tick's first command at
    // once, alone: with one call in flight nothing is corked, deferred or wrapped (cork, uncork
    // and the deferred flush cost a call ~3 µs of CPU and a few % of its round trip). Later
    // calls of the tick find the connection busy with it and are batched. Only while the last
    // batched tick held one call at most: under concurrency (ticks of many calls) the first call
    // waits for the batch too, one write and one coalesced command per tick.
    if (this.eager && !client.isCluster && outstanding(client as Redis) === 0) return;
    if (client.isCluster) {
      for (const node of (client as Cluster).nodes('all')) busy = this.cork(node) || busy;
    } else {
      busy = this.cork(client as Redis);
    }
    if (this.corked.length === 0) return;
    this.open = true;
    if (busy && this.adaptive) setImmediate(this.flush);
    else process.nextTick(this.flush);
  }

  /** Corks a ready node's socket; answers whether the node awaits replies. */
  private cork(node: Redis): boolean {
    const stream = node.stream as Socket | undefined;
    if (node.status !== 'ready' || stream === undefined || !stream.writable) return false;
    stream.cork();
    this.corked.push(stream);
    return outstanding(node) > 0;
  }
}

/**
 * How many sent commands of a node await their replies. NOTE: ioredis' `commandQueue` (private
 * in its typings, the same in ioredis 5 and 6); read once per batch, not per command.
 */
function outstanding(node: Redis): number {
  return (node as unknown as { commandQueue: { length: number } }).commandQueue.length;
}
