import { Redis } from 'ioredis';
const lib = await import('/work/wt-limits/dist/index.js');
const { startServer, stopAllServers } = await import('./support/redis-server.mjs');
const server = await startServer();
const ap = process.env.AP !== '0';
const registry = await lib.CacheRegistry.create({ default: { location: server.url, keyPrefix: 'rl', redis: { enableAutoPipelining: ap } } });
const limiter = new lib.RateLimiter(registry);
const raw = new Redis({ port: server.port, host: server.host, enableAutoPipelining: ap });
const alg = process.env.ALG ?? 'sliding-log';
const opts = { limit: 1e9, window: 60000, algorithm: alg };
const who = (i) => `client:${i % 1000}`;
const BARE = `local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return 1`;
raw.defineCommand('sl', { numberOfKeys: 1, lua: BARE });
let seq = 0;
const C = Number(process.env.C ?? 50);
async function slice(op, n) {
  let next = 0;
  const t = performance.now(); const u = process.cpuUsage();
  await Promise.all(Array.from({ length: C }, async () => { while (next < n) await op(next++); }));
  const { user, system } = process.cpuUsage(u);
  return [Math.round(n / ((performance.now() - t) / 1000)), Math.round((user + system) / n * 100) / 100];
}
const { ALGORITHMS } = await import('../dist/rate-limit/rate-limit.algorithms.js');
const script = ALGORITHMS[alg].op.script;
await raw.script('LOAD', script.lua);
let n2 = 0;
const cols = {
  same: (i) => raw.evalsha(script.sha, 1, `rl:cachex:rl:{${who(i)}}:log`, 'c', 1e9, 60000, 1, `tok.${(++n2).toString(36)}`),
  cachex: (i) => limiter.consume(who(i), opts),
  bare: (i) => raw.sl(`bare:${who(i)}`, Date.now(), 60000, 1e9, `${Date.now()}-${seq++}`),
};
const only = process.env.ONLY;
for (let r = 0; r < 4; r++) for (const [k, op] of Object.entries(cols)) if (!only || only === k) console.log(k, ...(await slice(op, 10000)), 'ops/s, µs CPU/op');
raw.disconnect(); await registry.onApplicationShutdown(); await stopAllServers();
