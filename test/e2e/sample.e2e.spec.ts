/**
 * End-to-end test of the sample application (sample/): boots its AppModule over HTTP on the
 * in-memory backend and on the harness' real Redis, and checks each recipe as a client sees it.
 * Every run uses its own key prefix and removes its keys afterwards, so reruns are independent.
 */
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheRegistry, CacheService, type BackendKind } from 'nestjs-cachex';
import request from 'supertest';
import { AppModule } from '../../sample/src/app.module.js';
import { testServers } from '../harness/servers.js';
import { deleteKeys } from '../support/delete-keys.js';

const FOURTEEN_DAYS_MS = 14 * 24 * 60 * 60 * 1000;

interface Backend {
  kind: BackendKind;
  /** Resolved lazily: testServers() needs the servers project's global setup. */
  location: () => string;
}

const backends: Backend[] = [
  { kind: 'memory', location: () => 'memory://' },
  { kind: 'redis', location: () => testServers().redis.url },
];

describe.each(backends)('sample app on the $kind backend', ({ kind, location }) => {
  const keyPrefix = `sample-e2e-${kind}-${process.pid}-${Date.now()}`;
  let app: INestApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot({ location: location(), keyPrefix })],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    if (kind !== 'memory') await deleteKeys(location(), keyPrefix);
    await app?.close();
  });

  it('GET /health reports the backend and the registered caches', async () => {
    const res = await http().get('/health').expect(200);
    expect(res.body).toEqual({ backend: kind, caches: ['default', 'sessions'] });
  });

  it('GET /health/ready reports both caches up to terminus, with their PING round trip', async () => {
    const res = await http().get('/health/ready').expect(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      info: {
        'cache:default': { status: 'up', pingMs: expect.any(Number) },
        'cache:sessions': { status: 'up', pingMs: expect.any(Number) },
      },
      error: {},
    });
  });

  it('GET /health/stats counts the miss, the write and the hit of a read-through product', async () => {
    const before = (await http().get('/health/stats').expect(200)).body;
    await http().get('/products/77').expect(200);
    await http().get('/products/77').expect(200);
    const after = (await http().get('/health/stats').expect(200)).body;
    expect(after.ops.misses - before.ops.misses).toBe(1);
    expect(after.ops.sets - before.ops.sets).toBe(1);
    expect(after.ops.hits - before.ops.hits).toBe(1);
    expect(after.ops.errors).toBe(0);
  });

  describe('products: getOrSet and deletePattern', () => {
    it('serves the second GET of a product from the cache', async () => {
      const first = await http().get('/products/1').expect(200);
      expect(first.body).toMatchObject({
        product: { id: 1, name: 'Product 1' },
        fromCache: false,
        loads: 1,
      });

      const second = await http().get('/products/1').expect(200);
      expect(second.body).toEqual({ product: first.body.product, fromCache: true, loads: 1 });
    });

    it('loads a product once for concurrent requests', async () => {
      const responses = await Promise.all([1, 2, 3].map(() => http().get('/products/10')));
      for (const res of responses) expect(res.status).toBe(200);
      expect(responses.map((res) => res.body.loads)).toEqual([1, 1, 1]);
      expect(responses.filter((res) => !res.body.fromCache)).toHaveLength(1);
    });

    it('DELETE /products removes the cached products, and only them', async () => {
      await http().get('/products/2').expect(200);
      await http().get('/products/3').expect(200);
      const before = await http().get('/products/2').expect(200);
      expect(before.body.fromCache).toBe(true);
      const counter = (await http().get('/counter').expect(200)).body.value;

      const deleted = await http().delete('/products').expect(200);
      // Products 2 and 3, plus those cached by the other tests of this block.
      expect(deleted.body.deleted).toBeGreaterThanOrEqual(2);

      const after = await http().get('/products/2').expect(200);
      expect(after.body.fromCache).toBe(false);
      expect(after.body.loads).toBe(2);
      expect(after.body.product.loadedAt).not.toBe(before.body.product.loadedAt);
      // The counter lives in the same cache and survives the pattern deletion.
      expect((await http().get('/counter').expect(200)).body.value).toBe(counter + 1);
    });

    it('DELETE /products reports 0 when nothing is cached', async () => {
      await http().delete('/products').expect(200);
      expect((await http().delete('/products').expect(200)).body).toEqual({ deleted: 0 });
    });

    it('rejects a non-numeric product id with 400', async () => {
      await http().get('/products/abc').expect(400);
    });
  });

  describe('products: @CacheResponse', () => {
    it('GET /products is a MISS, then a HIT with the same body and ETag', async () => {
      const miss = await http().get('/products?limit=2').expect(200);
      expect(miss.headers['x-cache']).toBe('MISS');
      expect(miss.body.products.map((p: { id: number }) => p.id)).toEqual([100, 101]);
      const hit = await http().get('/products?limit=2').expect(200);
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.body).toEqual(miss.body);
      expect(hit.headers['etag']).toBe(miss.headers['etag']);
      await http().get('/products?limit=2').set('If-None-Match', miss.headers['etag']).expect(304);
    });
  });

  describe('users: versioned key groups', () => {
    it('caches the profile until the user is invalidated, then reloads it', async () => {
      const first = await http().get('/users/7/profile').expect(200);
      expect(first.body).toMatchObject({
        profile: { id: 7, displayName: 'User 7' },
        version: 1,
        fromCache: false,
      });
      const cached = await http().get('/users/7/profile').expect(200);
      expect(cached.body).toEqual({ ...first.body, fromCache: true });

      const invalidated = await http().post('/users/7/invalidate').expect(200);
      expect(invalidated.body).toEqual({ version: 2 });

      const reloaded = await http().get('/users/7/profile').expect(200);
      expect(reloaded.body).toMatchObject({ version: 2, fromCache: false });
      expect(reloaded.body.profile.loadedAt).not.toBe(first.body.profile.loadedAt);
      const again = await http().get('/users/7/profile').expect(200);
      expect(again.body).toEqual({ ...reloaded.body, fromCache: true });

      expect((await http().post('/users/7/invalidate').expect(200)).body).toEqual({ version: 3 });
    });

    it("invalidating one user leaves the others' entries cached", async () => {
      const other = await http().get('/users/8/profile').expect(200);
      await http().post('/users/9/invalidate').expect(200);
      const still = await http().get('/users/8/profile').expect(200);
      expect(still.body).toEqual({ ...other.body, fromCache: true });
    });
  });

  describe('users: @Cacheable with tags, @CacheEvict', () => {
    it('serves the user data from the cache until a rename evicts its tag', async () => {
      const first = await http().get('/users/31/data').expect(200);
      expect(first.body.profile).toMatchObject({ id: 31, displayName: 'User 31' });
      const second = await http().get('/users/31/data').expect(200);
      expect(second.body).toEqual({ profile: first.body.profile, loads: first.body.loads });

      await http().post('/users/31/rename').send({ displayName: 'Ada' }).expect(204);
      const third = await http().get('/users/31/data').expect(200);
      expect(third.body.profile).toMatchObject({ id: 31, displayName: 'Ada' });
      expect(third.body.loads).toBe(first.body.loads + 1);
      await http().post('/users/31/rename').send({}).expect(400);
    });
  });

  describe('sessions: log-in sessions on the sessions cache', () => {
    const cookieOf = (res: request.Response) =>
      ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? [])
        .find((c) => c.startsWith('cachex.sid='))
        ?.split(';')[0];

    it('POST /login sets a cookie; GET /me reads the session; POST /logout ends it', async () => {
      await http().get('/me').expect(401);
      const login = await http().post('/login').send({ user: 'ada' }).expect(200);
      expect(login.body).toEqual({ user: 'ada' });
      const cookie = cookieOf(login)!;
      expect(cookie).toMatch(/^cachex\.sid=[\w-]{32}\.[\w-]{43}$/);

      const me = await http().get('/me').set('Cookie', cookie).expect(200);
      expect(me.body).toEqual({ user: 'ada', loggedInAt: expect.any(String) });

      // Stored in the sessions cache, with its 14-day TTL, not in the default one.
      const key = `session:${cookie.slice('cachex.sid='.length).split('.')[0]}`;
      const sessions = app.get(CacheRegistry).get('sessions');
      expect(await sessions.hget(key, 'user')).toBe('ada');
      const ttlMs = (await sessions.ttl(key))!;
      expect(ttlMs).toBeGreaterThan(FOURTEEN_DAYS_MS - 60_000);
      expect(ttlMs).toBeLessThanOrEqual(FOURTEEN_DAYS_MS);
      expect(await app.get(CacheService).has(key)).toBe(false);

      const logout = await http().post('/logout').set('Cookie', cookie).expect(204);
      expect(logout.headers['set-cookie']).toEqual([
        expect.stringMatching(/^cachex\.sid=;.*Max-Age=0/),
      ]);
      expect(await sessions.has(key)).toBe(false);
      await http().get('/me').set('Cookie', cookie).expect(401);
    });

    it('POST /login gives a logged-in visitor a new session id', async () => {
      const first = cookieOf(await http().post('/login').send({ user: 'bob' }).expect(200))!;
      const second = cookieOf(
        await http().post('/login').set('Cookie', first).send({ user: 'bob' }).expect(200),
      )!;
      expect(second).not.toBe(first);
      await http().get('/me').set('Cookie', first).expect(401);
      expect((await http().get('/me').set('Cookie', second).expect(200)).body.user).toBe('bob');
    });

    it('POST /login without a user answers 400 and starts no session', async () => {
      const res = await http().post('/login').send({}).expect(400);
      expect(res.headers['set-cookie']).toBeUndefined();
    });
  });

  describe('search: rate limiting', () => {
    it('admits 5 searches per 10 s per client with RateLimit headers; the 6th is 429 with Retry-After', async () => {
      for (let remaining = 4; remaining >= 0; remaining--) {
        const res = await http().get('/search?q=re').expect(200);
        expect(res.body).toEqual({ query: 're', results: ['redis'] });
        expect(res.headers['ratelimit-policy']).toBe('"default";q=5;w=10');
        expect(res.headers['ratelimit']).toBe(`"default";r=${remaining};t=10`);
      }
      const refused = await http().get('/search?q=re').expect(429);
      expect(refused.headers['retry-after']).toBe('10');
      expect(refused.body.statusCode).toBe(429);
    });
  });

  describe('leaderboard: sorted sets and a pipeline', () => {
    it('keeps scores, ranks players best first, and reads a standing in one pipeline', async () => {
      const player = (name: string) => `${name}-${Date.now()}`;
      const [ann, bob, cid] = [player('ann'), player('bob'), player('cid')];
      await http().post(`/leaderboard/${ann}`).send({ points: 5 }).expect(200);
      await http().post(`/leaderboard/${bob}`).send({ points: 7 }).expect(200);
      expect(
        (await http().post(`/leaderboard/${ann}`).send({ points: 3 }).expect(200)).body,
      ).toEqual({
        player: ann,
        score: 8,
      });
      await http().post(`/leaderboard/${cid}`).send({}).expect(200);
      await http().post(`/leaderboard/${cid}`).send({ points: 'many' }).expect(400);

      const top = (await http().get('/leaderboard?limit=100').expect(200)).body as Array<{
        player: string;
        score: number;
      }>;
      const ours = top.filter((s) => [ann, bob, cid].includes(s.player));
      expect(ours).toEqual([
        { player: ann, score: 8 },
        { player: bob, score: 7 },
        { player: cid, score: 1 },
      ]);

      const standing = (await http().get(`/leaderboard/${bob}`).expect(200)).body;
      expect(standing).toMatchObject({ player: bob, score: 7 });
      expect(standing.rank).toBe(top.findIndex((s) => s.player === bob) + 1);
      expect(standing.players).toBeGreaterThanOrEqual(3);
      expect((await http().get('/leaderboard/nobody-at-all').expect(200)).body).toEqual({
        player: 'nobody-at-all',
        players: standing.players,
      });
    });
  });

  describe('counter: atomic incr', () => {
    it('increments by one on each GET', async () => {
      const start = (await http().get('/counter').expect(200)).body.value;
      expect(Number.isInteger(start)).toBe(true);
      expect((await http().get('/counter').expect(200)).body).toEqual({ value: start + 1 });
      expect((await http().get('/counter').expect(200)).body).toEqual({ value: start + 2 });
    });

    it('gives each of concurrent requests its own value', async () => {
      const start = (await http().get('/counter').expect(200)).body.value;
      const responses = await Promise.all(Array.from({ length: 10 }, () => http().get('/counter')));
      const values = responses.map((res) => res.body.value).sort((a, b) => a - b);
      expect(values).toEqual(Array.from({ length: 10 }, (_, i) => start + 1 + i));
    });
  });

  describe('reports: a lock-protected job (@WithLock with onLocked: skip)', () => {
    it('of two concurrent runs, one builds the report and the other is skipped', async () => {
      const responses = await Promise.all([1, 2].map(() => http().post('/reports/nightly')));
      for (const res of responses) expect(res.status).toBe(200);
      const statuses = responses.map((res) => res.body.status).sort();
      expect(statuses).toEqual(['done', 'skipped']);
      const done = responses.find((res) => res.body.status === 'done')!.body;
      expect(done.report).toEqual({
        generatedAt: expect.any(String),
        fencingToken: expect.any(Number),
      });

      // Once the run is over the job can run again, with a higher fencing token.
      const next = await http().post('/reports/nightly').expect(200);
      expect(next.body.status).toBe('done');
      expect(next.body.report.fencingToken).toBeGreaterThan(done.report.fencingToken);
    });
  });
});
