import {
  type AtomicOp,
  defineOp,
  type MemoryOpContext,
  type OpArg,
} from '../../backends/atomic-op.js';
import type { MemoryEntry } from '../../backends/memory/memory.store.js';
import { BackendReplyError, REPLY } from '../../backends/reply-error.js';
import type {
  OpMode,
  RateLimitAlgorithmDefinition,
  RateLimitState,
} from './rate-limit-algorithm.interface.js';

/**
 * The start of the scripts that read the server's clock and the common arguments.
 *
 * NOTE: TIME's strings go into arithmetic as they are (Lua converts them); two `tonumber` calls
 * fewer cost measurably less server CPU per call (1–3 µs of a sliding-log or token-bucket
 * script's ~20). The arguments keep `tonumber`: they are compared, and Lua does not convert there.
 */
export const PRELUDE = `local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local key = KEYS[1]
local mode = ARGV[1]
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
`;

/** An op's arguments, as the memory twins read them. */
export interface OpArgs {
  mode: OpMode;
  limit: number;
  window: number;
  cost: number;
  id: string;
}

export function parseArgs(args: readonly OpArg[]): OpArgs {
  return {
    mode: String(args[0]) as OpMode,
    limit: Number(args[1]),
    window: Number(args[2]),
    cost: Number(args[3]),
    id: String(args[4]),
  };
}

/**
 * An algorithm's {@link RateLimitAlgorithmDefinition.op}: the script and its memory twin defined
 * once; `read` turns a reply into the state knowing the limit (without it, every reply is the
 * whole state, {@link fromReply}, and every limit shares one op).
 */
export function limitOps(definition: {
  name: string;
  lua: string;
  memory: AtomicOp<RateLimitState>['memory'];
  read?: (reply: unknown, limit: number, windowMs: number) => RateLimitState;
}): RateLimitAlgorithmDefinition['op'] {
  const { name, lua, memory, read } = definition;
  const op = defineOp<RateLimitState>({ name, lua, memory, fromRedis: fromReply });
  if (read === undefined) return () => op;
  return (limit, windowMs) => ({ ...op, fromRedis: (reply) => read(reply, limit, windowMs) });
}

/** A script's reply `{allowed 0|1, remaining, resetMs, retryAfterMs}`. */
export function fromReply(reply: unknown): RateLimitState {
  const [allowed, remaining, resetMs, retryAfterMs] = reply as number[];
  return {
    allowed: allowed === 1,
    remaining: remaining!,
    resetMs: resetMs!,
    retryAfterMs: retryAfterMs!,
  };
}

/** The live entry of a key if it has the expected type; WRONGTYPE otherwise, as Redis answers. */
export function readTyped<T extends MemoryEntry['type']>(
  ctx: MemoryOpContext,
  key: string,
  type: T,
): Extract<MemoryEntry, { type: T }> | undefined {
  const entry = ctx.read(key);
  if (entry && entry.type !== type) throw new BackendReplyError(REPLY.WRONGTYPE);
  return entry as Extract<MemoryEntry, { type: T }> | undefined;
}

/** What every op answers to a refund. */
export const REFUNDED: RateLimitState = {
  allowed: true,
  remaining: 0,
  resetMs: 0,
  retryAfterMs: 0,
};
