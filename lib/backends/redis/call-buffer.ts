import type { Cluster, Redis } from 'ioredis';

type BufferCommand = (...args: Array<string | number | Buffer>) => Promise<unknown>;

/**
 * Sends a command whose bulk replies are read as Buffers. NOTE: through the command's own
 * `<name>Buffer` method, not `client.callBuffer(name, …)`, which loses the command name under
 * auto-pipelining (redis/ioredis#1923). ioredis generates that method for every command it knows.
 */
export function callBuffer(
  client: Redis | Cluster,
  name: string,
  args: ReadonlyArray<string | number | Buffer>,
): Promise<unknown> {
  const method = (client as unknown as Record<string, BufferCommand | undefined>)[`${name}Buffer`];
  if (!method) return client.callBuffer(name, ...args);
  return method.apply(client, [...args]);
}
