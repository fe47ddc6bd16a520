/**
 * Coalesced `getMany`: the consecutive `getMany` calls of a tick share one MGET (standalone
 * servers; a cluster splits each call by slot as before), each call answered its own values, in
 * the order of the calls.
 */
import { testServers } from '../harness/index.js';
import { commandCallsDuring, privateServer } from '../support/command-stats.js';
import { redisTargets, type RedisTarget } from '../support/ioredis5-clients.js';
import { openCaches } from '../support/open-cache.js';
import { MGET } from '../../lib/backends/redis/coalesced-calls.js';

const { open } = openCaches();

const targets: RedisTarget[] = [
  ...redisTargets(),
  [
    'a binary cache',
    () => ({ location: testServers().redis.url, serializer: 'v8', compressor: 'gzip' }),
  ],
];

describe.each(targets)('getMany calls of one tick on %s', (_target, config) => {
  it('answers each call its own values (other types read as misses), in call order', async () => {
    const cache = await open(config());
    await cache.setMany([
      ['a', 'A'],
      ['b', { n: 1 }],
      ['c', 3],
    ]);
    await cache.hset('h', 'f', 'v');
    const results = await Promise.all([
      cache.getMany(['a', 'b']),
      cache.getMany(['missing', 'h', 'c']),
      cache.getMany(['c']),
      cache.set('a', 'A2'),
      cache.getMany(['a', 'a', 'b']),
      cache.delete('b'),
      cache.getMany(['b', 'c']),
      cache.getMany(Array.from({ length: 100 }, (_, i) => (i === 99 ? 'c' : `x${i}`))),
    ]);
    // A Map per call: the keys found and their values, misses (and other types) absent.
    const found = results.map((r) => (r instanceof Map ? Object.fromEntries(r) : r));
    expect(found).toEqual([
      { a: 'A', b: { n: 1 } },
      { c: 3 },
      { c: 3 },
      true,
      { a: 'A2', b: { n: 1 } },
      true,
      { c: 3 },
      { c: 3 },
    ]);
  });
});

describe('getMany commands sent per tick (a private server, INFO commandstats)', () => {
  const { server, admin } = privateServer(open);

  it('sends a tick of getMany calls as one MGET, and 300 calls as 3', async () => {
    const cache = await open({ location: server().url });
    await cache.set('warm', 1);
    const sent = async (calls: number) => {
      const counts = await commandCallsDuring(admin(), () =>
        Promise.all(
          Array.from({ length: calls }, (_, i) => cache.getMany([`k${i}`, `j${i}`, 'warm'])),
        ),
      );
      return counts.mget ?? 0;
    };
    // The first tick's first call finds the connection idle and leaves at once, alone; the
    // others are joined behind it (at most MGET.max calls per MGET). After a tick of many
    // calls the first call waits for the batch too.
    expect(await sent(50)).toBe(1 + Math.ceil(49 / MGET.max!));
    expect(await sent(300)).toBe(Math.ceil(300 / MGET.max!));
    expect(await sent(1)).toBe(1);
  });
});
