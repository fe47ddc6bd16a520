/** How many more operations may read one clock reading after the one that made it. */
const REUSES = 63;

/**
 * `Date.now` as the runtime made it, or `undefined` when it was already replaced (fake timers
 * installed before this module loaded): a replaced clock is always read afresh.
 */
const NATIVE_NOW = Function.prototype.toString.call(Date.now).includes('[native code]')
  ? Date.now
  : undefined;
/** Captured for the same reason: fake timers must not hold back the real end of a reading. */
const scheduleImmediate = setImmediate;

let reading = 0;
let reuses = 0;
let ending = false;

/**
 * The clock of the memory backend's `get`, `set` and their batches, in ms since the epoch.
 * NOTE: `Date.now()` costs 30–90 ns, as much as the rest of a `get`, so one reading serves the
 * operations that follow it in the same turn of the event loop, 64 at most: the next
 * `setImmediate` ends it, and so does {@link freshMemoryNow}. Expiry is therefore exact across
 * turns (a TTL awaited with a timer, one request after another) and, within one turn, late by at
 * most the time the turn has run since the reading, as Redis answers a whole script at the time
 * it started. With fake timers (`Date.now` replaced), every operation reads the clock itself.
 */
export function memoryNow(): number {
  if (Date.now !== NATIVE_NOW) {
    reuses = 0;
    return Date.now();
  }
  if (reuses > 0) {
    reuses--;
    return reading;
  }
  reading = NATIVE_NOW();
  reuses = REUSES;
  if (!ending) {
    ending = true;
    scheduleImmediate(endReading).unref();
  }
  return reading;
}

/**
 * A new reading of {@link memoryNow}'s clock, which the operations after it reuse: for the
 * operations whose arithmetic needs the time itself (rate limits, locks, TTL commands), which
 * are exact as with `Date.now()`.
 */
export function freshMemoryNow(): number {
  reuses = 0;
  return memoryNow();
}

function endReading(): void {
  reuses = 0;
  ending = false;
}
