/** Issue 13, item 9: messages that say what is wrong with a TTL or a delta, on every backend. */
import { InvalidArgumentError, type CacheConfig } from '../../../lib/index.js';
import { testServers } from '../../harness/index.js';
import { openCaches } from '../../support/open-cache.js';

const { open } = openCaches();

describe.each<[string, () => CacheConfig]>([
  ['memory', () => ({ location: 'memory://' })],
  ['redis', () => ({ location: testServers().redis.url })],
  ['valkey', () => ({ location: testServers().valkey.url })],
])('on %s', (_, config) => {
  it('a TTL of 0.4 ms is refused as below 1 ms, not as "not positive"', async () => {
    const cache = await open(config());
    const error = await cache.set('k', 1, { ttl: 0.4 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(
      /`ttl` must be a whole number of milliseconds ≥ 1, got number 0.4, which rounds to 0 ms/,
    );
    expect(await cache.has('k')).toBe(false);
  });

  it('a delta of 2^60 is refused as not a safe integer (it is an integer)', async () => {
    const cache = await open(config());
    const error = await cache.incr('n', 2 ** 60).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/`delta` must be a safe integer/);
    expect(await cache.has('n')).toBe(false);
  });
});
