import { CacheCounters } from '../../../lib/metrics/cache-counters.js';
import { CacheXConnectionError } from '../../../lib/index.js';

describe('CacheCounters', () => {
  it('tells timeouts from other failures, through the causes of a typed error', () => {
    const counters = new CacheCounters();
    const timedOut = new Error('Command timed out');
    counters.failed(timedOut);
    counters.failed(new CacheXConnectionError('wrapped', 'default', { cause: timedOut }));
    counters.failed(Object.assign(new Error('aborted'), { name: 'TimeoutError' }));
    counters.failed(new Error('Connection is closed.'));
    counters.failed(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'));
    counters.failed('not even an Error');
    expect(counters.ops).toMatchObject({ errors: 6, timeouts: 3 });
  });

  it('answers what it counts, so that a call site stays one expression', () => {
    const counters = new CacheCounters();
    expect(counters.read(undefined)).toBeUndefined();
    expect(counters.read(null)).toBeNull();
    expect(counters.set(false)).toBe(false);
    expect(counters.set(true)).toBe(true);
    expect(counters.deleted(2)).toBe(2);
    counters.readMany(5, 3);
    counters.setMany(4);
    // null is a cached value: a hit.
    expect(counters.ops).toStrictEqual({
      hits: 4,
      misses: 3,
      sets: 5,
      deletes: 2,
      errors: 0,
      timeouts: 0,
    });
  });

  it('snapshots copies that later counting does not change', () => {
    const counters = new CacheCounters();
    const methods = { hits: 1, misses: 0, staleServed: 0, refreshes: 0, evictions: 0, errors: 0 };
    const snapshot = counters.snapshot(methods);
    counters.lockAcquired();
    counters.rateLimit(false);
    methods.hits++;
    expect(snapshot.locks.acquired).toBe(0);
    expect(snapshot.rateLimits.denied).toBe(0);
    expect(snapshot.methods.hits).toBe(1);
    expect(counters.snapshot(methods)).toMatchObject({
      locks: { acquired: 1, timedOut: 0, lost: 0 },
      rateLimits: { allowed: 0, denied: 1 },
      methods: { hits: 2 },
    });
  });
});
