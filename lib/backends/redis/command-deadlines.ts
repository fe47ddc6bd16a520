import type { Cluster, Redis } from 'ioredis';
import { MESSAGES } from '../../cachex.messages.js';

/** A command as ioredis queues it (private in its typings; the same in ioredis 5 and 6). */
interface QueuedCommand {
  /** ioredis 6: resolved or rejected. */
  readonly isSettled?: boolean;
  /** ioredis 5: resolved (a rejection leaves it false; rejecting twice is harmless). */
  readonly isResolved?: boolean;
  reject(error: Error): void;
}

/** An ioredis command queue (a `denque`): the sent commands' or the offline ones. */
interface CommandQueue {
  readonly length: number;
  peekAt(index: number): { command: QueuedCommand } | undefined;
  shift(): { command: QueuedCommand } | undefined;
  push(item: { command: QueuedCommand }): unknown;
}

/** The parts of an ioredis connection (private in its typings) that are used here. */
interface Connection {
  readonly options: { enableOfflineQueue?: boolean };
  readonly offlineQueue: CommandQueue;
  /** Sent commands waiting for their replies, in order; a cluster has none of its own. */
  readonly commandQueue?: CommandQueue;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

/**
 * Fails every command of `client` that waits longer than `timeout` ms, queued while disconnected
 * or sent without a reply: the cache option `commandTimeout`, in place of ioredis' own.
 *
 * Why not ioredis' `commandTimeout`: it arms a Node timer per command and clears it on the reply,
 * and with one command in flight the timer list of that duration is built and torn down each
 * time: about 10 µs of CPU per command on a 2-core machine, an eighth of a whole round trip to a
 * local server. Here one interval per connection, every tenth of `timeout`, stamps the commands
 * it has not seen yet and fails those stamped `timeout` ago: a command fails between `timeout`
 * and `timeout` plus a tenth after it was issued. It stays in ioredis' queue, as with ioredis'
 * own timeout, and its late reply is read and dropped.
 *
 * While a connection is down: ioredis would send a queued command once reconnected, even one
 * whose caller saw it fail (a `set` or `incr` then still applied), so failed commands leave the
 * offline queue (a cluster's too, which ioredis never times out); and once the connection has
 * been lost for `timeout`, it stops queueing until it is ready again, so new commands fail at
 * once instead of each waiting `timeout` (a request that makes five calls would wait five
 * times). A short drop (a restart, a failover) is still ridden out in the queue.
 *
 * On a cluster, the cluster's queue and each node's connection are watched (nodes as they come).
 * The intervals are unref'd and end with their connections.
 */
export function boundCommands(client: Redis | Cluster, timeout: number): void {
  // One stamp per command for all queues of the client: a command keeps its first stamp when
  // it moves from an offline queue (the cluster's or a node's) to a connection's sent queue.
  const stamps = new WeakMap<QueuedCommand, number>();
  const period = Math.max(Math.floor(timeout / 10), 5);
  watch(client as unknown as Connection, timeout, period, stamps);
  if (client.isCluster) {
    client.on('+node', (node: Redis) =>
      watch(node as unknown as Connection, timeout, period, stamps),
    );
  }
}

function watch(
  connection: Connection,
  timeout: number,
  period: number,
  stamps: WeakMap<QueuedCommand, number>,
): void {
  const options = connection.options;
  const queueing = options.enableOfflineQueue;
  const unsent = MESSAGES.queuedTooLong(timeout);
  const unanswered = MESSAGES.unansweredTooLong(timeout);
  let lostAt: number | undefined;
  const sweep = (): void => {
    const now = Date.now();
    if (lostAt !== undefined && now - lostAt >= timeout) options.enableOfflineQueue = false;
    const offline = connection.offlineQueue;
    for (let n = offline.length; n > 0; n--) {
      const item = offline.shift()!;
      if (!isDue(item.command, now, timeout, stamps, unsent)) offline.push(item);
    }
    const sent = connection.commandQueue;
    if (sent === undefined) return;
    for (let i = 0; i < sent.length; i++)
      isDue(sent.peekAt(i)!.command, now, timeout, stamps, unanswered);
  };
  const timer = setInterval(sweep, period);
  timer.unref();
  connection.on('close', () => {
    lostAt ??= Date.now();
  });
  connection.on('ready', () => {
    lostAt = undefined;
    options.enableOfflineQueue = queueing;
  });
  // One last sweep before ioredis sends the offline queue on a new connection.
  connection.on('connect', sweep);
  connection.on('end', () => clearInterval(timer));
}

/**
 * Stamps `command` at first sight and fails it once stamped `timeout` ms ago; answers whether it
 * is done with (settled or failed now), so that an offline queue can drop it.
 */
function isDue(
  command: QueuedCommand,
  now: number,
  timeout: number,
  stamps: WeakMap<QueuedCommand, number>,
  message: string,
): boolean {
  if (command.isSettled === true || command.isResolved === true) return true;
  const since = stamps.get(command);
  if (since === undefined) {
    stamps.set(command, now);
    return false;
  }
  if (since < 0) return true;
  if (now - since < timeout) return false;
  stamps.set(command, -1);
  command.reject(new Error(message));
  return true;
}
