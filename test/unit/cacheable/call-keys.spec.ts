import { digestArguments } from '../../../lib/cacheable/cache-key.js';
import { keyArgument } from '../../../lib/cacheable/decorator-sources.js';
import { Cacheable, CacheRegistry, InvalidArgumentError } from '../../../lib/index.js';

const digest = (...args: unknown[]) => {
  const result = digestArguments(args);
  if ('problem' in result) throw new Error(result.problem);
  return result.digest;
};

describe('keyArgument', () => {
  it('finds the one whole argument a key is made of', () => {
    expect(keyArgument('user:{0}')).toStrictEqual({ index: 0, alone: false });
    expect(keyArgument('{2}:data')).toStrictEqual({ index: 2, alone: false });
    expect(keyArgument(undefined)).toStrictEqual({ index: 0, alone: true });
  });

  it('finds none in a key of a property, of two placeholders, without any, or of a function', () => {
    expect(keyArgument('user:{0.id}')).toBeUndefined();
    expect(keyArgument('user:{0}:{1}')).toBeUndefined();
    expect(keyArgument('users')).toBeUndefined();
    expect(keyArgument((id: number) => `user:${id}`)).toBeUndefined();
  });
});

/** The keys a method remembers by argument must be the keys it would make. */
describe('@Cacheable keys of one argument', () => {
  class Users {
    runs = 0;

    @Cacheable({ key: 'user:{0}' })
    async byId(id: unknown): Promise<number> {
      void id;
      return ++this.runs;
    }

    @Cacheable()
    async load(...args: unknown[]): Promise<number> {
      void args;
      return ++this.runs;
    }
  }

  const open = async (keyPrefix: string) => {
    const registry = await CacheRegistry.create({ default: { location: 'memory://', keyPrefix } });
    registry.onModuleInit();
    return registry;
  };

  it('renders the key of each argument once and again alike, whatever its type', async () => {
    const registry = await open('one');
    try {
      const cache = registry.get('default');
      const users = new Users();
      expect(await users.byId(1)).toBe(1);
      expect(await users.byId(1)).toBe(1);
      // '1' renders as 1 does: the same entry.
      expect(await users.byId('1')).toBe(1);
      expect(await users.byId(-0)).toBe(2);
      expect(await users.byId(0)).toBe(2);
      expect(await users.byId(true)).toBe(3);
      expect(await users.byId(2n)).toBe(4);
      expect(await cache.has('user:0')).toBe(true);
      expect(await cache.has('user:true')).toBe(true);
      expect(await cache.has('user:2')).toBe(true);
    } finally {
      await registry.onApplicationShutdown();
    }
  });

  it('keys a default-keyed call by the digest of all its arguments', async () => {
    const registry = await open('two');
    try {
      const cache = registry.get('default');
      const users = new Users();
      expect(await users.load(5)).toBe(1);
      expect(await users.load(5)).toBe(1);
      expect(await users.load(5, 6)).toBe(2);
      expect(await users.load('5')).toBe(3);
      expect(await users.load(5, 6)).toBe(2);
      expect(await cache.has(`Users.load:${digest(5)}`)).toBe(true);
      expect(await cache.has(`Users.load:${digest(5, 6)}`)).toBe(true);
      expect(await cache.has(`Users.load:${digest('5')}`)).toBe(true);
    } finally {
      await registry.onApplicationShutdown();
    }
  });

  it('forgets the keys of a cache that is gone: the next application keys under its own prefix', async () => {
    const users = new Users();
    const first = await open('first');
    expect(await users.byId(7)).toBe(1);
    await first.onApplicationShutdown();
    const second = await open('second');
    try {
      expect(await users.byId(7)).toBe(2);
      expect(await second.get('default').has('user:7')).toBe(true);
    } finally {
      await second.onApplicationShutdown();
    }
  });

  it('rejects an argument that cannot make a key each time, remembering nothing', async () => {
    const registry = await open('three');
    try {
      const users = new Users();
      await expect(users.byId('\uD800')).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(users.byId('\uD800')).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(users.load(() => 1)).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(users.runs).toBe(0);
    } finally {
      await registry.onApplicationShutdown();
    }
  });
});
