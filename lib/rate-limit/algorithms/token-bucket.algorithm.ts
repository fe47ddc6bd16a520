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
 * Token bucket: `limit` tokens, refilled continuously at `limit` per `window`; a request takes
 * `cost` tokens. A string `"<tokens> <last update, ms>"` that expires when the bucket would be
 * full again, O(1) per key; allows a burst of `limit`, then a steady rate. An admitted request
 * costs three server commands (TIME, GET, SET with PX), and its reply is the string it stored:
 * the tokens left, exact, from which the client works out what remains and the reset as the
 * script would (a string costs the server less than a table of numbers).
 */
export const TOKEN_BUCKET: RateLimitAlgorithmDefinition = {
  suffix: 'tb',
  requestIds: false,
  op: limitOps({
    name: 'cachex:rate-limit:token-bucket',
    lua: `${PRELUDE}
local v = redis.call('GET', key)
local tokens = limit
if v then
  local sep = string.find(v, ' ', 1, true)
  local last = tonumber(string.sub(v, sep + 1))
  tokens = tonumber(string.sub(v, 1, sep - 1)) + math.max(0, now - last) * limit / window
  if tokens > limit then tokens = limit end
end
local function save()
  local ttl = math.max(1, math.ceil((limit - tokens) * window / limit))
  v = string.format('%.17g %.17g', tokens, now)
  redis.call('SET', key, v, 'PX', ttl)
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
  return v
end
local retry = 0
if not allowed then retry = math.ceil((cost - tokens) * window / limit) end
return {allowed and 1 or 0, math.floor(tokens), math.ceil((limit - tokens) * window / limit), retry}`,
    memory(ctx, keys, args) {
      const key = keys[0]!;
      const { mode, limit, window, cost } = parseArgs(args);
      const now = ctx.now;
      const entry = readTyped(ctx, key, 'string');
      let tokens = limit;
      if (entry) {
        const text = entry.data.toString();
        const sep = text.indexOf(' ');
        const last = Number(text.slice(sep + 1));
        tokens = Number(text.slice(0, sep)) + (Math.max(0, now - last) * limit) / window;
        if (tokens > limit) tokens = limit;
      }
      const save = () =>
        ctx.write(key, {
          type: 'string',
          data: `${tokens} ${now}`,
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
    read(reply, limit, windowMs) {
      if (typeof reply !== 'string') return fromReply(reply);
      const tokens = Number(reply.slice(0, reply.indexOf(' ')));
      return {
        allowed: true,
        remaining: Math.floor(tokens),
        resetMs: Math.ceil(((limit - tokens) * windowMs) / limit),
        retryAfterMs: 0,
      };
    },
  }),
};
