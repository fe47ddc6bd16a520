import { Redis } from 'ioredis';
import { CacheRegistry } from '../../lib/index.js';
import { uniquePrefix } from '../contract/cache.contract.js';
import {
  sentinelReady,
  spawnRedis,
  spawnSentinel,
  type SpawnedRedis,
  type SpawnedSentinel,
} from '../harness/index.js';
import { timeUntil } from './faults/outage-support.js';

describe('Sentinel', () => {
  let master: SpawnedRedis;
  let replica: SpawnedRedis;
  let sentinel: SpawnedSentinel;

  beforeAll(async () => {
    master = await spawnRedis();
    replica = await spawnRedis({ extraArgs: ['--replicaof', master.host, String(master.port)] });
    sentinel = await spawnSentinel(master, 'cachex-master');
    await sentinelReady(sentinel, replica);
  }, 30_000);

  afterAll(async () => {
    await Promise.all([sentinel?.stop(), replica?.stop(), master?.stop()]);
  });

  it('finds the master through the sentinels, with db and password from location', async () => {
    const prefix = uniquePrefix();
    const registry = await CacheRegistry.create({
      default: {
        sentinel: {
          sentinels: [{ host: sentinel.host, port: sentinel.port }],
          name: sentinel.name,
        },
        location: 'redis:///2',
        keyPrefix: prefix,
      },
    });
    const direct = new Redis({ host: master.host, port: master.port, db: 2 });
    try {
      const cache = registry.get('default');
      await cache.set('k', { via: 'sentinel' });
      expect(await cache.get('k')).toEqual({ via: 'sentinel' });
      expect(await direct.get(`${prefix}:1:k`)).toBe('{"via":"sentinel"}');
    } finally {
      await direct.quit();
      await registry.onApplicationShutdown();
    }
  });

  it('survives a failover announced while it reconnects', async () => {
    const registry = await CacheRegistry.create({
      default: {
        sentinel: {
          sentinels: [{ host: sentinel.host, port: sentinel.port }],
          name: sentinel.name,
        },
        keyPrefix: uniquePrefix(),
      },
    });
    const admin = new Redis({ host: master.host, port: master.port });
    try {
      const cache = registry.get('default');
      await cache.set('before', 1);
      // The failover detector of the connection about to drop, as ioredis keeps it (private).
      const client = (cache as unknown as { backend: { client: Redis } }).backend.client;
      const connector = (client as unknown as { connector: { failoverDetector: Detector } })
        .connector;
      const detector = connector.failoverDetector;
      expect(detector).toBeTruthy();
      // The +switch-master announcement reaches that detector while the reconnection is asking
      // the sentinel for the master: the window in which ioredis ends the client for good.
      client.once('connecting', () => {
        detector.sentinels[0]!.client.emit('message', '+switch-master', 'announced');
      });
      await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      await timeUntil(() => cache.set('after', 2));
      expect(await cache.get('after')).toBe(2);
      expect(client.status).toBe('ready');
    } finally {
      await admin.quit();
      await registry.onApplicationShutdown();
    }
  }, 20_000);

  it('follows a failover to the promoted replica', async () => {
    const registry = await CacheRegistry.create({
      default: {
        sentinel: {
          sentinels: [{ host: sentinel.host, port: sentinel.port }],
          name: sentinel.name,
        },
        keyPrefix: uniquePrefix(),
        redis: { retryStrategy: () => 100 },
      },
    });
    try {
      const cache = registry.get('default');
      await cache.set('before', 1);
      await master.stop();
      // The sentinel notices after down-after-milliseconds (1 s) and promotes the replica; the
      // client asks the sentinel again on reconnection and lands on the new master.
      // Any error meanwhile (a refused connection, a READONLY demoted master) is retried.
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          await cache.set('after', 2);
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      expect(await cache.get('after')).toBe(2);
      const promoted = new Redis({ host: replica.host, port: replica.port });
      try {
        expect(await promoted.call('ROLE')).toEqual(expect.arrayContaining(['master']));
      } finally {
        await promoted.quit();
      }
    } finally {
      await registry.onApplicationShutdown();
    }
  }, 30_000);
});

/** The part of ioredis' (private) failover detector that the test drives. */
interface Detector {
  sentinels: { client: Redis }[];
}
