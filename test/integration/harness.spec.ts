/**
 * Sanity check of the real-server test harness (test/harness): every shared server answers a
 * SET/GET round trip, and spawnRedis() gives a private server that can be stopped and restarted.
 */
import { readFileSync } from 'node:fs';
import { Cluster, Redis } from 'ioredis';
import { spawnRedis } from '../harness/spawn-redis.js';
import { testServers } from '../harness/servers.js';

const servers = testServers();
const clients: Array<Redis | Cluster> = [];

function track<T extends Redis | Cluster>(client: T): T {
  clients.push(client);
  return client;
}

async function roundTrip(client: Redis | Cluster, key: string): Promise<void> {
  const value = `value-${Math.random()}`;
  expect(await client.set(key, value, 'PX', 60_000)).toBe('OK');
  expect(await client.get(key)).toBe(value);
  await client.del(key);
}

afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
});

describe('test harness servers', () => {
  it('publishes well-formed addresses', () => {
    expect(servers.redis.url).toBe(`redis://127.0.0.1:${servers.redis.port}`);
    expect(servers.valkey.url).toBe(`valkey://127.0.0.1:${servers.valkey.port}`);
    expect(servers.tls.url).toBe(`rediss://127.0.0.1:${servers.tls.port}`);
    expect(servers.cluster.nodes).toHaveLength(3);
    expect(servers.cluster.urls).toEqual(
      servers.cluster.nodes.map((n) => `redis://127.0.0.1:${n.port}`),
    );
  });

  it('standalone redis (TCP)', async () => {
    const client = track(new Redis(servers.redis.url));
    await roundTrip(client, 'harness:redis');
    expect(await client.info('server')).toMatch(/redis_version:7\./);
  });

  it('standalone redis (unix socket)', async () => {
    const client = track(new Redis({ path: servers.redis.unixSocket }));
    await roundTrip(client, 'harness:unix');
  });

  it('standalone valkey', async () => {
    // ioredis does not parse the valkey:// scheme; connect by host/port.
    const { host, port } = servers.valkey;
    const client = track(new Redis({ host, port }));
    await roundTrip(client, 'harness:valkey');
    const info = await client.info('server');
    expect(info).toMatch(/server_name:valkey|valkey_version:/);
  });

  it('TLS-only redis, trusting the generated CA', async () => {
    const { host, port, caFile } = servers.tls;
    const client = track(new Redis({ host, port, tls: { ca: readFileSync(caFile) } }));
    await roundTrip(client, 'harness:tls');
  });

  it('redis cluster, keys spread over the three masters', async () => {
    const cluster = track(new Cluster(servers.cluster.nodes));
    // Slots: b → 3300, c → 7365, a → 15495: one key per master with the default 3-way split.
    const keys = ['a', 'b', 'c'];
    expect(new Set(await Promise.all(keys.map((k) => cluster.cluster('KEYSLOT', k)))).size).toBe(3);
    for (const key of [...keys, '{user:1}:x', '{user:1}:y']) {
      await roundTrip(cluster, `harness:${key}`);
    }
    const spread = keys.map((k) => `{${k}}harness`); // same slots as a, b, c
    await Promise.all(spread.map((k) => cluster.set(k, 'x', 'PX', 60_000)));
    const masters = cluster.nodes('master');
    expect(masters).toHaveLength(3);
    // Each master holds exactly one of the keys (the others answer MOVED).
    const held = await Promise.all(
      masters.map(async (m) => {
        const found = await Promise.all(spread.map((k) => m.exists(k).catch(() => 0)));
        return found.filter((n) => n === 1).length;
      }),
    );
    expect(held).toEqual([1, 1, 1]);
    await Promise.all(spread.map((k) => cluster.del(k)));
  });

  it('spawnRedis() starts, restarts and stops a private server', async () => {
    const server = await spawnRedis();
    const client = new Redis(server.url, { maxRetriesPerRequest: 5 });
    try {
      await client.set('k', 'v');
      await server.restart();
      // A restarted server is empty (no persistence); the client reconnects by itself.
      expect(await client.get('k')).toBeNull();
    } finally {
      client.disconnect();
      await server.stop();
    }
    await server.stop(); // idempotent
  });
});
