/**
 * The stores for existing apps, driven by the session libraries themselves: `ExpressSessionStore`
 * under `express-session`, `FastifySessionStore` under `@fastify/session`, each on the memory
 * backend and on Redis.
 */
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import express from 'express';
import session from 'express-session';
import fastify from 'fastify';
import request from 'supertest';
import {
  CacheRegistry,
  ExpressSessionStore,
  FastifySessionStore,
  type CacheService,
} from '../../lib/index.js';
import { uniquePrefix } from '../contract/cache.contract.js';
import { testServers } from '../harness/index.js';

const SECRET = 'a-test-secret-of-at-least-32-characters';

declare module 'express-session' {
  interface SessionData {
    userId: number;
  }
}

const backends = [
  { backend: 'memory', location: () => 'memory://' },
  { backend: 'redis', location: () => testServers().redis.url },
];

const cookieOf = (res: request.Response) =>
  (res.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;

describe.each(backends)('session stores on $backend', ({ location }) => {
  let registry: CacheRegistry;
  let cache: CacheService;

  beforeEach(async () => {
    registry = await CacheRegistry.create({
      default: { location: location(), keyPrefix: uniquePrefix(), ttl: '1h' },
    });
    cache = registry.get('default');
  });

  afterEach(async () => {
    await cache.clear();
    await registry.onApplicationShutdown();
  });

  /** Calls a callback-style store method as a promise. */
  const call = <T>(fn: (cb: (error?: unknown, result?: T) => void) => void): Promise<T> =>
    new Promise((resolve, reject) =>
      fn((error, result) => (error ? reject(error) : resolve(result as T))),
    );

  describe('ExpressSessionStore under express-session', () => {
    function app(store: ExpressSessionStore) {
      const server = express();
      server.use(
        session({
          store,
          secret: SECRET,
          resave: false,
          saveUninitialized: false,
          cookie: { maxAge: 60_000 },
        }),
      );
      server.post('/login', (req, res) => {
        req.session.regenerate((error) => {
          if (error) return res.status(500).end();
          req.session.userId = 42;
          res.json({ ok: true });
        });
      });
      server.get('/me', (req, res) => res.json({ userId: req.session.userId ?? null }));
      server.post('/logout', (req, res) => req.session.destroy(() => res.json({ ok: true })));
      return server;
    }

    it('logs in, reads, and logs out through express-session', async () => {
      const store = new ExpressSessionStore(cache);
      const server = app(store);
      const login = await request(server).post('/login').expect(200);
      const cookie = cookieOf(login);
      expect((await request(server).get('/me').set('Cookie', cookie).expect(200)).body).toEqual({
        userId: 42,
      });
      const ids = await call<string[]>((cb) => store.ids(cb));
      expect(ids).toHaveLength(1);
      // Stored whole under session:<id>, expiring with the cookie (60 s).
      // NOTE: express-session derives originalMaxAge from `expires - Date.now()`, so it reads
      // 59 999 when a millisecond passes while it builds the cookie.
      const stored = await cache.get<{ userId: number; cookie: { originalMaxAge: number } }>(
        `session:${ids[0]}`,
      );
      expect(stored?.userId).toBe(42);
      expect(stored?.cookie.originalMaxAge).toBeGreaterThan(59_000);
      expect(stored?.cookie.originalMaxAge).toBeLessThanOrEqual(60_000);
      const ttl = (await cache.ttl(`session:${ids[0]}`))!;
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      await request(server).post('/logout').set('Cookie', cookie).expect(200);
      expect((await request(server).get('/me').set('Cookie', cookie).expect(200)).body).toEqual({
        userId: null,
      });
      expect(await call<number>((cb) => store.length(cb))).toBe(0);
    });

    it('touch renews a live session and never recreates an expired or destroyed one', async () => {
      const store = new ExpressSessionStore(cache);
      const sess = {
        cookie: { expires: new Date(Date.now() + 60_000), originalMaxAge: 60_000 },
        userId: 1,
      };
      await call((cb) => store.set('live', sess, cb));
      await call((cb) =>
        store.touch(
          'live',
          { ...sess, cookie: { ...sess.cookie, expires: new Date(Date.now() + 120_000) } },
          cb,
        ),
      );
      expect((await cache.ttl('session:live'))!).toBeGreaterThan(115_000);
      await call((cb) => store.touch('gone', sess, cb));
      expect(await cache.has('session:gone')).toBe(false);
      await call((cb) => store.destroy('live', cb));
      await call((cb) => store.touch('live', sess, cb));
      expect(await call((cb) => store.get('live', cb))).toBeNull();
      // A session that expired meanwhile is not brought back by a touch.
      const short = { cookie: { expires: new Date(Date.now() + 150) } };
      await call((cb) => store.set('short', short, cb));
      expect(await cache.has('session:short')).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 250));
      await call((cb) => store.touch('short', sess, cb));
      expect(await cache.has('session:short')).toBe(false);
      // A session whose cookie expired already is not stored.
      await call((cb) =>
        store.set('old', { cookie: { expires: new Date(Date.now() - 1000) } }, cb),
      );
      expect(await cache.has('session:old')).toBe(false);
    });

    it('all, length, ids and clear cover the sessions of the cache only', async () => {
      const store = new ExpressSessionStore(cache, { ttl: '10m' });
      const [a, b] = [
        { cookie: {}, n: 1 },
        { cookie: {}, n: 2 },
      ];
      await call((cb) => store.set('a', a, cb));
      await call((cb) => store.set('b', b, cb));
      await cache.set('other', 'kept');
      expect((await cache.ttl('session:a'))!).toBeGreaterThan(590_000);
      const all = await call<Array<{ id: string; n: number }>>((cb) => store.all(cb));
      expect(all.map(({ id, n }) => [id, n]).sort()).toEqual([
        ['a', 1],
        ['b', 2],
      ]);
      expect(await call((cb) => store.length(cb))).toBe(2);
      expect((await call<string[]>((cb) => store.ids(cb))).sort()).toEqual(['a', 'b']);
      await call((cb) => store.clear(cb));
      expect(await call((cb) => store.length(cb))).toBe(0);
      expect(await cache.get('other')).toBe('kept');
    });
  });

  describe('FastifySessionStore under @fastify/session', () => {
    async function app(store: FastifySessionStore) {
      const server = fastify();
      await server.register(fastifyCookie);
      await server.register(fastifySession, {
        secret: SECRET,
        store,
        saveUninitialized: false,
        cookie: { secure: false, maxAge: 60_000 },
      });
      server.post('/login', async (req) => {
        await req.session.regenerate();
        req.session.set('userId' as never, 42 as never);
        return { ok: true };
      });
      server.get('/me', async (req) => ({ userId: req.session.get('userId' as never) ?? null }));
      server.post('/logout', async (req) => {
        await req.session.destroy();
        return { ok: true };
      });
      await server.ready();
      return server;
    }

    it('logs in, reads, and logs out through @fastify/session', async () => {
      const server = await app(new FastifySessionStore(cache));
      try {
        const login = await request(server.server).post('/login').expect(200);
        const cookie = cookieOf(login);
        expect(
          (await request(server.server).get('/me').set('Cookie', cookie).expect(200)).body,
        ).toEqual({
          userId: 42,
        });
        const keys = await cache.keys('session:*');
        expect(keys).toHaveLength(1);
        const ttl = (await cache.ttl(keys[0]!))!;
        expect(ttl).toBeGreaterThan(55_000);
        expect(ttl).toBeLessThanOrEqual(60_000);
        await request(server.server).post('/logout').set('Cookie', cookie).expect(200);
        expect(await cache.keys('session:*')).toEqual([]);
        expect(
          (await request(server.server).get('/me').set('Cookie', cookie).expect(200)).body,
        ).toEqual({
          userId: null,
        });
      } finally {
        await server.close();
      }
    });
  });
});
