/**
 * The two twins of each rate-limit op answer the same numbers, step for step. The contract suite
 * runs both on real time, where only bounds can be asserted; here the same random sequences of
 * consume, peek and refund run on the memory twin and on the Lua script with one simulated clock,
 * and every answer must be equal.
 *
 * The script reads that clock from an extra argument instead of `TIME`, and its `PEXPIRE`s are
 * left out: the server would expire keys on its own clock while the sequence runs on the simulated
 * one. The memory twin keeps its expiry, on the simulated clock, so this also checks that a key
 * never expires while it still matters (the script, whose keys never expire here, would then
 * answer otherwise).
 *
 * An algorithm whose script never reads `TIME` (the fixed window: its only clock is the server's
 * key expiry, `PTTL`, which cannot be simulated) runs the same sequences on real time instead, in
 * a window of an hour: the counts must be equal, the durations equal within what the steps take.
 *
 * Every algorithm of the table runs: a new one is checked by being listed there.
 */
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { MemoryBackend } from '../../lib/backends/memory/memory.backend.js';
import { MemoryStore } from '../../lib/backends/memory/memory.store.js';
import {
  OP_MODE,
  type OpMode,
  type RateLimitState,
} from '../../lib/rate-limit/algorithms/rate-limit-algorithm.interface.js';
import { ALGORITHM_NAMES, ALGORITHMS } from '../../lib/rate-limit/rate-limit.algorithms.js';
import { testServers } from '../harness/index.js';

/** Timers stay real (ioredis needs them); only `Date` follows the simulated clock. */
const REAL_TIMERS = [
  'nextTick',
  'setImmediate',
  'clearImmediate',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'queueMicrotask',
  'hrtime',
  'performance',
] as const;

let redis: Redis;
const backends: MemoryBackend[] = [];
const keys: string[] = [];

beforeAll(() => {
  redis = new Redis(testServers().redis.url);
});

afterEach(async () => {
  jest.useRealTimers();
  for (const backend of backends.splice(0)) await backend.close();
  if (keys.length > 0) await redis.del(...keys.splice(0));
});

afterAll(async () => {
  await redis.quit();
});

/** A small seeded generator (mulberry32), so that a failure replays the same sequence. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One random step of a sequence: what to ask, given the requests admitted so far. */
function nextStep(
  next: () => number,
  step: number,
  limit: number,
  admitted: Array<{ id: string; cost: number }>,
): { mode: OpMode; cost: number; id: string } {
  const roll = next();
  let mode: OpMode = roll < 0.7 ? OP_MODE.consume : OP_MODE.peek;
  let cost = 1 + Math.floor(next() * Math.min(limit, 3));
  let id = `r${step}`;
  if (roll >= 0.85 && admitted.length > 0) {
    mode = OP_MODE.refund;
    ({ id, cost } = admitted.pop()!);
  }
  return { mode, cost, id };
}

const SIMULATED = ALGORITHM_NAMES.filter((a) =>
  ALGORITHMS[a].op(1, 1).script.lua.includes("'TIME'"),
);
const REAL_TIME = ALGORITHM_NAMES.filter((a) => !SIMULATED.includes(a));

it('every algorithm of the table is checked one way or the other', () => {
  expect([...SIMULATED, ...REAL_TIME].sort()).toEqual([...ALGORITHM_NAMES].sort());
  expect(REAL_TIME).toEqual(['fixed-window']);
});

describe.each(REAL_TIME)('%s (real time)', (algorithm) => {
  it.each([1, 2, 3, 4])('answers as the memory twin (seed %i)', async (seed) => {
    const next = random(seed * 104_729 + algorithm.length);
    const store = MemoryStore.acquire(randomUUID(), { sweepInterval: 60_000 }) as MemoryStore;
    const memory = new MemoryBackend(store);
    backends.push(memory);
    const window = 3_600_000;
    for (let trial = 0; trial < 6; trial++) {
      const key = `cachex-twins:${randomUUID()}`;
      keys.push(key);
      const limit = 1 + Math.floor(next() * 7);
      const op = ALGORITHMS[algorithm].op(limit, window);
      const admitted: Array<{ id: string; cost: number }> = [];
      const started = Date.now();
      for (let step = 0; step < 40; step++) {
        const { mode, cost, id } = nextStep(next, step, limit, admitted);
        const args = [mode, limit, window, cost, id];
        const fromMemory: RateLimitState = await memory.run(op, [key], args);
        const fromScript = op.fromRedis(await redis.eval(op.script.lua, 1, key, ...args));
        // Both count down from one hour, read a few ms apart.
        const slack = Date.now() - started + 5;
        expect({ trial, step, mode, cost, allowed: fromScript.allowed }).toEqual({
          trial,
          step,
          mode,
          cost,
          allowed: fromMemory.allowed,
        });
        expect(fromScript.remaining).toBe(fromMemory.remaining);
        expect(Math.abs(fromScript.resetMs - fromMemory.resetMs)).toBeLessThanOrEqual(slack);
        expect(Math.abs(fromScript.retryAfterMs - fromMemory.retryAfterMs)).toBeLessThanOrEqual(
          slack,
        );
        if (mode === OP_MODE.consume && fromMemory.allowed) admitted.push({ id, cost });
      }
    }
  });
});

describe.each(SIMULATED)('%s', (algorithm) => {
  const lua = ALGORITHMS[algorithm]
    .op(1, 1)
    .script.lua.replace(
      /local t = redis\.call\('TIME'\)\nlocal now = [^\n]+\n/,
      'local now = tonumber(ARGV[6])\n',
    )
    .replace(/\n\s*redis\.call\('PEXPIRE'[^\n]*/g, '');

  it('the script reads the simulated clock and never sets an expiry', () => {
    expect(lua).toContain('local now = tonumber(ARGV[6])');
    expect(lua).not.toContain("'TIME'");
    expect(lua).not.toContain('PEXPIRE');
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'answers as the memory twin on a simulated clock (seed %i)',
    async (seed) => {
      const next = random(seed * 7919 + algorithm.length);
      jest.useFakeTimers({ doNotFake: [...REAL_TIMERS] });
      const store = MemoryStore.acquire(randomUUID(), { sweepInterval: 60_000 }) as MemoryStore;
      const memory = new MemoryBackend(store);
      backends.push(memory);
      for (let trial = 0; trial < 6; trial++) {
        const key = `cachex-twins:${randomUUID()}`;
        keys.push(key);
        const limit = 1 + Math.floor(next() * 7);
        const window = [997, 1_000, 3_333, 60_000][trial % 4]!;
        const op = ALGORITHMS[algorithm].op(limit, window);
        let now = 1_700_000_000_000 + Math.floor(next() * 1e6);
        const admitted: Array<{ id: string; cost: number }> = [];
        for (let step = 0; step < 60; step++) {
          // Steps about as far apart as requests that the limit admits, sometimes farther.
          now += Math.floor(next() * (window / limit) * 1.3);
          const { mode, cost, id } = nextStep(next, step, limit, admitted);
          const args = [mode, limit, window, cost, id];
          jest.setSystemTime(now);
          const fromMemory: RateLimitState = await memory.run(op, [key], args);
          const fromScript = op.fromRedis(await redis.eval(lua, 1, key, ...args, now));
          expect({ trial, step, mode, cost, answer: fromScript }).toEqual({
            trial,
            step,
            mode,
            cost,
            answer: fromMemory,
          });
          if (mode === OP_MODE.consume && fromMemory.allowed) admitted.push({ id, cost });
        }
      }
    },
  );
});
