import { MemoryZSet } from '../../backends/memory/memory-zset.js';
import {
  fromReply,
  limitOps,
  parseArgs,
  PRELUDE,
  readTyped,
  REFUNDED,
} from './algorithm.helpers.js';
import { OP_MODE, type RateLimitAlgorithmDefinition } from './rate-limit-algorithm.interface.js';

/**
 * Sliding log: a sorted set of the admitted requests of the last `window` ms, scored by time;
 * exact. Members are `<request id>:<n>` (one per unit of cost), so requests in the same
 * millisecond are distinct entries. A refused request is not recorded.
 *
 * An admitted request costs five server commands (TIME, ZREMRANGEBYSCORE, ZCARD, ZADD, PEXPIRE):
 * its own entry is the newest, so the reset needs no lookup; only refusals and peeks read the
 * set's ends. For the same reason its reply is only what remains (one integer, which the server
 * answers faster than a table): the reset is the window, and there is nothing to wait for.
 */
export const SLIDING_LOG: RateLimitAlgorithmDefinition = {
  suffix: 'log',
  requestIds: true,
  op: limitOps({
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
  return limit - count - cost
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
        if (log.size === 0 && entry) ctx.delete(key);
        return REFUNDED;
      }
      const count = log.size;
      const allowed = count + cost <= limit;
      if (allowed && mode === OP_MODE.consume) {
        for (let i = 1; i <= cost; i++) log.add(`${id}:${i}`, now);
        ctx.write(key, { type: 'zset', data: log, expiresAt: now + window });
        return { allowed, remaining: limit - count - cost, resetMs: window, retryAfterMs: 0 };
      }
      if (count === 0 && entry) ctx.delete(key);
      const rank = count + cost - limit - 1;
      const retryAfterMs = allowed ? 0 : log.range(rank, rank)[0]!.score + window - now;
      const resetMs = count > 0 ? log.range(count - 1, count - 1)[0]!.score + window - now : 0;
      return { allowed, remaining: Math.max(0, limit - count), resetMs, retryAfterMs };
    },
    read: (reply, _limit, windowMs) =>
      typeof reply === 'number'
        ? { allowed: true, remaining: reply, resetMs: windowMs, retryAfterMs: 0 }
        : fromReply(reply),
  }),
};
