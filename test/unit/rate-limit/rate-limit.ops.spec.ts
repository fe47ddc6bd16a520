import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { MemoryBackend } from '../../../lib/backends/memory/memory.backend.js';
import { MemoryStore } from '../../../lib/backends/memory/memory.store.js';
import {
  OP_MODE,
  type OpMode,
  type RateLimitState,
} from '../../../lib/rate-limit/algorithms/rate-limit-algorithm.interface.js';
import { ALGORITHMS } from '../../../lib/rate-limit/rate-limit.algorithms.js';
import type { RateLimitAlgorithm } from '../../../lib/index.js';

/**
 * The algorithms' arithmetic, step by step on a controlled clock (the memory twins; the Lua
 * scripts compute the same, as the contract suite checks on real servers in real time).
 */
const backends: MemoryBackend[] = [];
let backend: MemoryBackend;
let request = 0;

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
  const store = MemoryStore.acquire(randomUUID(), { sweepInterval: 60_000 }) as MemoryStore;
  backend = new MemoryBackend(store);
  backends.push(backend);
});

afterEach(async () => {
  for (const b of backends.splice(0)) await b.close();
  jest.useRealTimers();
});

function at(ms: number): void {
  jest.setSystemTime(ms);
}

function step(
  algorithm: RateLimitAlgorithm,
  limit: number,
  window: number,
  mode: OpMode = OP_MODE.consume,
  cost = 1,
  id = `r${++request}`,
): Promise<RateLimitState> {
  return backend.run(
    ALGORITHMS[algorithm].op(limit, window),
    ['k'],
    [mode, limit, window, cost, id],
  );
}

describe('sliding log', () => {
  const consume = () => step('sliding-log', 3, 1000);

  it('admits `limit` per window; a refusal waits for the oldest entry to leave', async () => {
    at(10_000);
    expect(await consume()).toEqual({
      allowed: true,
      remaining: 2,
      resetMs: 1000,
      retryAfterMs: 0,
    });
    at(10_300);
    await consume();
    at(10_600);
    expect(await consume()).toEqual({
      allowed: true,
      remaining: 0,
      resetMs: 1000,
      retryAfterMs: 0,
    });
    at(10_700);
    expect(await consume()).toEqual({
      allowed: false,
      remaining: 0,
      resetMs: 900,
      retryAfterMs: 300,
    });
    at(10_999);
    expect((await consume()).allowed).toBe(false);
    at(11_000); // the first entry leaves the window
    expect(await consume()).toEqual({
      allowed: true,
      remaining: 0,
      resetMs: 1000,
      retryAfterMs: 0,
    });
    at(11_100);
    expect((await consume()).retryAfterMs).toBe(200); // the entry of 10_300
  });

  it('a request of cost n waits for the n oldest entries to leave', async () => {
    at(0);
    await step('sliding-log', 3, 1000);
    at(100);
    await step('sliding-log', 3, 1000);
    at(200);
    const refused = await step('sliding-log', 3, 1000, OP_MODE.consume, 3);
    expect(refused).toMatchObject({ allowed: false, remaining: 1, retryAfterMs: 900 });
  });

  it('a refund removes exactly the refunded request', async () => {
    at(0);
    await step('sliding-log', 3, 1000, OP_MODE.consume, 1, 'a');
    await step('sliding-log', 3, 1000, OP_MODE.consume, 2, 'b');
    await step('sliding-log', 3, 1000, OP_MODE.refund, 2, 'b');
    expect(await step('sliding-log', 3, 1000, OP_MODE.peek)).toMatchObject({ remaining: 2 });
    await step('sliding-log', 3, 1000, OP_MODE.refund, 1, 'a');
    expect(await backend.exists('k')).toBe(false);
  });
});

describe('sliding window', () => {
  const consume = () => step('sliding-window', 10, 1000);
  const peek = () => step('sliding-window', 10, 1000, OP_MODE.peek);

  it("weighs the previous window's count by its overlap with the sliding window", async () => {
    at(10_000); // the start of window 10
    for (let i = 0; i < 10; i++) await consume();
    const refused = await consume();
    // The current window is full: wait for the next one, and 1 ms into it for 10 * 999/1000 < 10.
    expect(refused).toEqual({ allowed: false, remaining: 0, resetMs: 2000, retryAfterMs: 1001 });
    at(11_000);
    expect((await consume()).allowed).toBe(false);
    at(11_001);
    expect(await peek()).toMatchObject({ allowed: true, remaining: 1, resetMs: 999 });
    at(11_500);
    expect(await peek()).toMatchObject({ allowed: true, remaining: 5 });
    expect(await consume()).toEqual({
      allowed: true,
      remaining: 4,
      resetMs: 1500,
      retryAfterMs: 0,
    });
    at(11_800);
    expect((await peek()).remaining).toBe(7); // 10 * 0.2 = 2 from before, 1 now
    at(13_000); // two windows later nothing weighs any more
    expect(await peek()).toEqual({ allowed: true, remaining: 10, resetMs: 0, retryAfterMs: 0 });
  });

  it('computes the wait within the current window when the previous one is what weighs', async () => {
    at(20_000);
    for (let i = 0; i < 10; i++) await consume();
    at(21_250); // floor(10 * 0.75) = 7 weigh
    expect(await peek()).toMatchObject({ remaining: 3 });
    for (let i = 0; i < 3; i++) await consume();
    const refused = await consume();
    // needs floor(10 * (1000 - e) / 1000) + 3 + 1 <= 10, i.e. e > 300: 51 ms from e = 250
    expect(refused.retryAfterMs).toBe(51);
    at(21_300);
    expect((await consume()).allowed).toBe(false);
    at(21_301);
    expect((await consume()).allowed).toBe(true);
  });
});

describe('fixed window', () => {
  const consume = () => step('fixed-window', 2, 1000);

  it('starts with the first request and admits `limit` until it expires', async () => {
    at(5_000);
    expect(await consume()).toEqual({
      allowed: true,
      remaining: 1,
      resetMs: 1000,
      retryAfterMs: 0,
    });
    at(5_600);
    expect(await consume()).toEqual({ allowed: true, remaining: 0, resetMs: 400, retryAfterMs: 0 });
    expect(await consume()).toEqual({
      allowed: false,
      remaining: 0,
      resetMs: 400,
      retryAfterMs: 400,
    });
    at(6_000);
    expect(await consume()).toEqual({
      allowed: true,
      remaining: 1,
      resetMs: 1000,
      retryAfterMs: 0,
    });
  });
});

describe('token bucket', () => {
  const consume = () => step('token-bucket', 4, 1000);

  it('admits a burst of `limit`, then one request per window/limit', async () => {
    at(0);
    for (const remaining of [3, 2, 1, 0]) expect((await consume()).remaining).toBe(remaining);
    expect(await consume()).toEqual({
      allowed: false,
      remaining: 0,
      resetMs: 1000,
      retryAfterMs: 250,
    });
    at(249);
    expect((await consume()).allowed).toBe(false);
    at(250);
    expect(await consume()).toEqual({
      allowed: true,
      remaining: 0,
      resetMs: 1000,
      retryAfterMs: 0,
    });
    at(750); // two tokens back
    expect(await step('token-bucket', 4, 1000, OP_MODE.peek)).toMatchObject({
      remaining: 2,
      resetMs: 500,
    });
    at(5_000);
    expect(await step('token-bucket', 4, 1000, OP_MODE.peek)).toEqual({
      allowed: true,
      remaining: 4,
      resetMs: 0,
      retryAfterMs: 0,
    });
    expect(await backend.exists('k')).toBe(false); // a full bucket is no key
  });

  it('a refund gives the tokens back', async () => {
    at(0);
    await step('token-bucket', 4, 1000, OP_MODE.consume, 3);
    await step('token-bucket', 4, 1000, OP_MODE.refund, 3);
    expect((await step('token-bucket', 4, 1000, OP_MODE.peek)).remaining).toBe(4);
  });
});

it('a key of another type is a WRONGTYPE error, as on Redis', async () => {
  await backend.set('k', 'text', { ttl: null });
  await expect(step('sliding-log', 1, 1000)).rejects.toThrow(/^WRONGTYPE/);
  await expect(step('sliding-window', 1, 1000)).rejects.toThrow(/^WRONGTYPE/);
});
