import { defineOp } from '../backends/atomic-op.js';
import type { MemoryEntry } from '../backends/memory/memory.store.js';
import { publishMemoryRelease } from './release-notices.js';

/** What one acquisition attempt answers. */
export type AcquireResult =
  | { acquired: true; /** The fencing token of this acquisition. */ fencingToken: number }
  | {
      acquired: false;
      /** The holder's remaining lease in ms (`-2`: it just vanished). */ pttl: number;
    };

/** What a release answers: released, or why not. */
export type ReleaseResult = 'released' | 'expired' | 'replaced';

/**
 * Acquires a lock: `SET lock token NX PX lease`, and on success `INCR` of the lock's fencing
 * counter, in one step, so that fencing tokens are handed out in acquisition order. On failure it
 * answers the holder's remaining lease, so that a waiter sleeps no longer than needed.
 * KEYS: lock, fence (same hash tag). ARGV: token, lease in ms. The fence never expires.
 */
export const ACQUIRE_LOCK = defineOp<AcquireResult>({
  name: 'cachex:lock-acquire',
  lua: `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('INCR', KEYS[2])}
end
return {0, redis.call('PTTL', KEYS[1])}`,
  memory(ctx, [lock, fence], [token, lease]) {
    const held = ctx.read(lock!);
    if (held) {
      return { acquired: false, pttl: held.expiresAt === 0 ? -1 : held.expiresAt - ctx.now };
    }
    ctx.write(lock!, { type: 'string', data: String(token), expiresAt: ctx.now + Number(lease) });
    const counter = ctx.read(fence!);
    const next = (counter?.type === 'string' ? Number(String(counter.data)) : 0) + 1;
    ctx.write(fence!, { type: 'string', data: String(next), expiresAt: 0 });
    return { acquired: true, fencingToken: next };
  },
  fromRedis(reply) {
    const [ok, value] = reply as [number, number];
    return ok === 1 ? { acquired: true, fencingToken: value } : { acquired: false, pttl: value };
  },
});

/**
 * Releases a lock if it still holds the caller's token (compare-and-delete), and then tells
 * waiters: PUBLISH on the lock's channel (an in-process notice on the memory backend).
 * KEYS: lock. ARGV: token, channel. Answers 1 (released), 0 (no lock: expired or deleted) or
 * -1 (another holder's token).
 */
export const RELEASE_LOCK = defineOp<ReleaseResult>({
  name: 'cachex:lock-release',
  lua: `local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], '')
  return 1
end
if holder then return -1 end
return 0`,
  memory(ctx, [lock], [token, channel]) {
    const holder = tokenOf(ctx.read(lock!));
    if (holder === String(token)) {
      ctx.delete(lock!);
      publishMemoryRelease(String(channel));
      return 'released';
    }
    return holder === undefined ? 'expired' : 'replaced';
  },
  fromRedis: (reply) => (reply === 1 ? 'released' : reply === 0 ? 'expired' : 'replaced'),
});

/** What an extension answers: the new remaining lease in ms, or why the lock is not held. */
export type ExtendResult =
  { held: true; pttl: number } | { held: false; reason: 'expired' | 'replaced' };

/**
 * Extends a lock if it still holds the caller's token (compare-and-pexpire). Mode `add` adds
 * `ms` to the remaining lease (`extend(by)`); mode `renew` raises the remaining lease to `ms`
 * when it is shorter (the watchdog, which must not shorten a lease `extend()` lengthened).
 * KEYS: lock. ARGV: token, ms, mode. Answers the new remaining lease in ms, 0 (no lock) or -1
 * (another holder's token).
 */
export const EXTEND_LOCK = defineOp<ExtendResult>({
  name: 'cachex:lock-extend',
  lua: `local holder = redis.call('GET', KEYS[1])
if holder ~= ARGV[1] then
  if holder then return -1 end
  return 0
end
local ttl = redis.call('PTTL', KEYS[1])
local ms = tonumber(ARGV[2])
if ARGV[3] == 'add' then
  ms = ms + math.max(ttl, 0)
elseif ttl >= ms then
  return ttl
end
redis.call('PEXPIRE', KEYS[1], ms)
return ms`,
  memory(ctx, [lock], [token, by, mode]) {
    const entry = ctx.read(lock!);
    const holder = tokenOf(entry);
    if (!entry || holder !== String(token)) {
      return { held: false, reason: holder === undefined ? 'expired' : 'replaced' };
    }
    const ttl = entry.expiresAt - ctx.now;
    let ms = Number(by);
    if (mode === 'add') ms += Math.max(ttl, 0);
    else if (ttl >= ms) return { held: true, pttl: ttl };
    ctx.write(lock!, { ...entry, expiresAt: ctx.now + ms });
    return { held: true, pttl: ms };
  },
  fromRedis(reply) {
    const code = Number(reply);
    if (code > 0) return { held: true, pttl: code };
    return { held: false, reason: code === 0 ? 'expired' : 'replaced' };
  },
});

/** The token a lock entry holds, or `undefined` when there is no lock. */
function tokenOf(entry: MemoryEntry | undefined): string | undefined {
  if (entry?.type !== 'string') return undefined;
  return typeof entry.data === 'string' ? entry.data : entry.data.toString('latin1');
}
