import { readFileSync } from 'node:fs';
import { Test } from '@nestjs/testing';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import {
  CacheRegistry,
  CacheXConnectionError,
  CacheXModule,
  WrongTypeError,
} from '../../lib/index.js';
import { uniquePrefix } from '../contract/cache.contract.js';
import { openCaches } from '../support/open-cache.js';
import { spawnRedis, testServers } from '../harness/index.js';

const { open, opened } = openCaches();

describe('locations', () => {
  const clients: Redis[] = [];
  const raw = (options: RedisOptions) => {
    const client = new Redis(options);
    clients.push(client);
    return client;
  };
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('selects the database from the path or ?db=', async () => {
    const { host, port } = testServers().redis;
    const inPath = await open({ location: `redis://${host}:${port}/3`, keyPrefix: 'db-test' });
    const inQuery = await open({ location: `valkey://${host}:${port}?db=4`, keyPrefix: 'db-test' });
    await inPath.set('k', 'three');
    await inQuery.set('k', 'four');
    expect(await raw({ host, port, db: 3 }).get('db-test:1:k')).toBe('"three"');
    expect(await raw({ host, port, db: 4 }).get('db-test:1:k')).toBe('"four"');
    await inPath.clear();
    await inQuery.clear();
  });

  it('connects through a unix socket', async () => {
    const cache = await open({ location: `unix://${testServers().redis.unixSocket}?db=2` });
    await cache.set('k', { via: 'socket' });
    expect(await cache.get('k')).toEqual({ via: 'socket' });
  });

  it('connects over TLS (rediss:// and valkeys://) with a CA given through ioredis options', async () => {
    const { port, caFile } = testServers().tls;
    const ca = readFileSync(caFile);
    for (const scheme of ['rediss', 'valkeys']) {
      const cache = await open({
        location: `${scheme}://127.0.0.1:${port}/0`,
        redis: { tls: { ca } },
      });
      await cache.set('k', scheme);
      expect(await cache.get('k')).toBe(scheme);
    }
  });

  it('authenticates with a user and password from the URL', async () => {
    const { host, port } = testServers().redis;
    await raw({ host, port }).call(
      'ACL',
      'SETUSER',
      'cachex_user',
      'on',
      '>p@ss:w/rd',
      '~*',
      '&*',
      '+@all',
    );
    const cache = await open({
      location: `redis://cachex_user:${encodeURIComponent('p@ss:w/rd')}@${host}:${port}/0`,
    });
    await cache.set('k', 'authenticated');
    expect(await cache.get('k')).toBe('authenticated');
  });

  it('a wrong password gives a connection error naming the cache', async () => {
    const { host, port } = testServers().redis;
    const cache = await open({
      location: `redis://cachex_nobody:wrong@${host}:${port}/0`,
      redis: { maxRetriesPerRequest: 1, retryStrategy: () => 20 },
    });
    const error = await cache.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheXConnectionError);
    expect((error as CacheXConnectionError).cache).toBe('default');
  });
});

describe('server errors', () => {
  it('a key of another Redis type gives WrongTypeError, not a raw WRONGTYPE reply', async () => {
    const prefix = uniquePrefix();
    const cache = await open({ location: testServers().redis.url, keyPrefix: prefix });
    const client = new Redis(testServers().redis.url);
    try {
      await client.hset(`${prefix}:1:h`, 'field', 'value');
      for (const op of [() => cache.get('h'), () => cache.incr('h')]) {
        const error = await op().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongTypeError);
        expect((error as WrongTypeError).key).toBe('h');
      }
      // A plain set replaces a key of another type, as Redis' SET does.
      await cache.set('h', 'string now');
      expect(await cache.get('h')).toBe('string now');
    } finally {
      await client.quit();
    }
  });

  it('an unreachable server gives CacheXConnectionError, and the app still shuts down', async () => {
    const server = await spawnRedis();
    const url = server.url;
    await server.stop();
    const cache = await open({
      location: url,
      redis: { maxRetriesPerRequest: 1, retryStrategy: () => 50 },
    });
    const error = await cache.set('k', 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheXConnectionError);
    expect((error as Error).message).toContain("Cache 'default'");
  });

  it('a pipeline to an unreachable server rejects with CacheXConnectionError, not per operation', async () => {
    const server = await spawnRedis();
    const url = server.url;
    await server.stop();
    const cache = await open({
      location: url,
      redis: { maxRetriesPerRequest: 1, retryStrategy: () => 50 },
    });
    const plain = await cache
      .pipeline()
      .get('a')
      .incr('b')
      .exec()
      .catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(CacheXConnectionError);
    expect((plain as Error).message).toContain("Cache 'default'");
    const settled = await cache
      .pipeline()
      .get('a')
      .execSettled()
      .catch((e: unknown) => e);
    expect(settled).toBeInstanceOf(CacheXConnectionError);
    const transaction = cache.pipeline({ transaction: true }).incr('b').exec();
    await expect(transaction).rejects.toBeInstanceOf(CacheXConnectionError);
  });

  it('recovers after the server restarts', async () => {
    const server = await spawnRedis();
    try {
      const cache = await open({ location: server.url, redis: { retryStrategy: () => 50 } });
      await cache.set('k', 'before');
      await server.restart();
      // The restarted server is empty; the client reconnects on its own.
      await expect(waitFor(() => cache.set('k', 'after'))).resolves.toBe(true);
      expect(await cache.get('k')).toBe('after');
    } finally {
      await server.stop();
    }
  });
});

describe('clients', () => {
  it('uses a client it is given and leaves it open on shutdown', async () => {
    const client = new Redis(testServers().redis.url);
    try {
      const cache = await open({ client });
      await cache.set('k', 'shared client');
      expect(await cache.get('k')).toBe('shared client');
      await opened.splice(0)[0]!.onApplicationShutdown();
      expect(client.status).toBe('ready');
      expect(await client.ping()).toBe('PONG');
    } finally {
      await client.quit();
    }
  });

  it('recognises a Cluster client it is given', async () => {
    const client = new Cluster(testServers().cluster.nodes);
    try {
      const cache = await open({ client });
      expect(cache.kind).toBe('cluster');
      await cache.setMany({ a: 1, b: 2, c: 3 });
      expect((await cache.keys()).sort()).toEqual(['a', 'b', 'c']);
      await cache.clear();
    } finally {
      await client.quit();
    }
  });

  it('quits the connections it opened when the application closes', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CacheXModule.forRoot({
          default: { location: testServers().redis.url },
          other: { location: testServers().cluster.urls, cluster: true },
        }),
      ],
    }).compile();
    await moduleRef.init();
    const registry = moduleRef.get(CacheRegistry);
    const standalone = registry.get('default').backend as unknown as { client: Redis };
    const cluster = registry.get('other').backend as unknown as { client: Cluster };
    await registry.get('default').set('k', 1);
    await registry.get('other').set('k', 1);
    await moduleRef.close();
    expect(standalone.client.status).toBe('end');
    expect(cluster.client.status).toBe('end');
  });
});

async function waitFor<T>(attempt: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
