import { defineOp } from '../../backends/atomic-op.js';
import { fromReply, parseArgs, PRELUDE, readTyped, REFUNDED } from './algorithm.helpers.js';
import {
  OP_MODE,
  type RateLimitAlgorithmDefinition,
  type RateLimitState,
} from './rate-limit-algorithm.interface.js';

/**
 * Token bucket: `limit` tokens, refilled continuously at `limit` per `window`; a request takes
 * `cost` tokens. A hash `{t: tokens, ts: last update}`, O(1) per key; allows a burst of `limit`,
 * then a steady rate. A full bucket is no key at all.
 */
export const TOKEN_BUCKET: RateLimitAlgorithmDefinition = {
  suffix: 'tb',
  requestIds: false,
  op: defineOp<RateLimitState>({
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
return {allowed and 1 or 0, math.floor(tokens), math.ceil((limit - tokens) * window / limit), retry}  `,
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
  }),
};
