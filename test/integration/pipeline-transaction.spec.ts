import { Redis } from 'ioredis';
import { openCaches } from '../support/open-cache.js';
import { spawnRedis, type SpawnedRedis } from '../harness/index.js';

/**
 * `pipeline({ transaction: true })` is MULTI/EXEC on the server. The contract suite cannot tell a
 * transaction from a plain pipeline on one connection (neither interleaves with the cache's own
 * commands), so this counts what a private server executed.
 */
describe('pipeline transactions on Redis', () => {
  const { open } = openCaches();
  let server: SpawnedRedis;
  let raw: Redis;

  beforeAll(async () => {
    server = await spawnRedis();
    raw = new Redis({ host: server.host, port: server.port });
  });

  afterAll(async () => {
    await raw.quit();
    await server.stop();
  });

  async function calls(command: string): Promise<number> {
    const stats = await raw.info('commandstats');
    return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
  }

  it('sends a transaction as one MULTI/EXEC, and a plain pipeline without', async () => {
    const cache = await open({ location: server.url });
    const [multi, exec] = [await calls('multi'), await calls('exec')];
    expect(await cache.pipeline().incr('a').incr('b').exec()).toEqual([1, 1]);
    expect([await calls('multi'), await calls('exec')]).toEqual([multi, exec]);
    const results = await cache.pipeline({ transaction: true }).incr('a').rpush('l', [1]).exec();
    expect(results).toEqual([2, 1]);
    expect([await calls('multi'), await calls('exec')]).toEqual([multi + 1, exec + 1]);
  });
});
