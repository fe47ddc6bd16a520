import {
  CacheEvict,
  Cacheable,
  CachePut,
  CacheRegistry,
  CacheXConfigError,
  InvalidArgumentError,
  type CacheConfig,
  type CacheService,
} from '../../lib/index.js';
import { uniquePrefix } from './cache.contract.js';
import { sleep } from './open-caches.js';

/**
 * Method caching on one backend: `@Cacheable`, `@CachePut`, `@CacheEvict`, `cache.wrap()` and
 * tags, run unchanged on memory, Redis, Valkey and Cluster. Decorated classes find their cache
 * through the registry attached as an application would (`onModuleInit`).
 */
export function cacheableContract(label: string, base: () => CacheConfig): void {
  describe(`method caching: ${label}`, () => {
    const registries: CacheRegistry[] = [];
    let cache: CacheService;
    let prefix: string;

    /** Opens an "application": a registry of `default` on the shared prefix, attached. */
    async function openApp(config: Partial<CacheConfig> = {}): Promise<CacheService> {
      const registry = await CacheRegistry.create({
        default: { ...base(), keyPrefix: prefix, ...config },
      });
      registry.onModuleInit();
      registries.push(registry);
      return registry.get('default');
    }

    beforeEach(async () => {
      prefix = uniquePrefix();
      cache = await openApp();
    });

    afterEach(async () => {
      for (const registry of registries.splice(0).reverse()) {
        await registry.get('default').clear();
        await registry.onApplicationShutdown();
      }
    });

    /** A service whose methods count their runs. */
    function usersService() {
      class Users {
        runs = 0;

        @Cacheable({ key: 'user:{0}:data', ttl: '1h', tags: (id: number) => [`user:${id}`] })
        async getUserData(id: number): Promise<{ id: number; name: string; run: number }> {
          this.runs++;
          return { id, name: `user ${id}`, run: this.runs };
        }

        @Cacheable()
        async search(query: Record<string, unknown>, page = 1): Promise<string> {
          this.runs++;
          return `${JSON.stringify(query)}#${page}#${this.runs}`;
        }

        @Cacheable({ key: 'profile:{0}:{1.id}' })
        profile(tenant: string, user: { id: number }): string {
          this.runs++;
          return `${tenant}/${user.id}/${this.runs}`;
        }

        @CacheEvict({ tags: (id: number) => [`user:${id}`] })
        async updateUser(id: number): Promise<number> {
          return id;
        }

        @CachePut({
          key: (u: { id: number }) => `user:${u.id}:data`,
          tags: (u) => [`user:${u.id}`],
        })
        async saveUser(u: { id: number; name: string }): Promise<typeof u & { run: number }> {
          this.runs++;
          return { ...u, run: -1 };
        }
      }
      return new Users();
    }

    describe('@Cacheable', () => {
      it('runs the method on a miss, serves the stored value on a hit, keeps the TTL', async () => {
        const users = usersService();
        const first = await users.getUserData(42);
        expect(await users.getUserData(42)).toStrictEqual(first);
        expect(users.runs).toBe(1);
        const ttl = await cache.ttl('user:42:data');
        expect(ttl).toBeGreaterThan(3_590_000);
        expect(ttl).toBeLessThanOrEqual(3_600_000);
        await users.getUserData(7);
        expect(users.runs).toBe(2);
        expect(cache.stats().methods).toMatchObject({ hits: 1, misses: 2 });
        await Promise.all([users.getUserData(8), users.getUserData(8), users.getUserData(42)]);
        expect(cache.stats().methods).toMatchObject({ hits: 2, misses: 4 });
      });

      it('recomputes after the TTL', async () => {
        class Clock {
          runs = 0;
          @Cacheable({ key: 'tick', ttl: 150 })
          async tick(): Promise<number> {
            return ++this.runs;
          }
        }
        const clock = new Clock();
        expect(await clock.tick()).toBe(1);
        expect(await clock.tick()).toBe(1);
        await sleep(300);
        expect(await clock.tick()).toBe(2);
      });

      it('keys default to <Class>.<method>: and a digest stable under key order', async () => {
        const users = usersService();
        const a = await users.search({ q: 'x', filters: { tag: 'a', age: 3 } });
        const b = await users.search({ filters: { age: 3, tag: 'a' }, q: 'x' });
        expect(b).toBe(a);
        expect(users.runs).toBe(1);
        await users.search({ q: 'x', filters: { tag: 'a', age: 3 } }, 2);
        await users.search({ q: 'y' });
        await users.search({ q: 1 } as never);
        await users.search({ q: '1' });
        expect(users.runs).toBe(5);
        const keys = await cache.keys('Users.search:*');
        expect(keys).toHaveLength(5);
        for (const key of keys) expect(key).toMatch(/^Users\.search:[A-Za-z0-9_-]{22}$/);
      });

      it('keeps default keys of different classes and methods apart', async () => {
        class A {
          @Cacheable()
          async get(id: number) {
            return `A${id}`;
          }
          @Cacheable()
          async other(id: number) {
            return `A.other${id}`;
          }
        }
        class B {
          @Cacheable()
          async get(id: number) {
            return `B${id}`;
          }
        }
        expect(await new A().get(1)).toBe('A1');
        expect(await new A().other(1)).toBe('A.other1');
        expect(await new B().get(1)).toBe('B1');
        expect(await new A().get(1)).toBe('A1');
        expect((await cache.keys('*')).sort()).toHaveLength(3);
      });

      it('fills template keys from arguments and their properties; sync methods become async', async () => {
        const users = usersService();
        const result = users.profile('acme', { id: 7 });
        expect(result).toBeInstanceOf(Promise);
        expect(await result).toBe('acme/7/1');
        expect(await users.profile('acme', { id: 7 })).toBe('acme/7/1');
        expect(await cache.has('profile:acme:7')).toBe(true);
      });

      it('refuses arguments that cannot be keyed, with an error naming the method', async () => {
        const users = usersService();
        class Thing {
          constructor(readonly x: number) {}
        }
        const error = await users.search(new Thing(1) as never).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as Error).message).toContain('@Cacheable on Users.search');
        expect((error as Error).message).toContain('Thing');
        await expect(users.search({ f: () => 1 })).rejects.toThrow(/a function/);
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        await expect(users.search(circular)).rejects.toThrow(/circular/);
        expect(users.runs).toBe(0);
        // A class with toJSON is keyable.
        class Id {
          constructor(readonly id: number) {}
          toJSON() {
            return { id: this.id };
          }
        }
        await users.search({ id: new Id(3) });
        expect(users.runs).toBe(1);
      });

      it('checks options when the class is defined', () => {
        const define = (options: object) => () => {
          class Bad {
            @Cacheable(options as never)
            async m() {
              return 1;
            }
          }
          return Bad;
        };
        expect(define({ ttl: 'soon' })).toThrow(CacheXConfigError);
        expect(define({ ttl: 0 })).toThrow(/ttl.*≥ 1/);
        expect(define({ key: 'a:{x}' })).toThrow(/brace/);
        expect(define({ tags: 'user' })).toThrow(/tags/);
        expect(define({ earlyRefresh: 2 })).toThrow(/earlyRefresh/);
        expect(define({ lock: { wait: 'x' } })).toThrow(/lock\.wait/);
        expect(define({ ttll: 5 })).toThrow(/`ttll` is not an option/);
        expect(define({ cache: '' })).toThrow(/cache/);
        expect(() => {
          class NoKey {
            @CachePut({} as never)
            async m() {
              return 1;
            }
          }
          return NoKey;
        }).toThrow(/key.*required/);
        expect(() => {
          class Nothing {
            @CacheEvict({})
            async m() {
              return 1;
            }
          }
          return Nothing;
        }).toThrow(/nothing to evict/);
      });

      it('fails at call time, naming the cache, when the cache is not registered', async () => {
        class Elsewhere {
          @Cacheable({ cache: 'nope' })
          async m() {
            return 1;
          }
        }
        await expect(new Elsewhere().m()).rejects.toThrow(/cache 'nope', which is not registered/);
      });

      it('stores null (a hit) but never undefined; cacheNullish: false skips null', async () => {
        class Nulls {
          runs = 0;
          @Cacheable({ key: 'null' })
          async nothing(): Promise<null> {
            this.runs++;
            return null;
          }
          @Cacheable({ key: 'undefined' })
          async missing(): Promise<undefined> {
            this.runs++;
            return undefined;
          }
          @Cacheable({ key: 'null-skipped', cacheNullish: false })
          async skipped(): Promise<null> {
            this.runs++;
            return null;
          }
        }
        const n = new Nulls();
        expect(await n.nothing()).toBeNull();
        expect(await n.nothing()).toBeNull();
        expect(n.runs).toBe(1);
        expect(await n.missing()).toBeUndefined();
        expect(await n.missing()).toBeUndefined();
        expect(n.runs).toBe(3);
        await n.skipped();
        await n.skipped();
        expect(n.runs).toBe(5);
      });

      it('caches only when condition holds, and not results that unless excludes', async () => {
        class Conditional {
          runs = 0;
          @Cacheable({ key: 'c:{0}', condition: (id: number) => id > 0 })
          async byId(id: number): Promise<number> {
            return ++this.runs + id * 0;
          }
          @Cacheable({
            key: 'u:{0}',
            unless: (result: { ok: boolean }, id: number) => !result.ok || id === 13,
          })
          async check(id: number): Promise<{ ok: boolean }> {
            this.runs++;
            return { ok: id % 2 === 0 };
          }
        }
        const c = new Conditional();
        await c.byId(0);
        await c.byId(0);
        expect(c.runs).toBe(2);
        expect(await cache.has('c:0')).toBe(false);
        await c.byId(1);
        await c.byId(1);
        expect(c.runs).toBe(3);
        await c.check(1);
        await c.check(1);
        expect(c.runs).toBe(5);
        await c.check(2);
        await c.check(2);
        expect(c.runs).toBe(6);
      });

      it('runs the method once for 100 concurrent calls with one key', async () => {
        class Slow {
          runs = 0;
          @Cacheable({ key: 'slow:{0}' })
          async load(id: number): Promise<string> {
            this.runs++;
            await sleep(50);
            return `v${id}`;
          }
        }
        const slow = new Slow();
        const results = await Promise.all(Array.from({ length: 100 }, () => slow.load(1)));
        expect(new Set(results)).toStrictEqual(new Set(['v1']));
        expect(slow.runs).toBe(1);
      });

      it('a failing method is not cached, and the error reaches every waiting caller', async () => {
        class Flaky {
          runs = 0;
          @Cacheable({ key: 'flaky' })
          async load(): Promise<string> {
            this.runs++;
            await sleep(20);
            if (this.runs === 1) throw new Error('boom');
            return 'ok';
          }
        }
        const flaky = new Flaky();
        const outcomes = await Promise.allSettled([flaky.load(), flaky.load()]);
        expect(outcomes.map((o) => o.status)).toStrictEqual(['rejected', 'rejected']);
        expect(await flaky.load()).toBe('ok');
        expect(flaky.runs).toBe(2);
      });
    });

    describe('tags', () => {
      it('invalidates every entry of a tag at once, the first time too', async () => {
        const users = usersService();
        await users.getUserData(42);
        await users.getUserData(43);
        await users.updateUser(42);
        await users.getUserData(42);
        await users.getUserData(43);
        expect(users.runs).toBe(3);
        // Again: a second invalidation is one more version.
        await cache.invalidateTags(['user:42']);
        await users.getUserData(42);
        expect(users.runs).toBe(4);
      });

      it('invalidates 1,000 tagged entries with one call', async () => {
        let runs = 0;
        const load = (i: number) =>
          cache.wrap(`item:${i}`, () => ++runs, { tags: ['catalog', `item:${i}`] });
        const ids = Array.from({ length: 1000 }, (_, i) => i);
        await Promise.all(ids.map(load));
        await Promise.all(ids.map(load));
        expect(runs).toBe(1000);
        await cache.invalidateTags(['catalog']);
        await Promise.all(ids.map(load));
        expect(runs).toBe(2000);
        await Promise.all(ids.map(load));
        expect(runs).toBe(2000);
      }, 30_000);

      it('shares counters with namespaces: invalidateNamespace(tag) invalidates the tag', async () => {
        let runs = 0;
        const load = () => cache.wrap('ns-tagged', () => ++runs, { tags: ['group'] });
        await load();
        await load();
        expect(await cache.invalidateNamespace('group')).toBe(2);
        await load();
        expect(runs).toBe(2);
        expect(await cache.namespaceVersion('group')).toBe(2);
      });

      it('an invalidation during a computation wins over its late write', async () => {
        let runs = 0;
        const slow = () =>
          cache.wrap(
            'racy',
            async () => {
              runs++;
              await sleep(100);
              return runs;
            },
            { tags: ['race'] },
          );
        const pending = slow();
        await sleep(20);
        await cache.invalidateTags(['race']);
        expect(await pending).toBe(1);
        expect(await slow()).toBe(2);
      });

      it('a value written by cache.set() proves no tags: a tagged read recomputes', async () => {
        await cache.set('plain', 'by hand');
        expect(await cache.wrap('plain', () => 'computed')).toBe('by hand');
        expect(await cache.wrap('plain', () => 'computed', { tags: ['t'] })).toBe('computed');
        expect(await cache.wrap('plain', () => 'again', { tags: ['t'] })).toBe('computed');
      });

      it('refuses tags that are not non-empty strings', async () => {
        await expect(cache.invalidateTags(['ok', ''])).rejects.toThrow(InvalidArgumentError);
        await expect(cache.wrap('k', () => 1, { tags: [1 as never] })).rejects.toThrow(/tags/);
        class BadTags {
          @Cacheable({ key: 'bt', tags: () => 'x' as never })
          async m() {
            return 1;
          }
        }
        await expect(new BadTags().m()).rejects.toThrow(/`tags` returned/);
      });
    });

    describe('@CacheEvict and @CachePut', () => {
      it('evicts by pattern (the recipes page delete_pattern recipe)', async () => {
        class Api {
          runs = 0;
          @Cacheable({ key: 'api:{0}:response' })
          async fetch(name: string): Promise<string> {
            return `${name}#${++this.runs}`;
          }
          @CacheEvict({ pattern: 'api:*:response' })
          async refreshApi(): Promise<void> {}
        }
        const api = new Api();
        await api.fetch('a');
        await api.fetch('b');
        await cache.set('api:keep', 1);
        await api.refreshApi();
        expect(await cache.has('api:a:response')).toBe(false);
        expect(await cache.has('api:keep')).toBe(true);
        expect(await api.fetch('a')).toBe('a#3');
        expect(cache.stats().methods.evictions).toBe(1);
      });

      it('evicts keys, key lists and all entries, after success by default', async () => {
        class Store {
          @CacheEvict({ key: 'k:{0}', keys: (id: string) => [`x:${id}`, `y:${id}`] })
          async update(id: string, fail = false): Promise<string> {
            if (fail) throw new Error('update failed');
            return id;
          }
          @CacheEvict({ key: 'k:{0}', beforeInvocation: true })
          async remove(_id: string): Promise<void> {
            throw new Error('remove failed');
          }
          @CacheEvict({ allEntries: true })
          async reset(): Promise<void> {}
        }
        const store = new Store();
        await cache.setMany({ 'k:1': 1, 'x:1': 1, 'y:1': 1, 'k:2': 2 });
        await expect(store.update('1', true)).rejects.toThrow('update failed');
        expect(await cache.has('k:1')).toBe(true);
        expect(await store.update('1')).toBe('1');
        expect(await cache.getMany(['k:1', 'x:1', 'y:1', 'k:2'])).toStrictEqual(
          new Map([['k:2', 2]]),
        );
        await expect(store.remove('2')).rejects.toThrow('remove failed');
        expect(await cache.has('k:2')).toBe(false);
        await cache.set('z', 1);
        await store.reset();
        expect(await cache.keys()).toStrictEqual([]);
      });

      it('@CachePut always runs and stores what @Cacheable then reads', async () => {
        const users = usersService();
        await users.getUserData(5);
        const saved = await users.saveUser({ id: 5, name: 'renamed' });
        expect(await users.getUserData(5)).toStrictEqual(saved);
        await users.saveUser({ id: 5, name: 'again' });
        expect(users.runs).toBe(3);
        expect((await users.getUserData(5)).name).toBe('again');
        await users.updateUser(5);
        expect((await users.getUserData(5)).name).toBe('user 5');
      });
    });

    describe('stale values and refresh', () => {
      it('staleWhileRevalidate: serves the stale value at once and refreshes once', async () => {
        let runs = 0;
        const load = () =>
          cache.wrap(
            'swr',
            async () => {
              const run = ++runs;
              await sleep(100);
              return run;
            },
            { ttl: 300, staleWhileRevalidate: '1m' },
          );
        expect(await load()).toBe(1);
        await sleep(400);
        const started = Date.now();
        const stale = await Promise.all([load(), load(), load()]);
        expect(Date.now() - started).toBeLessThan(90);
        expect(stale).toStrictEqual([1, 1, 1]);
        expect(await load()).toBe(1);
        await sleep(200);
        expect(await load()).toBe(2);
        expect(runs).toBe(2);
        expect(cache.stats().methods).toMatchObject({ staleServed: 4, refreshes: 1 });
      });

      it('staleIfError: serves the stale value when the method throws', async () => {
        let fail = false;
        const load = () =>
          cache.wrap(
            'sie',
            () => {
              if (fail) throw new Error('database down');
              return 'fresh';
            },
            { ttl: 100, staleIfError: '1m' },
          );
        expect(await load()).toBe('fresh');
        await sleep(200);
        fail = true;
        expect(await load()).toBe('fresh');
        expect(await cache.has('sie')).toBe(true);
        // Without a grace period, the error reaches the caller.
        await expect(
          cache.wrap('sie-none', () => Promise.reject(new Error('down')), { ttl: 100 }),
        ).rejects.toThrow('down');
      });

      it('timeout: serves the stale value when the method is slow and refreshes behind', async () => {
        let runs = 0;
        const load = () =>
          cache.wrap(
            'slow-refresh',
            async () => {
              runs++;
              if (runs > 1) await sleep(300);
              return runs;
            },
            { ttl: 100, staleIfError: '1m', timeout: 50 },
          );
        expect(await load()).toBe(1);
        await sleep(200);
        const started = Date.now();
        expect(await load()).toBe(1);
        expect(Date.now() - started).toBeLessThan(250);
        await sleep(450);
        expect(await load()).toBe(2);
      });

      it('earlyRefresh: refreshes a hot key before it expires', async () => {
        let runs = 0;
        const load = () => cache.wrap('hot', () => ++runs, { ttl: 400, earlyRefresh: 0.5 });
        expect(await load()).toBe(1);
        await sleep(250);
        // Past half the TTL: this read still answers 1 and refreshes behind.
        expect(await load()).toBe(1);
        await sleep(50);
        expect(runs).toBe(2);
        expect(await load()).toBe(2);
        const ttl = (await cache.ttl('hot'))!;
        expect(ttl).toBeGreaterThan(200);
      });

      it('earlyRefresh (XFetch): a slow computation refreshes before expiry under load', async () => {
        let runs = 0;
        const load = () =>
          cache.wrap(
            'xfetch',
            async () => {
              runs++;
              await sleep(60);
              return runs;
            },
            { ttl: 300, earlyRefresh: { beta: 3 } },
          );
        await load();
        const deadline = Date.now() + 280;
        while (Date.now() < deadline && runs === 1) {
          await load();
          await sleep(5);
        }
        expect(runs).toBe(2);
        await sleep(100);
      });
    });

    describe('across processes', () => {
      it('lock: two applications on one server compute a missing key once', async () => {
        const other = await openApp();
        let runs = 0;
        const load = (on: CacheService) =>
          on.wrap(
            'shared',
            async () => {
              runs++;
              await sleep(150);
              return 'value';
            },
            { lock: { wait: '5s' } },
          );
        const calls = [
          ...Array.from({ length: 50 }, () => load(cache)),
          ...Array.from({ length: 50 }, () => load(other)),
        ];
        expect(new Set(await Promise.all(calls))).toStrictEqual(new Set(['value']));
        expect(runs).toBe(1);
      });

      it('lock: a waiter that waits longer than `wait` computes by itself', async () => {
        const other = await openApp();
        let runs = 0;
        const slow = (on: CacheService) =>
          on.wrap(
            'long',
            async () => {
              const run = ++runs;
              await sleep(400);
              return run;
            },
            { lock: { wait: 50 } },
          );
        const [a, b] = await Promise.all([slow(cache), sleep(20).then(() => slow(other))]);
        expect(runs).toBe(2);
        expect([a, b].sort()).toStrictEqual([1, 2]);
      });
    });
  });
}
