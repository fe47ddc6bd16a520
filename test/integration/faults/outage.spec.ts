/**
 * Issue 11, fault tests 1 and 2: the server killed (kill -9) while 200 calls per cache are in
 * flight and restarted on the same port, and the server paused (SIGSTOP) for 3 s. Every call
 * settles within the command timeout and a margin (a typed error with `onError: 'throw'`, a
 * miss or "not written" with `'ignore'`), nothing is left unhandled, the application recovers
 * without a restart, and each outage is logged once and its end once. The figures go to the
 * README ("Reliability and security").
 */
import { jest } from '@jest/globals';
import { Logger, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CacheXConnectionError,
  CacheXModule,
  getCacheToken,
  WrongTypeError,
  type CacheService,
} from '../../../lib/index.js';
import { spawnRedis, type SpawnedRedis } from '../../harness/index.js';
import {
  MARGIN_MS,
  TIMEOUT_MS,
  report,
  serverPid,
  settle,
  timeUntil,
  watchUnhandledRejections,
  type Settled,
} from './outage-support.js';

const CALLS = 200;
jest.setTimeout(30_000);
const unhandled = watchUnhandledRejections();

type Kind = 'get' | 'set' | 'incr';
const kindOf = (i: number): Kind => (['get', 'set', 'incr'] as const)[i % 3]!;

/** 200 concurrent get/set/incr on a cache, started now. */
function burst(cache: CacheService, tag: string): Array<Promise<Settled & { kind: Kind }>> {
  return Array.from({ length: CALLS }, (_, i) => {
    const kind = kindOf(i);
    const call =
      kind === 'get'
        ? () => cache.get(`${tag}:k${i}`)
        : kind === 'set'
          ? () => cache.set(`${tag}:k${i}`, i)
          : () => cache.incr(`${tag}:n${i}`);
    return settle(call).then((s) => ({ ...s, kind }));
  });
}

/** Checks how each call of a burst settled, per the cache's `onError`; answers the counts. */
function check(
  results: Array<Settled & { kind: Kind }>,
  onError: 'throw' | 'ignore',
  down: boolean,
): { failed: number; degraded: number; answered: number; slowest: number } {
  let failed = 0;
  let degraded = 0;
  let answered = 0;
  for (const r of results) {
    expect(r.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    if (!r.ok) {
      // Only connection failures: lost connection, timed out, or outcome unknown.
      expect(r.error).toBeInstanceOf(CacheXConnectionError);
      // `incr` cannot pretend: it throws whatever `onError` says.
      if (onError === 'ignore') expect(r.kind).toBe('incr');
      failed++;
    } else if (
      onError === 'ignore' &&
      ((r.kind === 'get' && r.value === undefined) || (r.kind === 'set' && r.value === false))
    ) {
      degraded++;
    } else {
      answered++;
    }
  }
  if (down) expect(answered).toBe(0);
  return { failed, degraded, answered, slowest: Math.max(...results.map((r) => r.ms)) };
}

/** Error and log lines of the Logger that name a cache. */
function outageLines(
  error: ReturnType<typeof jest.spyOn>,
  log: ReturnType<typeof jest.spyOn>,
  cache: string,
): { down: number; up: number } {
  const naming = (spy: ReturnType<typeof jest.spyOn>) =>
    spy.mock.calls.filter((args: unknown[]) => String(args[0]).startsWith(`Cache '${cache}'`))
      .length;
  return { down: naming(error), up: naming(log) };
}

describe('outages of a standalone server', () => {
  let server: SpawnedRedis;
  let pid: number;
  let app: INestApplication;
  let strict: CacheService;
  let lenient: CacheService;

  beforeAll(async () => {
    server = await spawnRedis();
    pid = await serverPid(server);
    const moduleRef = await Test.createTestingModule({
      imports: [
        CacheXModule.forRoot({
          default: { location: server.url, keyPrefix: 'outage-strict' },
          lenient: { location: server.url, keyPrefix: 'outage-lenient', onError: 'ignore' },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    strict = app.get(getCacheToken('default'));
    lenient = app.get(getCacheToken('lenient'));
  });

  afterAll(async () => {
    process.kill(pid, 'SIGCONT');
    await app?.close();
    await server?.stop();
    expect(unhandled).toEqual([]);
  });

  afterEach(() => jest.restoreAllMocks());

  it('kill -9 with 200 calls per cache in flight: each settles in time; the same port brings it back', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    await strict.set('kill:k0', 'warm');
    await lenient.set('kill:k0', 'warm');
    // Programming errors are never ignored: a wrong type throws with the server up.
    await expect(lenient.incr('kill:k0')).rejects.toBeInstanceOf(WrongTypeError);

    const inFlight = [...burst(strict, 'kill'), ...burst(lenient, 'kill')];
    // Issued and not answered: the server dies before it reads them, or while it answers them.
    process.kill(pid, 'SIGKILL');
    const first = await Promise.all(inFlight);
    const during = await Promise.all([...burst(strict, 'dead'), ...burst(lenient, 'dead')]);

    const strictFigures = [
      check(first.slice(0, CALLS), 'throw', false),
      check(during.slice(0, CALLS), 'throw', true),
    ];
    const lenientFigures = [
      check(first.slice(CALLS), 'ignore', false),
      check(during.slice(CALLS), 'ignore', true),
    ];

    // What `'ignore'` answers for each plain operation, and what it never pretends.
    expect(await lenient.has('kill:k0')).toBe(false);
    expect(await lenient.ttl('kill:k0')).toBeUndefined();
    expect(await lenient.getMany(['kill:k0', 'kill:k1'])).toEqual(new Map());
    expect(await lenient.getOrSet('kill:k0', () => 'computed')).toBe('computed');
    expect(await lenient.add('kill:new', 1)).toBe(false);
    expect(await lenient.delete('kill:k0')).toBe(false);
    expect(await lenient.deleteMany(['kill:k0'])).toBe(0);
    await expect(lenient.setMany({ 'kill:a': 1 })).resolves.toBeUndefined();
    expect(await lenient.expire('kill:k0', 1_000)).toBe(false);
    expect(await lenient.touch('kill:k0')).toBe(false);
    expect(await lenient.persist('kill:k0')).toBe(false);
    expect(await lenient.namespaceVersion('kill:ns')).toBe(1);
    for (const never of [
      () => lenient.decr('kill:n'),
      () => lenient.invalidateNamespace('kill:ns'),
      () => lenient.hget('kill:h', 'f'),
      () => lenient.pipeline().get('kill:k0').exec(),
      () => lenient.withLock('kill:lock', () => 'ran'),
      () => lenient.keys('kill:*'),
    ]) {
      await expect(never()).rejects.toBeInstanceOf(CacheXConnectionError);
    }

    await server.restart();
    pid = await serverPid(server);
    const strictRecovery = timeUntil(() => strict.set('kill:back', 1));
    const lenientRecovery = timeUntil(async () => {
      if (!(await lenient.set('kill:back', 1))) throw new CacheXConnectionError('not yet', 'x');
    });
    const [strictMs, lenientMs] = await Promise.all([strictRecovery, lenientRecovery]);
    expect(await strict.get('kill:back')).toBe(1);
    expect(await lenient.incr('kill:counter')).toBe(1);

    for (const [scenario, figures, recoverMs] of [
      ['kill -9 + restart, onError throw', strictFigures, strictMs],
      ["kill -9 + restart, onError 'ignore'", lenientFigures, lenientMs],
    ] as const) {
      report({
        scenario,
        calls: 2 * CALLS,
        failed: figures[0]!.failed + figures[1]!.failed,
        degraded: figures[0]!.degraded + figures[1]!.degraded,
        answered: figures[0]!.answered + figures[1]!.answered,
        timeToFailMs: Math.max(figures[0]!.slowest, figures[1]!.slowest),
        timeToRecoverMs: recoverMs,
      });
    }
    // Logged once each: the loss, and the return (when the client is ready again).
    await timeUntil(async () => {
      if (outageLines(error, log, 'lenient').up === 0) throw new CacheXConnectionError('', '');
    });
    expect(outageLines(error, log, 'default')).toEqual({ down: 1, up: 1 });
    expect(outageLines(error, log, 'lenient')).toEqual({ down: 1, up: 1 });
  });

  it('SIGSTOP for 3 s: calls time out per the command timeout; after SIGCONT everything recovers', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    await strict.set('stop:warm', 'before');
    await lenient.set('stop:warm', 'before');

    process.kill(pid, 'SIGSTOP');
    const stoppedAt = performance.now();
    let results: Array<Settled & { kind: Kind }>;
    try {
      results = await Promise.all([...burst(strict, 'stop'), ...burst(lenient, 'stop')]);
      // Still paused: a second wave fails as fast (nothing queues behind the first).
      const second = await settle(() => strict.get('stop:warm'));
      expect(second.error).toBeInstanceOf(CacheXConnectionError);
      expect(second.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, 3_000 - (performance.now() - stoppedAt))),
      );
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const strictFigures = check(results.slice(0, CALLS), 'throw', true);
    const lenientFigures = check(results.slice(CALLS), 'ignore', true);
    const [strictMs, lenientMs] = await Promise.all([
      timeUntil(() => strict.get('stop:warm')),
      timeUntil(async () => {
        if ((await lenient.get('stop:warm')) !== 'before')
          throw new CacheXConnectionError('not yet', 'x');
      }),
    ]);
    expect(await strict.get('stop:warm')).toBe('before');

    for (const [scenario, figures, recoverMs] of [
      ['SIGSTOP 3 s, onError throw', strictFigures, strictMs],
      ["SIGSTOP 3 s, onError 'ignore'", lenientFigures, lenientMs],
    ] as const) {
      report({
        scenario,
        calls: CALLS,
        failed: figures.failed,
        degraded: figures.degraded,
        answered: figures.answered,
        timeToFailMs: figures.slowest,
        timeToRecoverMs: recoverMs,
      });
    }
    // No connection event marks a stalled server's return: the outage log's PING does.
    await timeUntil(async () => {
      if (outageLines(error, log, 'lenient').up === 0) throw new CacheXConnectionError('', '');
    });
    expect(outageLines(error, log, 'lenient')).toEqual({ down: 1, up: 1 });
  });
});
