import { luaScript } from '../atomic-op.js';

/** RENAME that answers 0 for a missing source instead of an error; keeps the TTL. */
export const RENAME_IF_EXISTS = luaScript(
  'cachex:rename-if-exists',
  `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RENAME', KEYS[1], KEYS[2])
return 1`,
);
