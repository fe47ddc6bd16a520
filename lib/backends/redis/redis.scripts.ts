import { RedisScript } from './redis.script.js';

/**
 * The first bump of a missing version counter must yield 2: a plain INCR on a missing key yields
 * 1, the very version readers already assume, which would invalidate nothing.
 */
export const BUMP_VERSION = new RedisScript(
  'cachex:bump-version',
  `local v = redis.call('INCR', KEYS[1])
if v == 1 then v = redis.call('INCR', KEYS[1]) end
return v`,
);

/** RENAME that answers 0 for a missing source instead of an error; keeps the TTL. */
export const RENAME_IF_EXISTS = new RedisScript(
  'cachex:rename-if-exists',
  `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RENAME', KEYS[1], KEYS[2])
return 1`,
);

/** Sets or removes a TTL and answers whether the key exists (PERSIST alone answers 0 for both). */
export const TOUCH = new RedisScript(
  'cachex:touch',
  `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == '' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 1`,
);
