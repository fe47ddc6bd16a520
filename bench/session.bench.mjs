// Sessions against express-session + connect-redis, on one Redis server this script starts
// (redis-server on a free loopback port, no persistence):
//   1. store operations: ExpressSessionStore (on a cache) vs connect-redis' RedisStore (node-redis
//      5) doing get/set/touch of the same sessions, next to raw ioredis sending connect-redis'
//      commands batched per tick (the floor of a store on ioredis), plus the module's own session
//      storage;
//   2. an HTTP route that reads the session, in a Nest app (Express adapter) served by a child
//      process: CacheXModule's `session` vs express-session + connect-redis, measured with
//      autocannon (20 connections).
// Rounds interleave the contenders, and each figure is the median of its rounds, so that other
// load on the machine hits all of them alike.
// Runs on the built package: npm run build && node bench/session.bench.mjs [--quick]
/* global clearTimeout, fetch */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { RedisStore } from 'connect-redis';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { CacheRegistry, ExpressSessionStore } from '../dist/index.js';
import { resolveSessionSettings } from '../dist/session/session.config.js';
import { SessionStorage } from '../dist/session/session-storage.js';
import { startServer } from './support/redis-server.mjs';

const QUICK = process.argv.includes('--quick');
const SECRET = 'a-benchmark-secret-of-at-least-32-characters';
const OPS = QUICK ? 1_000 : 4_000;
const CONCURRENCY = 32;
const ROUNDS = QUICK ? 2 : 11;
const HTTP_ROUNDS = QUICK ? 1 : 3;
const HTTP_SECONDS = QUICK ? 2 : 4;
const SESSIONS = 1_000;
const DAY_MS = 86_400_000;

/** A session as express-session hands it to a store: a cookie (with a Date) and some data. */
const sessionData = () => ({
  cookie: {
    originalMaxAge: DAY_MS,
    expires: new Date(Date.now() + DAY_MS),
    httpOnly: true,
    path: '/',
  },
  userId: 42,
  roles: ['user'],
  cart: [{ sku: 'A-1', qty: 2 }],
});

const promised = (fn) =>
  new Promise((resolve, reject) =>
    fn((error, result) => (error ? reject(error) : resolve(result))),
  );

/** Runs `op(i)` OPS times with CONCURRENCY in flight; answers operations per second. */
async function measure(op) {
  let next = 0;
  const worker = async () => {
    while (next < OPS) await op(next++);
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return OPS / ((performance.now() - started) / 1000);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function storeBench(url) {
  const registry = await CacheRegistry.create({
    default: { location: url, keyPrefix: 'bench-cachex', ttl: '1d' },
  });
  const cache = registry.get('default');
  const ours = new ExpressSessionStore(cache);
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  const theirs = new RedisStore({ client, prefix: 'bench-cr:' });
  // The floor for a store on ioredis: the very commands connect-redis sends (JSON text, GET,
  // SET … PX, PEXPIRE) on a raw ioredis client whose commands of one tick leave in one write.
  const raw = new Redis(url);
  let corked = false;
  const cork = () => {
    if (corked) return;
    corked = true;
    raw.stream.cork();
    process.nextTick(() => {
      corked = false;
      raw.stream.uncork();
    });
  };
  const storage = new SessionStorage(resolveSessionSettings({ secret: SECRET }), registry);
  const sess = sessionData();
  const fields = new Map(
    Object.entries({ userId: 42, roles: ['user'], cart: sess.cart }).map(([k, v]) => [
      k,
      storage.encode(k, v),
    ]),
  );
  const id = (i) => `session-${i % SESSIONS}`;
  // The module's sessions are hashes: other ids than the store's whole sessions.
  const moduleId = (i) => `module-${i % SESSIONS}`;
  for (let i = 0; i < SESSIONS; i++) {
    await promised((cb) => ours.set(id(i), sess, cb));
    await promised((cb) => theirs.set(id(i), sess, cb));
    await storage.save(moduleId(i), false, fields, new Set());
  }
  const contenders = {
    'get ExpressSessionStore': (i) => promised((cb) => ours.get(id(i), cb)),
    'get connect-redis': (i) => promised((cb) => theirs.get(id(i), cb)),
    'set ExpressSessionStore': (i) => promised((cb) => ours.set(id(i), sess, cb)),
    'set connect-redis': (i) => promised((cb) => theirs.set(id(i), sess, cb)),
    'touch ExpressSessionStore': (i) => promised((cb) => ours.touch(id(i), sess, cb)),
    'touch connect-redis': (i) => promised((cb) => theirs.touch(id(i), sess, cb)),
    'get raw ioredis, batched': (i) => {
      cork();
      return raw.get(`bench-cr:${id(i)}`).then((text) => JSON.parse(text));
    },
    'set raw ioredis, batched': (i) => {
      cork();
      return raw.set(`bench-cr:${id(i)}`, JSON.stringify(sess), 'PX', DAY_MS);
    },
    'touch raw ioredis, batched': (i) => {
      cork();
      return raw.pexpire(`bench-cr:${id(i)}`, DAY_MS);
    },
    'load (module sessions)': (i) => storage.load(moduleId(i)),
    'save 1 field (module sessions)': (i) =>
      storage.save(moduleId(i), true, new Map([['userId', fields.get('userId')]]), new Set()),
    'touch (module sessions)': (i) => storage.touch(moduleId(i)),
  };
  const results = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (const op of Object.values(contenders)) for (let i = 0; i < 300; i++) await op(i);
  for (let round = 0; round < ROUNDS; round++) {
    const names = Object.keys(contenders);
    if (round % 2 === 1) names.reverse();
    for (const name of names) results[name].push(await measure(contenders[name]));
    process.stderr.write(`store round ${round + 1}/${ROUNDS} done\n`);
  }
  await cache.clear();
  await client.quit();
  raw.disconnect();
  await registry.onApplicationShutdown();
  return Object.fromEntries(Object.entries(results).map(([name, runs]) => [name, median(runs)]));
}

/** Starts an app of `kind` in a child process; resolves to its port and a stop function. */
function startApp(kind, url) {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', kind, url], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${kind} app exited with ${code}`)));
    child.once('message', (port) =>
      resolve({
        port,
        /** The app process' CPU time so far, in µs (user + system). */
        cpu: () =>
          new Promise((answer) => {
            child.once('message', ({ user, system }) => answer(user + system));
            child.send('cpu');
          }),
        stop: () =>
          new Promise((done) => {
            child.removeAllListeners('exit');
            child.once('exit', done);
            child.kill('SIGTERM');
          }),
      }),
    );
  });
}

async function httpBench(url) {
  const kinds = [
    'cachex',
    'express-session (defaults)',
    'express-session (resave: false)',
    'no session (reference)',
  ];
  const apps = {};
  for (const kind of kinds) apps[kind] = await startApp(kind, url);
  const results = Object.fromEntries(kinds.map((kind) => [kind, []]));
  const appCpu = Object.fromEntries(kinds.map((kind) => [kind, []]));
  const redisCpu = Object.fromEntries(kinds.map((kind) => [kind, []]));
  const info = createClient({ url });
  info.on('error', () => undefined);
  await info.connect();
  /** Redis' CPU time so far, in µs, from INFO CPU. */
  const serverCpu = async () => {
    const text = await info.info('cpu');
    const seconds = (name) => Number(new RegExp(`${name}:([0-9.]+)`).exec(text)[1]);
    return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6;
  };
  try {
    const cookies = {};
    for (const kind of kinds) {
      const res = await fetch(`http://127.0.0.1:${apps[kind].port}/login`, { method: 'POST' });
      cookies[kind] = res.headers.getSetCookie()[0]?.split(';')[0] ?? '';
      const check = await fetch(`http://127.0.0.1:${apps[kind].port}/read`, {
        headers: { cookie: cookies[kind] },
      });
      const body = await check.json();
      if (body.userId !== 42 && kind !== 'no session (reference)')
        throw new Error(`${kind}: the session was not read (${JSON.stringify(body)})`);
    }
    const run = (kind, duration) =>
      autocannon({
        url: `http://127.0.0.1:${apps[kind].port}/read`,
        connections: 20,
        duration,
        headers: { cookie: cookies[kind] },
      });
    for (const kind of kinds) await run(kind, 1);
    for (let round = 0; round < HTTP_ROUNDS; round++) {
      const order = round % 2 === 1 ? [...kinds].reverse() : kinds;
      for (const kind of order) {
        const [app0, redis0] = [await apps[kind].cpu(), await serverCpu()];
        const result = await run(kind, HTTP_SECONDS);
        const [app1, redis1] = [await apps[kind].cpu(), await serverCpu()];
        if (result.non2xx > 0 || result.errors > 0)
          throw new Error(`${kind}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
        results[kind].push(result.requests.average);
        appCpu[kind].push((app1 - app0) / result.requests.total);
        redisCpu[kind].push((redis1 - redis0) / result.requests.total);
      }
      process.stderr.write(`http round ${round + 1}/${HTTP_ROUNDS} done\n`);
    }
  } finally {
    for (const app of Object.values(apps)) await app.stop();
    await info.quit();
  }
  return Object.fromEntries(
    kinds.map((kind) => [
      kind,
      { rps: median(results[kind]), app: median(appCpu[kind]), redis: median(redisCpu[kind]) },
    ]),
  );
}

/** The child process: a Nest app (Express adapter) with a `POST /login` and a `GET /read` route. */
async function serve(kind, url) {
  // Nest from the repository's node_modules, the copy the built library uses: bench/ has its
  // own @nestjs/core (for @nestjs/cache-manager), whose classes the library would not recognise.
  const { Controller, Get, Module, Post, Req } =
    await import('../node_modules/@nestjs/common/index.js');
  const { NestFactory } = await import('../node_modules/@nestjs/core/index.js');
  const { CacheXModule, Session } = await import('../dist/index.js');
  const route = (cls, name, decorator) =>
    decorator(cls.prototype, name, Object.getOwnPropertyDescriptor(cls.prototype, name));

  let controller;
  const imports = [];
  if (kind === 'cachex') {
    controller = class SessionController {
      async login(session) {
        await session.regenerate();
        session.set('userId', 42);
        return { ok: true };
      }
      read(session) {
        return { userId: session.get('userId') };
      }
    };
    Session()(controller.prototype, 'login', 0);
    Session()(controller.prototype, 'read', 0);
    imports.push(
      CacheXModule.forRoot(
        { default: { location: url, keyPrefix: 'bench-http', ttl: '1d' } },
        { session: { secret: SECRET } },
      ),
    );
  } else if (kind === 'no session (reference)') {
    controller = class SessionController {
      login() {
        return { ok: true };
      }
      read() {
        return { userId: 42 };
      }
    };
  } else {
    controller = class SessionController {
      login(req) {
        req.session.userId = 42;
        return { ok: true };
      }
      read(req) {
        return { userId: req.session.userId };
      }
    };
    Req()(controller.prototype, 'login', 0);
    Req()(controller.prototype, 'read', 0);
  }
  route(controller, 'login', Post('login'));
  route(controller, 'read', Get('read'));
  Controller()(controller);
  class AppModule {}
  Module({ imports, controllers: [controller] })(AppModule);

  const app = await NestFactory.create(AppModule, { logger: false });
  if (kind.startsWith('express-session')) {
    const { default: session } = await import('express-session');
    const client = createClient({ url });
    client.on('error', () => undefined);
    await client.connect();
    const store = new RedisStore({ client, prefix: 'bench-http-es:' });
    app.use(
      kind === 'express-session (defaults)'
        ? session({ store, secret: SECRET, resave: true, saveUninitialized: true })
        : session({ store, secret: SECRET, resave: false, saveUninitialized: false }),
    );
  }
  await app.listen(0, '127.0.0.1');
  process.on('SIGTERM', () => void app.close().finally(() => process.exit(0)));
  process.on('message', () => process.send(process.cpuUsage()));
  process.send(app.getHttpServer().address().port);
}

const format = (n) => Math.round(n).toLocaleString('en-US').padStart(10);

async function main() {
  const redis = await startServer();
  let store;
  let http;
  try {
    store = await storeBench(redis.url);
    http = await httpBench(redis.url);
  } finally {
    await redis.stop();
  }
  console.log(
    `Sessions on Redis, Node ${process.version}, ${cpus()[0]?.model ?? ''} × ${cpus().length}` +
      `${QUICK ? ' (quick run)' : ''}`,
  );
  console.log(
    `\nStore operations, ${OPS} per round, ${CONCURRENCY} in flight, median of ${ROUNDS}:`,
  );
  for (const [name, opsPerSecond] of Object.entries(store))
    console.log(`  ${name.padEnd(34)} ${format(opsPerSecond)} ops/s`);
  for (const op of ['get', 'set', 'touch']) {
    const ratio = store[`${op} ExpressSessionStore`] / store[`${op} connect-redis`];
    const floor = store[`${op} raw ioredis, batched`] / store[`${op} connect-redis`];
    console.log(
      `  ${op}: ExpressSessionStore / connect-redis = ${ratio.toFixed(2)}× (goal ≥ 1.0×; ` +
        `raw ioredis, batched per tick: ${floor.toFixed(2)}×)`,
    );
  }
  console.log(
    `\nGET /read (reads the session), 20 connections, median of ${HTTP_ROUNDS} × ${HTTP_SECONDS} s:`,
  );
  console.log(
    `  ${''.padEnd(34)} ${'req/s'.padStart(10)} ${'app µs/req'.padStart(11)} ${'redis µs/req'.padStart(13)}`,
  );
  for (const [name, { rps, app, redis }] of Object.entries(http))
    console.log(
      `  ${name.padEnd(34)} ${format(rps)} ${app.toFixed(0).padStart(11)} ${redis.toFixed(1).padStart(13)}`,
    );
  for (const baseline of ['express-session (defaults)', 'express-session (resave: false)']) {
    const ours = http.cachex;
    const theirs = http[baseline];
    console.log(
      `  cachex vs ${baseline}: throughput ${(ours.rps / theirs.rps).toFixed(2)}× (goal ≥ 1.5×), ` +
        `CPU per request (app + redis) ${((theirs.app + theirs.redis) / (ours.app + ours.redis)).toFixed(2)}× less`,
    );
  }
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3], process.argv[4]);
} else {
  const timeout = setTimeout(() => {
    console.error('benchmark timed out');
    process.exit(1);
  }, 240_000);
  timeout.unref();
  await main();
  clearTimeout(timeout);
}
