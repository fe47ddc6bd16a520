import { jest } from '@jest/globals';
import { freshMemoryNow, memoryNow } from '../../../lib/backends/memory/memory.clock.js';

/** Ends the turn: the clock reading made in it must not reach the next one. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Spins until `Date.now()` has moved past `since` (a few ms at most). */
function waitPast(since: number): void {
  const deadline = performance.now() + 1_000;
  while (Date.now() <= since && performance.now() < deadline);
  expect(Date.now()).toBeGreaterThan(since);
}

afterEach(() => {
  jest.useRealTimers();
});

describe('memoryNow', () => {
  it('reuses one reading within a turn, 64 times at most', async () => {
    await nextTurn();
    const reading = memoryNow();
    waitPast(reading);
    for (let i = 0; i < 63; i++) expect(memoryNow()).toBe(reading);
    expect(memoryNow()).toBeGreaterThan(reading);
  });

  it('reads the clock again in the next turn of the event loop', async () => {
    await nextTurn();
    const reading = memoryNow();
    waitPast(reading);
    await nextTurn();
    expect(memoryNow()).toBeGreaterThan(reading);
  });

  it('reads the clock again for freshMemoryNow, and the next reads reuse that reading', async () => {
    await nextTurn();
    const reading = memoryNow();
    waitPast(reading);
    const fresh = freshMemoryNow();
    expect(fresh).toBeGreaterThan(reading);
    expect(memoryNow()).toBe(fresh);
  });

  it('follows a replaced Date.now (fake timers) on every read', async () => {
    await nextTurn();
    const before = memoryNow();
    jest.useFakeTimers({ now: 1_000 });
    expect(memoryNow()).toBe(1_000);
    jest.setSystemTime(2_000);
    expect(memoryNow()).toBe(2_000);
    jest.useRealTimers();
    // Back on the real clock, the reading made before the fake one is not reused.
    waitPast(before);
    const real = Date.now();
    expect(memoryNow()).toBeGreaterThanOrEqual(real);
  });
});
