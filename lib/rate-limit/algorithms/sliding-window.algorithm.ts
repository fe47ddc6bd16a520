import { limitOps, parseArgs, PRELUDE, readTyped, REFUNDED } from './algorithm.helpers.js';
import { OP_MODE, type RateLimitAlgorithmDefinition } from './rate-limit-algorithm.interface.js';

/**
 * Sliding window: the count of the current fixed window plus the previous window's count weighted
 * by how much of it still overlaps the sliding window. A hash `{w: window index, c: current,
 * p: previous}`, O(1) per key; an approximation that assumes the previous window's requests were
 * spread evenly.
 */
export const SLIDING_WINDOW: RateLimitAlgorithmDefinition = {
  suffix: 'sw',
  requestIds: false,
  op: limitOps({
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
  }),
};
