import { Redis } from 'ioredis';
import { openCaches } from '../support/open-cache.js';
import { spawnRedis, type SpawnedRedis } from '../harness/index.js';

/**
 * What reaches the server, counted on a private one (INFO commandstats), for what the contract
 * suite cannot tell apart by results: a transaction from a plain pipeline on one connection
 * (neither interleaves with the cache's own commands), a script run by SHA from one sent whole.
 */
describe('commands sent to Redis', () => {
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

  it('runs a defined script by SHA once the server knows it, sending the source only when not', async () => {
    const cache = await open({ location: server.url });
    const script = cache.defineScript<number>('count', "return redis.call('INCR', KEYS[1])");
    await raw.script('FLUSH');
    const [evalsha, evals] = [await calls('evalsha'), await calls('eval')];
    expect(await script({ keys: ['n'] })).toBe(1);
    // Unknown to the server: EVALSHA answered NOSCRIPT, then EVAL sent the source.
    expect(await calls('eval')).toBe(evals + 1);
    expect(await script({ keys: ['n'] })).toBe(2);
    expect(await script({ keys: ['n'] })).toBe(3);
    expect(await calls('eval')).toBe(evals + 1);
    expect(await calls('evalsha')).toBeGreaterThanOrEqual(evalsha + 2);
  });
});
