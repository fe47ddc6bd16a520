import { limitOps, parseArgs, readTyped, REFUNDED } from './algorithm.helpers.js';
import { OP_MODE, type RateLimitAlgorithmDefinition } from './rate-limit-algorithm.interface.js';

/**
 * Fixed window: a counter that starts with the first request and expires `window` ms later
 * (the server's own expiry is the clock). O(1) per key; allows up to twice the limit around a
 * window boundary.
 *
 * A consume counts first and looks after (INCRBY, PTTL: two server commands for an admitted
 * request in a running window); a new window sets the counter with its expiry, and a refusal
 * takes its count back, so a refused request is still not recorded.
 */
export const FIXED_WINDOW: RateLimitAlgorithmDefinition = {
  suffix: 'fw',
  requestIds: false,
  op: limitOps({
    name: 'cachex:rate-limit:fixed-window',
    lua: `local key = KEYS[1]
local mode = ARGV[1]
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
if mode == 'c' then
  local c = redis.call('INCRBY', key, cost)
  local ttl = redis.call('PTTL', key)
  -- No expiry: the key is new (or was left without one), and a new window starts.
  if ttl < 0 then
    redis.call('SET', key, cost, 'PX', window)
    return {1, limit - cost, window, 0}
  end
  if c <= limit then return {1, limit - c, ttl, 0} end
  redis.call('DECRBY', key, cost)
  -- PTTL answers 0 in a key's last millisecond; a refusal always asks to wait.
  return {0, math.max(0, limit - c + cost), ttl, math.max(1, ttl)}
end
local c = tonumber(redis.call('GET', key) or '0')
if mode == 'r' then
  if c >= cost then redis.call('DECRBY', key, cost) end
  return {1, 0, 0, 0}
end
local ttl = redis.call('PTTL', key)
if ttl < 0 then
  c = 0
  ttl = window
end
local allowed = c + cost <= limit
local reset = 0
if c > 0 then reset = ttl end
local retry = 0
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
  }),
};
