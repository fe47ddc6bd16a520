import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a server, for tests that lose replies: once
 * `loseNextReply()` is armed, the next bytes the server sends are dropped and both connections
 * are reset, as when a network fails after a command was sent and before its reply arrived.
 */
export interface LossyProxy {
  readonly host: string;
  readonly port: number;
  /** Drops the next reply and resets the connections carrying it. */
  loseNextReply(): void;
  /** How many replies were dropped so far. */
  readonly lost: number;
  close(): Promise<void>;
}

export async function lossyProxy(target: { host: string; port: number }): Promise<LossyProxy> {
  const sockets = new Set<Socket>();
  let armed = false;
  let lost = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (armed) {
        armed = false;
        lost++;
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    host: '127.0.0.1',
    port: address.port,
    loseNextReply() {
      armed = true;
    },
    get lost() {
      return lost;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
