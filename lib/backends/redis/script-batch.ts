import type { AtomicOp, OpArg } from '../atomic-op.js';
import type { CoalescedKind } from './coalesced-calls.js';

/** One call of an {@link AtomicOp}: the op (for its reply's reading), full keys and arguments. */
export interface OpCall {
  readonly op: AtomicOp<unknown>;
  readonly keys: readonly string[];
  readonly args: readonly OpArg[];
}

/**
 * The tick's calls of one library {@link AtomicOp} as one script: the op's body becomes a Lua
 * function of `(KEYS, ARGV)` (the parameters shadow the globals, so the body runs unchanged), run
 * per call with `pcall`, each call's keys and arguments cut out of the batch's by the counts at
 * the head of ARGV (`n, nk1, na1, …, nkn, nan`, then the arguments). Each call answers its own
 * reply or error; a nil reply is kept in its place (a Lua array ends at its first nil).
 */
function batchLua(body: string): string {
  return `local function op(KEYS, ARGV)
${body}
end
local n = tonumber(ARGV[1])
local out, k, a = {}, 0, 1 + 2 * n
for i = 1, n do
  local nk, na = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local keys, args = {}, {}
  for j = 1, nk do keys[j] = KEYS[k + j] end
  for j = 1, na do args[j] = ARGV[a + j] end
  k = k + nk
  a = a + na
  local ok, res = pcall(op, keys, args)
  if not ok then
    if type(res) == 'table' and res.err then out[i] = res else out[i] = redis.error_reply(tostring(res)) end
  elseif res == nil then out[i] = false
  else out[i] = res end
end
return out`;
}

/**
 * Most runs of a library script one batch carries. Smaller than other kinds' batches: a script
 * costs the server as much as the client (a sliding-log check ~20 µs each), so under concurrency
 * the checks in flight are better sent as several batches, the server running one while the
 * client handles the replies of another, than as one on which the two take turns (50 checks in
 * flight: sliding-log 1.46×, token-bucket 1.51× the ops/s of one batch; 16 or 24 no better).
 */
export const SCRIPT_BATCH = 32;

/** The kinds made so far, by script SHA: the library's scripts are a fixed, small set. */
const kinds = new Map<string, CoalescedKind<OpCall>>();

/**
 * The {@link CoalescedKind} of the calls of an op's script, made once per script, so that ops
 * made per limit or per call with the same script share a batch (each call reads its reply with
 * its own op). A call alone runs as the op's own script, a batch as the wrapper, both as EVAL:
 * EVALSHA's fallback on NOSCRIPT would send the call again after the commands that followed it
 * (the server hashes the text, about a µs per call for the library's scripts of ~1 KB, and keeps
 * it compiled). Only for the library's ops
 * (`valueReplies: false`): a user's script may start with a `#!lua` shebang or read its replies
 * as the cache's values, and stays one call per run.
 */
export function opKind(op: AtomicOp<unknown>): CoalescedKind<OpCall> {
  const script = op.script;
  let kind = kinds.get(script.sha);
  if (kind !== undefined) return kind;
  const lua = batchLua(script.lua);
  kind = {
    max: SCRIPT_BATCH,
    one(client, _key, call) {
      const { op, keys, args } = call;
      return client.eval(op.script.lua, keys.length, ...keys, ...args).then(op.fromRedis);
    },
    many(client, _keys, calls) {
      const counts: number[] = [calls.length];
      const keys: string[] = [];
      const args: OpArg[] = [];
      for (const call of calls) {
        counts.push(call.keys.length, call.args.length);
        keys.push(...call.keys);
        args.push(...call.args);
      }
      const reply = client.eval(lua, keys.length, ...keys, ...counts, ...args) as Promise<
        unknown[]
      >;
      return reply.then((replies) => {
        for (let i = 0; i < replies.length; i++) {
          const reply = replies[i];
          if (reply instanceof Error) continue;
          try {
            replies[i] = calls[i]!.op.fromRedis(reply);
          } catch (error) {
            replies[i] = error instanceof Error ? error : new Error(String(error));
          }
        }
        return replies;
      });
    },
  };
  kinds.set(script.sha, kind);
  return kind;
}
