import type { Cluster, Redis } from 'ioredis';
import type { Socket } from 'node:net';

/**
 * Sends every command a client gets in one tick of the event loop in one socket write, as
 * node-redis does: the first command of a tick corks the connection's socket (every node's on a
 * cluster: a command goes to the node of its slot, known only inside ioredis), and a
 * `process.nextTick` uncorks it once the tick's synchronous code and microtasks have run, so no
 * macrotask is waited for (ioredis' auto-pipelining waits for `setImmediate`). ioredis still
 * writes each command itself, in call order, so its command queue, offline queue, retries,
 * `commandTimeout` and reconnection behave as without batching.
 *
 * NOTE: only a socket that is ready and writable is corked, and the very socket corked is
 * uncorked, even if a reconnection has replaced it meanwhile (a destroyed socket ignores it).
 * While a client is not ready nothing is corked: its commands wait in ioredis' offline queue.
 */
export class TickBatcher {
  private readonly corked: Socket[] = [];
  private open = false;
  private readonly flush = (): void => {
    this.open = false;
    const corked = this.corked;
    for (let i = 0; i < corked.length; i++) corked[i]!.uncork();
    corked.length = 0;
  };

  constructor(private readonly client: Redis | Cluster) {}

  /** Call before sending a command: corks the client's socket(s) once per tick. */
  hold(): void {
    if (this.open) return;
    const client = this.client;
    if (client.isCluster) {
      for (const node of (client as Cluster).nodes('all')) this.cork(node);
    } else {
      this.cork(client as Redis);
    }
    if (this.corked.length === 0) return;
    this.open = true;
    process.nextTick(this.flush);
  }

  private cork(node: Redis): void {
    const stream = node.stream as Socket | undefined;
    if (node.status !== 'ready' || stream === undefined || !stream.writable) return;
    stream.cork();
    this.corked.push(stream);
  }
}
