import {
  defineOp,
  type AtomicOp,
  type MemoryOpContext,
  type OpArg,
} from '../backends/atomic-op.js';
import type { MemoryEntry } from '../backends/memory/memory.store.js';
import { MemoryZSet } from '../backends/memory/memory-zset.js';
import { BackendReplyError, REPLY } from '../backends/reply-error.js';
import type { RateLimitAlgorithm } from './rate-limit-options.interface.js';

/**
 * The state of one limit after a step, as both twins of an op answer it. Durations in ms.
 * @internal
 */
export interface RateLimitState {
  allowed: boolean;
  remaining: number;
  resetMs: number;
  retryAfterMs: number;
}

/**
 * What an op does: `consume` records the request when it fits, `peek` only looks, `refund` takes
 * back a request that this op admitted (for stacked limits, when another limit refused it).
 * @internal
 */
export const OP_MODE = { consume: 'c', peek: 'p', refund: 'r' } as const;
export type OpMode = (typeof OP_MODE)[keyof typeof OP_MODE];

/*
 * Every op takes one key and ARGV = [mode, limit, window ms, cost, request id] and answers
 * {allowed 0|1, remaining, resetMs, retryAfterMs}, integers. Scripts read the clock with
 * redis.call('TIME'), so app servers with skewed clocks agree; the memory twins read ctx.now.
 * Keys expire on their own (PEXPIRE in the script) once they no longer matter. The arithmetic of
 * the two twins is the same, operation for operation, so that they answer the same numbers.
 */

const PRELUDE = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local key = KEYS[1]
local mode = ARGV[1]
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
`;

interface OpArgs {
  mode: OpMode;
  limit: number;
  window: number;
  cost: number;
  id: string;
}

function parseArgs(args: readonly OpArg[]): OpArgs {
  return {
    mode: String(args[0]) as OpMode,
    limit: Number(args[1]),
    window: Number(args[2]),
    cost: Number(args[3]),
    id: String(args[4]),
  };
}

function fromReply(reply: unknown): RateLimitState {
  const [allowed, remaining, resetMs, retryAfterMs] = reply as number[];
  return {
    allowed: allowed === 1,
    remaining: remaining!,
    resetMs: resetMs!,
    retryAfterMs: retryAfterMs!,
  };
}

/** The live entry of a key if it has the expected type; WRONGTYPE otherwise, as Redis answers. */
function readTyped<T extends MemoryEntry['type']>(
  ctx: MemoryOpContext,
  key: string,
  type: T,
): Extract<MemoryEntry, { type: T }> | undefined {
  const entry = ctx.read(key);
  if (entry && entry.type !== type) throw new BackendReplyError(REPLY.WRONGTYPE);
  return entry as Extract<MemoryEntry, { type: T }> | undefined;
}

const REFUNDED: RateLimitState = { allowed: true, remaining: 0, resetMs: 0, retryAfterMs: 0 };

/**
 * Sliding log: a sorted set of the admitted requests of the last `window` ms, scored by time;
 * exact. Members are `<request id>:<n>` (one per unit of cost), so requests in the same
 * millisecond are distinct entries. A refused request is not recorded.
 */
export const SLIDING_LOG = defineOp<RateLimitState>({
  name: 'cachex:rate-limit:sliding-log',
  lua: `${PRELUDE}
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if mode == 'r' then
  for i = 1, cost do redis.call('ZREM', key, ARGV[5] .. ':' .. i) end
  return {1, 0, 0, 0}
end
local count = redis.call('ZCARD', key)
local allowed = count + cost <= limit
if allowed and mode == 'c' then
  for i = 1, cost do redis.call('ZADD', key, now, ARGV[5] .. ':' .. i) end
  redis.call('PEXPIRE', key, window)
  count = count + cost
end
local retry = 0
if not allowed then
  local rank = count + cost - limit - 1
  local oldest = redis.call('ZRANGE', key, rank, rank, 'WITHSCORES')
  retry = tonumber(oldest[2]) + window - now
end
local reset = 0
if count > 0 then
  local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  reset = tonumber(newest[2]) + window - now
end
return {allowed and 1 or 0, math.max(0, limit - count), reset, retry}`,
  memory(ctx, keys, args) {
    const key = keys[0]!;
    const { mode, limit, window, cost, id } = parseArgs(args);
    const now = ctx.now;
    const entry = readTyped(ctx, key, 'zset');
    const log = entry?.data ?? new MemoryZSet();
    log.removeByScore(
      { value: -Infinity, exclusive: false },
      { value: now - window, exclusive: false },
    );
    if (mode === OP_MODE.refund) {
      for (let i = 1; i <= cost; i++) log.remove(`${id}:${i}`);
    } else {
      const allowed = log.size + cost <= limit;
      if (allowed && mode === OP_MODE.consume) {
        for (let i = 1; i <= cost; i++) log.add(`${id}:${i}`, now);
        ctx.write(key, { type: 'zset', data: log, expiresAt: now + window });
      }
      const count = log.size;
      if (count === 0 && entry) ctx.delete(key);
      const retryAfterMs = allowed
        ? 0
        : log.range(count + cost - limit - 1, count + cost - limit - 1)[0]!.score + window - now;
      const resetMs = count > 0 ? log.range(count - 1, count - 1)[0]!.score + window - now : 0;
      return { allowed, remaining: Math.max(0, limit - count), resetMs, retryAfterMs };
    }
    if (log.size === 0 && entry) ctx.delete(key);
    return REFUNDED;
  },
  fromRedis: fromReply,
});

/**
 * Sliding window: the count of the current fixed window plus the previous window's count weighted
 * by how much of it still overlaps the sliding window. A hash `{w: window index, c: current,
 * p: previous}`, O(1) per key; an approximation that assumes the previous window's requests were
 * spread evenly.
 */
export const SLIDING_WINDOW = defineOp<RateLimitState>({
  name: 'cachex:rate-limit:sliding-window',
  lua: `${PRELUDE}
local idx = math.floor(now / window)
local h = redis.call('HMGET', key, 'w', 'c', 'p')
local w = tonumber(h[1])
local c = tonumber(h[2]) or 0
local p = tonumber(h[3]) or 0
if w ~= idx then
  if w == idx - 1 then p = c else p = 0 end
  c = 0
end
local elapsed = now - idx * window
if mode == 'r' then
  if c > 0 then c = math.max(0, c - cost) else p = math.max(0, p - cost) end
  if c + p == 0 then redis.call('DEL', key) else redis.call('HSET', key, 'w', idx, 'c', c, 'p', p) end
  return {1, 0, 0, 0}
end
local used = math.floor(p * (window - elapsed) / window) + c
local allowed = used + cost <= limit
if allowed and mode == 'c' then
  c = c + cost
  used = used + cost
  redis.call('HSET', key, 'w', idx, 'c', c, 'p', p)
  redis.call('PEXPIRE', key, 2 * window - elapsed)
end
local function wait(prev, cur, at)
  local room = limit - cost - cur
  if room < 0 then return nil end
  if prev == 0 then return 0 end
  local e = math.floor(window - (room + 1) * window / prev) + 1
  if e <= at then return 0 end
  return e - at
end
local retry = 0
if not allowed then
  retry = wait(p, c, elapsed)
  if retry == nil then retry = window - elapsed + wait(c, 0, 0) end
end
local reset = 0
if c > 0 then reset = 2 * window - elapsed elseif p > 0 then reset = window - elapsed end
return {allowed and 1 or 0, math.max(0, limit - used), reset, retry}`,
  memory(ctx, keys, args) {
    const key = keys[0]!;
    const { mode, limit, window, cost } = parseArgs(args);
    const now = ctx.now;
    const idx = Math.floor(now / window);
    const entry = readTyped(ctx, key, 'hash');
    const w = entry ? Number(entry.data.get('w')) : undefined;
    let c = entry ? Number(entry.data.get('c')) : 0;
    let p = entry ? Number(entry.data.get('p')) : 0;
    if (w !== idx) {
      p = w === idx - 1 ? c : 0;
      c = 0;
    }
    const elapsed = now - idx * window;
    const store = (expiresAt: number) =>
      ctx.write(key, {
        type: 'hash',
        data: new Map([
          ['w', String(idx)],
          ['c', String(c)],
          ['p', String(p)],
        ]),
        expiresAt,
      });
    if (mode === OP_MODE.refund) {
      if (c > 0) c = Math.max(0, c - cost);
      else p = Math.max(0, p - cost);
      if (c + p === 0) ctx.delete(key);
      // HSET keeps the key's TTL.
      else store(entry?.expiresAt ?? 0);
      return REFUNDED;
    }
    let used = Math.floor((p * (window - elapsed)) / window) + c;
    const allowed = used + cost <= limit;
    if (allowed && mode === OP_MODE.consume) {
      c += cost;
      used += cost;
      store(now + 2 * window - elapsed);
    }
    const wait = (prev: number, cur: number, at: number): number | undefined => {
      const room = limit - cost - cur;
      if (room < 0) return undefined;
      if (prev === 0) return 0;
      const e = Math.floor(window - ((room + 1) * window) / prev) + 1;
      return e <= at ? 0 : e - at;
    };
    const retryAfterMs = allowed ? 0 : (wait(p, c, elapsed) ?? window - elapsed + wait(c, 0, 0)!);
    const resetMs = c > 0 ? 2 * window - elapsed : p > 0 ? window - elapsed : 0;
    return { allowed, remaining: Math.max(0, limit - used), resetMs, retryAfterMs };
  },
  fromRedis: fromReply,
});

/**
 * Fixed window: a counter that starts with the first request and expires `window` ms later
 * (the server's own expiry is the clock). O(1) per key; allows up to twice the limit around a
 * window boundary.
 */
export const FIXED_WINDOW = defineOp<RateLimitState>({
  name: 'cachex:rate-limit:fixed-window',
  lua: `local key = KEYS[1]
local mode = ARGV[1]
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local c = tonumber(redis.call('GET', key) or '0')
if mode == 'r' then
  if c >= cost then redis.call('DECRBY', key, cost) end
  return {1, 0, 0, 0}
end
local ttl = redis.call('PTTL', key)
local fresh = ttl < 0
if fresh then
  c = 0
  ttl = window
end
local allowed = c + cost <= limit
if allowed and mode == 'c' then
  if fresh then redis.call('SET', key, cost, 'PX', window) else redis.call('INCRBY', key, cost) end
  c = c + cost
end
local reset = 0
if c > 0 then reset = ttl end
local retry = 0
-- PTTL answers 0 in a key's last millisecond; a refusal always asks to wait.
if not allowed then retry = math.max(1, ttl) end
return {allowed and 1 or 0, math.max(0, limit - c), reset, retry}`,
  memory(ctx, keys, args) {
    const key = keys[0]!;
    const { mode, limit, window, cost } = parseArgs(args);
    const now = ctx.now;
    const entry = readTyped(ctx, key, 'string');
    let c = entry ? Number(entry.data.toString()) : 0;
    if (mode === OP_MODE.refund) {
      if (entry && c >= cost) ctx.write(key, { ...entry, data: String(c - cost) });
      return REFUNDED;
    }
    const fresh = !entry || entry.expiresAt === 0;
    const ttl = fresh ? window : entry.expiresAt - now;
    if (fresh) c = 0;
    const allowed = c + cost <= limit;
    if (allowed && mode === OP_MODE.consume) {
      c += cost;
      ctx.write(key, {
        type: 'string',
        data: String(c),
        expiresAt: fresh ? now + window : entry.expiresAt,
      });
    }
    return {
      allowed,
      remaining: Math.max(0, limit - c),
      resetMs: c > 0 ? ttl : 0,
      retryAfterMs: allowed ? 0 : Math.max(1, ttl),
    };
  },
  fromRedis: fromReply,
});

/**
 * Token bucket: `limit` tokens, refilled continuously at `limit` per `window`; a request takes
 * `cost` tokens. A hash `{t: tokens, ts: last update}`, O(1) per key; allows a burst of `limit`,
 * then a steady rate. A full bucket is no key at all.
 */
export const TOKEN_BUCKET = defineOp<RateLimitState>({
  name: 'cachex:rate-limit:token-bucket',
  lua: `${PRELUDE}
local h = redis.call('HMGET', key, 't', 'ts')
local tokens = limit
if h[1] then
  tokens = tonumber(h[1]) + math.max(0, now - tonumber(h[2])) * limit / window
  if tokens > limit then tokens = limit end
end
local function save()
  redis.call('HSET', key, 't', string.format('%.17g', tokens), 'ts', now)
  redis.call('PEXPIRE', key, math.max(1, math.ceil((limit - tokens) * window / limit)))
end
if mode == 'r' then
  tokens = math.min(limit, tokens + cost)
  save()
  return {1, 0, 0, 0}
end
local allowed = tokens >= cost
if allowed and mode == 'c' then
  tokens = tokens - cost
  save()
end
local retry = 0
if not allowed then retry = math.ceil((cost - tokens) * window / limit) end
return {allowed and 1 or 0, math.floor(tokens), math.ceil((limit - tokens) * window / limit), retry}`,
  memory(ctx, keys, args) {
    const key = keys[0]!;
    const { mode, limit, window, cost } = parseArgs(args);
    const now = ctx.now;
    const entry = readTyped(ctx, key, 'hash');
    let tokens = limit;
    if (entry) {
      const last = Number(entry.data.get('ts'));
      tokens = Number(entry.data.get('t')) + (Math.max(0, now - last) * limit) / window;
      if (tokens > limit) tokens = limit;
    }
    const save = () =>
      ctx.write(key, {
        type: 'hash',
        data: new Map([
          ['t', String(tokens)],
          ['ts', String(now)],
        ]),
        expiresAt: now + Math.max(1, Math.ceil(((limit - tokens) * window) / limit)),
      });
    if (mode === OP_MODE.refund) {
      tokens = Math.min(limit, tokens + cost);
      save();
      return REFUNDED;
    }
    const allowed = tokens >= cost;
    if (allowed && mode === OP_MODE.consume) {
      tokens -= cost;
      save();
    }
    return {
      allowed,
      remaining: Math.floor(tokens),
      resetMs: Math.ceil(((limit - tokens) * window) / limit),
      retryAfterMs: allowed ? 0 : Math.ceil(((cost - tokens) * window) / limit),
    };
  },
  fromRedis: fromReply,
});

/** The op of each algorithm, and the suffix of its key. @internal */
export const ALGORITHMS: Record<
  RateLimitAlgorithm,
  { op: AtomicOp<RateLimitState>; suffix: string }
> = {
  'sliding-log': { op: SLIDING_LOG, suffix: 'log' },
  'sliding-window': { op: SLIDING_WINDOW, suffix: 'sw' },
  'fixed-window': { op: FIXED_WINDOW, suffix: 'fw' },
  'token-bucket': { op: TOKEN_BUCKET, suffix: 'tb' },
};
