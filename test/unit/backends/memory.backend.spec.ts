import { jest } from '@jest/globals';
import type { BackendCommand, Reply } from '../../../lib/backends/backend.interface.js';
import { BUMP_VERSION } from '../../../lib/cache/ops/key.ops.js';
import { MemoryBackend } from '../../../lib/backends/memory/memory.backend.js';
import { MemoryStore, type MemoryStoreOptions } from '../../../lib/backends/memory/memory.store.js';

let storeCounter = 0;
/** A store name no other test uses. */
const uniqueName = (): string => `unit-memory-${process.pid}-${++storeCounter}`;

const open: MemoryBackend[] = [];

/** One command of the memory backend's interpreter, as the cache layer sends it. */
const command = (name: string, key: string, ...args: number[]): BackendCommand => ({
  name,
  keys: [key],
  args,
});

/** PTTL, as the cache layer's `ttl` sends it. */
const pttl = (backend: MemoryBackend, key: string): Promise<Reply> =>
  backend.command(command('pttl', key));

/** Acquires a store (failing on an error string) and opens a backend on it, closed after the test. */
function backendOn(
  name: string,
  options: MemoryStoreOptions = { sweepInterval: 60_000 },
): MemoryBackend {
  const store = acquire(name, options);
  const backend = new MemoryBackend(store);
  open.push(backend);
  return backend;
}

function acquire(name: string, options: MemoryStoreOptions): MemoryStore {
  const store = MemoryStore.acquire(name, options);
  if (typeof store === 'string') throw new Error(`unexpected error: ${store}`);
  return store;
}

afterEach(async () => {
  // Closing releases every store, which stops its sweeper (fake or real).
  await Promise.all(open.splice(0).map((backend) => backend.close()));
  jest.useRealTimers();
});

const keysOf = async (backend: MemoryBackend, pattern = '*'): Promise<string[]> => {
  const all: string[] = [];
  for await (const batch of backend.scan(pattern, 100)) all.push(...batch);
  return all.sort();
};

describe('MemoryBackend', () => {
  describe('basic operations, as Redis', () => {
    it('stores, reads and deletes values', async () => {
      const backend = backendOn(uniqueName());
      expect(await backend.get('k')).toBeUndefined();
      expect(await backend.set('k', 'v', { ttl: null })).toBe(true);
      expect(await backend.get('k')).toBe('v');
      expect(await backend.exists('k')).toBe(true);
      expect(await backend.delete(['k', 'missing'])).toBe(1);
      expect(await backend.get('k')).toBeUndefined();
      expect(await backend.exists('k')).toBe(false);
    });

    it('keeps Buffers as Buffers', async () => {
      const backend = backendOn(uniqueName());
      await backend.set('b', Buffer.from([0, 255]), { ttl: null });
      expect(await backend.get('b')).toEqual(Buffer.from([0, 255]));
    });

    it('writes with NX only when absent and with XX only when present', async () => {
      const backend = backendOn(uniqueName());
      expect(await backend.set('k', 'xx', { ttl: null, condition: 'xx' })).toBe(false);
      expect(await backend.get('k')).toBeUndefined();
      expect(await backend.set('k', 'nx1', { ttl: null, condition: 'nx' })).toBe(true);
      expect(await backend.set('k', 'nx2', { ttl: null, condition: 'nx' })).toBe(false);
      expect(await backend.get('k')).toBe('nx1');
      expect(await backend.set('k', 'xx', { ttl: null, condition: 'xx' })).toBe(true);
      expect(await backend.get('k')).toBe('xx');
    });

    it('reads and writes many keys, in order', async () => {
      const backend = backendOn(uniqueName());
      await backend.setMany(
        [
          ['a', '1'],
          ['b', '2'],
        ],
        null,
      );
      expect(await backend.getMany(['b', 'missing', 'a'])).toEqual(['2', undefined, '1']);
    });

    it('expires entries after their TTL and reports PTTL like Redis', async () => {
      jest.useFakeTimers({ now: 1_000_000 });
      const backend = backendOn(uniqueName());
      await backend.set('t', 'v', { ttl: 1_000 });
      await backend.set('forever', 'v', { ttl: null });
      expect(await pttl(backend, 't')).toBe(1_000);
      expect(await pttl(backend, 'forever')).toBe(-1);
      expect(await pttl(backend, 'missing')).toBe(-2);
      jest.setSystemTime(1_000_999);
      expect(await backend.get('t')).toBe('v');
      jest.setSystemTime(1_001_000);
      expect(await backend.get('t')).toBeUndefined();
      expect(await backend.exists('t')).toBe(false);
      expect(await pttl(backend, 't')).toBe(-2);
      expect(await backend.get('forever')).toBe('v');
    });

    it('changes and removes TTLs', async () => {
      jest.useFakeTimers({ now: 5_000_000 });
      const backend = backendOn(uniqueName());
      await backend.set('k', 'v', { ttl: null });
      expect(await backend.command(command('persist', 'k'))).toBe(0);
      expect(await backend.command(command('pexpire', 'k', 500))).toBe(1);
      expect(await pttl(backend, 'k')).toBe(500);
      expect(await backend.command(command('persist', 'k'))).toBe(1);
      expect(await pttl(backend, 'k')).toBe(-1);
      expect(await backend.command(command('pexpireat', 'k', 5_000_100))).toBe(1);
      expect(await pttl(backend, 'k')).toBe(100);
      expect(await backend.command(command('pexpire', 'missing', 500))).toBe(0);
      expect(await backend.command(command('pexpire', 'k', 0))).toBe(1);
      expect(await backend.get('k')).toBeUndefined();
    });

    it('renames with the TTL, replacing the target', async () => {
      jest.useFakeTimers({ now: 1_000 });
      const backend = backendOn(uniqueName());
      await backend.set('from', 'v', { ttl: 700 });
      await backend.set('to', 'old', { ttl: null });
      expect(await backend.rename('from', 'to')).toBe(true);
      expect(await backend.get('from')).toBeUndefined();
      expect(await backend.get('to')).toBe('v');
      expect(await pttl(backend, 'to')).toBe(700);
      expect(await backend.rename('missing', 'to')).toBe(false);
      expect(await backend.get('to')).toBe('v');
    });

    it('bumps a version counter from 1 to 2, 3, … without expiry', async () => {
      const backend = backendOn(uniqueName());
      expect(await backend.run(BUMP_VERSION, ['ns'], [])).toBe(2);
      expect(await backend.run(BUMP_VERSION, ['ns'], [])).toBe(3);
      expect(await backend.get('ns')).toBe('3');
      expect(await pttl(backend, 'ns')).toBe(-1);
    });

    it('scans with Redis glob patterns, in batches of `count`, skipping expired keys', async () => {
      jest.useFakeTimers({ now: 1_000 });
      const backend = backendOn(uniqueName());
      for (const key of ['p:1:a', 'p:1:b', 'p:1:c', 'p:2:a', 'p[1]:1:a', 'q:1:a'])
        await backend.set(key, 'v', { ttl: null });
      await backend.set('p:1:expired', 'v', { ttl: 10 });
      jest.setSystemTime(2_000);
      expect(await keysOf(backend, 'p:1:*')).toEqual(['p:1:a', 'p:1:b', 'p:1:c']);
      expect(await keysOf(backend, 'p:?:a')).toEqual(['p:1:a', 'p:2:a']);
      expect(await keysOf(backend, 'p\\[1\\]:*')).toEqual(['p[1]:1:a']);
      expect(await keysOf(backend, '[pq]:1:a')).toEqual(['p:1:a', 'q:1:a']);
      const batches: string[][] = [];
      for await (const batch of backend.scan('p:1:*', 2)) batches.push(batch);
      expect(batches.map((b) => b.length)).toEqual([2, 1]);
    });
  });

  describe('LRU eviction with maxEntries', () => {
    it('evicts the least recently written entry past maxEntries', async () => {
      const backend = backendOn(uniqueName(), { maxEntries: 3, sweepInterval: 60_000 });
      for (const key of ['a', 'b', 'c', 'd']) await backend.set(key, key, { ttl: null });
      expect(await backend.get('a')).toBeUndefined();
      expect(await backend.getMany(['b', 'c', 'd'])).toEqual(['b', 'c', 'd']);
    });

    it('counts a read as a use, so the least recently read or written goes first', async () => {
      const backend = backendOn(uniqueName(), { maxEntries: 3, sweepInterval: 60_000 });
      for (const key of ['a', 'b', 'c']) await backend.set(key, key, { ttl: null });
      expect(await backend.get('a')).toBe('a'); // order of use: b, c, a
      await backend.set('d', 'd', { ttl: null }); // evicts b
      expect(await backend.exists('b')).toBe(false);
      expect(await backend.exists('c')).toBe(true); // order of use: a, d, c
      await backend.set('e', 'e', { ttl: null }); // evicts a
      expect(await backend.getMany(['a', 'c', 'd', 'e'])).toEqual([undefined, 'c', 'd', 'e']);
    });

    it('counts an overwrite as a use and does not evict on it', async () => {
      const backend = backendOn(uniqueName(), { maxEntries: 2, sweepInterval: 60_000 });
      await backend.set('a', '1', { ttl: null });
      await backend.set('b', '1', { ttl: null });
      await backend.set('a', '2', { ttl: null }); // order of use: b, a
      expect(await backend.getMany(['a', 'b'])).toEqual(['2', '1']); // order of use: a, b
      await backend.set('a', '3', { ttl: null }); // order of use: b, a
      await backend.set('c', '1', { ttl: null }); // evicts b
      expect(await backend.get('b')).toBeUndefined();
      expect(await backend.get('a')).toBe('3');
      expect(await backend.get('c')).toBe('1');
    });

    it('never holds more than maxEntries', async () => {
      const name = uniqueName();
      const backend = backendOn(name, { maxEntries: 5, sweepInterval: 60_000 });
      await backend.setMany(
        Array.from({ length: 20 }, (_, i) => [`k${i}`, String(i)] as const),
        null,
      );
      for (let i = 0; i < 10; i++) await backend.incrBy(`n${i}`, 1);
      expect(await keysOf(backend)).toEqual(['n5', 'n6', 'n7', 'n8', 'n9']);
    });

    it('does not bound a store without maxEntries', async () => {
      const backend = backendOn(uniqueName());
      for (let i = 0; i < 1_000; i++) await backend.set(`k${i}`, 'v', { ttl: null });
      expect((await keysOf(backend)).length).toBe(1_000);
      expect(await backend.get('k0')).toBe('v');
    });
  });

  describe('the sweeper', () => {
    it('removes expired entries without any read', async () => {
      jest.useFakeTimers({ now: 10_000 });
      const name = uniqueName();
      const store = acquire(name, { sweepInterval: 1_000 });
      const backend = new MemoryBackend(store);
      open.push(backend);
      await backend.set('short', 'v', { ttl: 500 });
      await backend.set('long', 'v', { ttl: 5_000 });
      await backend.set('forever', 'v', { ttl: null });
      expect([...store.entries.keys()].sort()).toEqual(['forever', 'long', 'short']);

      jest.advanceTimersByTime(999); // the sweeper has not run yet
      expect(store.entries.has('short')).toBe(true);
      jest.advanceTimersByTime(1); // first sweep at 11_000: `short` expired at 10_500
      expect([...store.entries.keys()].sort()).toEqual(['forever', 'long']);
      jest.advanceTimersByTime(4_000); // sweep at 15_000: `long` expires exactly then
      expect([...store.entries.keys()]).toEqual(['forever']);
    });

    it('runs every sweepInterval in real time too', async () => {
      const store = acquire(uniqueName(), { sweepInterval: 20 });
      const backend = new MemoryBackend(store);
      open.push(backend);
      await backend.set('k', 'v', { ttl: 10 });
      expect(store.entries.size).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(store.entries.size).toBe(0);
    });
  });

  describe('stores shared by name', () => {
    it('lets two backends on the same store name see the same data', async () => {
      const name = uniqueName();
      const one = backendOn(name);
      const two = backendOn(name);
      await one.set('k', 'from one', { ttl: null });
      expect(await two.get('k')).toBe('from one');
      await two.delete(['k']);
      expect(await one.exists('k')).toBe(false);
    });

    it('keeps stores of different names apart', async () => {
      const one = backendOn(uniqueName());
      const two = backendOn(uniqueName());
      await one.set('k', 'v', { ttl: null });
      expect(await two.get('k')).toBeUndefined();
    });

    it('shares the maxEntries bound between the backends of a store', async () => {
      const name = uniqueName();
      const one = backendOn(name, { maxEntries: 2, sweepInterval: 60_000 });
      const two = backendOn(name, { maxEntries: 2, sweepInterval: 60_000 });
      await one.set('a', '1', { ttl: null });
      await two.set('b', '1', { ttl: null });
      await one.set('c', '1', { ttl: null });
      expect(await two.getMany(['a', 'b', 'c'])).toEqual([undefined, '1', '1']);
    });

    it.each([
      [
        { maxEntries: 10, sweepInterval: 1_000 },
        { maxEntries: 20, sweepInterval: 1_000 },
      ],
      [{ maxEntries: 10, sweepInterval: 1_000 }, { sweepInterval: 1_000 }],
      [{ sweepInterval: 1_000 }, { sweepInterval: 2_000 }],
    ])('refuses to open a store with other options (%p, then %p)', async (first, second) => {
      const name = uniqueName();
      const backend = backendOn(name, first);
      await backend.set('k', 'v', { ttl: null });
      const result = MemoryStore.acquire(name, second);
      expect(typeof result).toBe('string');
      expect(result).toContain(`'${name}'`);
      expect(result).toMatch(/maxEntries/);
      // The failed attempt holds no reference: one close still drops the data.
      await backend.close();
      const again = backendOn(name, second);
      expect(await again.get('k')).toBeUndefined();
    });

    it('keeps the data while another backend holds the store, and drops it at the last close', async () => {
      const name = uniqueName();
      const one = backendOn(name);
      const two = backendOn(name);
      await one.set('k', 'v', { ttl: null });
      await one.close();
      expect(await two.get('k')).toBe('v');
      await one.close(); // closing twice releases once
      expect(await two.get('k')).toBe('v');
      await two.close();
      const three = backendOn(name);
      expect(await three.get('k')).toBeUndefined();
      expect(await keysOf(three)).toEqual([]);
    });

    it('lets a new store of a closed name take other options', async () => {
      const name = uniqueName();
      await backendOn(name, { maxEntries: 1, sweepInterval: 1_000 }).close();
      const backend = backendOn(name, { sweepInterval: 2_000 });
      await backend.set('a', '1', { ttl: null });
      await backend.set('b', '1', { ttl: null });
      expect(await backend.getMany(['a', 'b'])).toEqual(['1', '1']);
    });
  });

  describe('incrBy', () => {
    it('counts a missing key from 0, without expiry', async () => {
      const backend = backendOn(uniqueName());
      expect(await backend.incrBy('n', 5)).toBe(5);
      expect(await backend.incrBy('n', -7)).toBe(-2);
      expect(await backend.get('n')).toBe('-2');
      expect(await pttl(backend, 'n')).toBe(-1);
    });

    it('keeps the TTL of an existing key', async () => {
      jest.useFakeTimers({ now: 1_000 });
      const backend = backendOn(uniqueName());
      await backend.set('n', '10', { ttl: 5_000 });
      jest.setSystemTime(2_000);
      expect(await backend.incrBy('n', 1)).toBe(11);
      expect(await pttl(backend, 'n')).toBe(4_000);
    });

    it('increments integers stored as Buffers', async () => {
      const backend = backendOn(uniqueName());
      await backend.set('n', Buffer.from('41'), { ttl: null });
      expect(await backend.incrBy('n', 1)).toBe(42);
    });

    it.each([
      'abc',
      '1.5',
      '',
      ' 1',
      '1 ',
      '+1',
      '01',
      '-0',
      '1e3',
      '9223372036854775808',
      '-9223372036854775809',
    ])('rejects the non-integer %p with ERR and leaves it unchanged', async (value) => {
      const backend = backendOn(uniqueName());
      await backend.set('n', value, { ttl: null });
      await expect(backend.incrBy('n', 1)).rejects.toThrow(
        'ERR value is not an integer or out of range',
      );
      await expect(backend.incrBy('n', 1)).rejects.toThrow(/^ERR /);
      expect(await backend.get('n')).toBe(value);
    });

    it('accepts the int64 bounds', async () => {
      const backend = backendOn(uniqueName());
      await backend.set('max', '9223372036854775806', { ttl: null });
      await backend.incrBy('max', 1);
      expect(await backend.get('max')).toBe('9223372036854775807');
      await backend.set('min', '-9223372036854775807', { ttl: null });
      await backend.incrBy('min', -1);
      expect(await backend.get('min')).toBe('-9223372036854775808');
      expect(await backend.incrBy('min', 0)).toBe(-9223372036854775808);
    });

    it('rejects an overflow past the int64 bounds with ERR and leaves the value', async () => {
      const backend = backendOn(uniqueName());
      await backend.set('max', '9223372036854775807', { ttl: null });
      await expect(backend.incrBy('max', 1)).rejects.toThrow(
        'ERR increment or decrement would overflow',
      );
      expect(await backend.get('max')).toBe('9223372036854775807');
      await backend.set('min', '-9223372036854775808', { ttl: null });
      await expect(backend.incrBy('min', -1)).rejects.toThrow(
        'ERR increment or decrement would overflow',
      );
      expect(await backend.get('min')).toBe('-9223372036854775808');
      await backend.set('n', '9223372036854775000', { ttl: null });
      await expect(backend.incrBy('n', 1_000)).rejects.toThrow(
        /^ERR increment or decrement would overflow$/,
      );
      expect(await backend.get('n')).toBe('9223372036854775000');
      await backend.set('n', '-9000000000000000000', { ttl: null });
      await expect(backend.incrBy('n', -Number.MAX_SAFE_INTEGER * 100)).rejects.toThrow(/^ERR /);
    });

    it('rejects with an error named ReplyError, as ioredis does', async () => {
      const backend = backendOn(uniqueName());
      await backend.set('n', 'x', { ttl: null });
      await expect(backend.incrBy('n', 1)).rejects.toMatchObject({ name: 'ReplyError' });
    });
  });
});

describe('MemoryBackend: values kept decoded', () => {
  const decode = (raw: string | Buffer): unknown => JSON.parse(raw.toString()) as unknown;

  it('answers one frozen value per write, and its text to every other command', async () => {
    const backend = backendOn(uniqueName());
    const value = Object.freeze({ n: 1 });
    expect(backend.setDecoded('k', value, decode, null, undefined)).toBe(true);
    expect(backend.readDecoded('k', decode)).toBe(value);
    expect(await backend.get('k')).toBe('{"n":1}');
    expect(await backend.command({ name: 'get', keys: ['k'], args: [] })).toBe('{"n":1}');
    // INCRBY reads the text and writes a new one, which the next read decodes.
    backend.setDecoded('n', 5, decode, null, undefined);
    expect(await backend.incrBy('n', 1)).toBe(6);
    expect(backend.readDecoded('n', decode)).toBe(6);
    expect(backend.setDecoded('k', 2, decode, null, 'nx')).toBe(false);
  });

  it('decodes text once, freezes it, and decodes again after a write or for another codec', async () => {
    const backend = backendOn(uniqueName());
    let decodes = 0;
    const counting = (raw: string | Buffer): unknown => (decodes++, decode(raw));
    await backend.set('t', '{"list":[1]}', { ttl: null });
    const first = backend.readDecoded('t', counting) as { list: number[] };
    expect(Object.isFrozen(first.list)).toBe(true);
    expect(backend.readDecoded('t', counting)).toBe(first);
    expect(decodes).toBe(1);
    expect(backend.readDecoded('t', decode)).not.toBe(first);
    await backend.set('t', '{"list":[2]}', { ttl: null });
    expect(backend.readDecoded('t', counting)).toEqual({ list: [2] });
    expect(decodes).toBe(2);
  });

  it('decodes afresh values that freezing cannot protect', async () => {
    const backend = backendOn(uniqueName());
    const dates = (raw: string | Buffer): unknown => new Date(Number(raw.toString()));
    await backend.set('d', '0', { ttl: null });
    const first = backend.readDecoded('d', dates) as Date;
    first.setTime(5);
    expect((backend.readDecoded('d', dates) as Date).getTime()).toBe(0);
  });
});
