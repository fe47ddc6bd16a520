import { defineOp, type AtomicOp, type OpArg } from '../../backends/atomic-op.js';
import type { RawValue } from '../../backends/backend.interface.js';
import { MESSAGES } from '../../cachex.messages.js';
import { NotSupportedError } from '../../errors/not-supported.error.js';
import { describe } from '../../utils/duration.js';
import type { ScriptOptions } from '../data-options.interface.js';
import { assertSameSlot, type CacheOp, type OpContext } from './cache-op.js';

/**
 * A user's Lua script as an {@link AtomicOp}: run by SHA with an EVAL fallback on Redis (EVAL in
 * a pipeline); its memory twin refuses with `NotSupportedError`, since the memory backend has no
 * Lua. Replies are read as the cache's values (Buffers on a binary cache).
 */
export function scriptOp(ctx: OpContext, lua: string, name?: string): AtomicOp<unknown> {
  if (typeof lua !== 'string' || lua.trim() === '') {
    throw ctx.invalid('script', `must be Lua source text, got ${describe(lua)}`);
  }
  const operation = name === undefined ? 'eval' : `script '${name}'`;
  return defineOp<unknown>({
    name: name ?? 'eval',
    lua,
    valueReplies: true,
    memory: () => {
      throw new NotSupportedError(
        MESSAGES.scriptsNotSupported(ctx.cache, operation),
        ctx.cache,
        operation,
      );
    },
  });
}

/** A run of a script with the user's keys (prefixed and versioned), args and values. */
export function runScript<T>(
  ctx: OpContext,
  op: AtomicOp<unknown>,
  options: ScriptOptions = {},
): CacheOp<T> {
  const { keys = [], args = [], values = [], decode = false } = options;
  if (!Array.isArray(keys)) throw ctx.invalid('keys', `must be an array, got ${describe(keys)}`);
  if (!Array.isArray(args)) throw ctx.invalid('args', `must be an array, got ${describe(args)}`);
  if (!Array.isArray(values))
    throw ctx.invalid('values', `must be an array, got ${describe(values)}`);
  for (const arg of args) {
    if (typeof arg !== 'string' && typeof arg !== 'number' && !Buffer.isBuffer(arg)) {
      throw ctx.invalid(
        'args',
        `must hold strings, numbers or Buffers (use \`values\` for other values), got ${describe(arg)}`,
      );
    }
  }
  const fulls = keys.map((key) => ctx.fullKey(key, options));
  const operation = op.name === 'eval' ? 'eval' : `script '${op.name}'`;
  assertSameSlot(ctx, operation, fulls, keys);
  const label = keys.length > 0 ? keys.join(', ') : operation;
  const argv: OpArg[] = [...args, ...values.map((value) => ctx.encode(value, label))];
  return {
    step: { op, keys: fulls, args: argv },
    key: label,
    decode: (reply) => scriptReply(ctx, reply, decode, label) as T,
  };
}

/** A script's reply: nil as `undefined`, arrays element-wise, strings decoded on request. */
function scriptReply(ctx: OpContext, reply: unknown, decode: boolean, label: string): unknown {
  if (reply === null || reply === undefined) return undefined;
  if (Array.isArray(reply)) return reply.map((item) => scriptReply(ctx, item, decode, label));
  if (decode && (typeof reply === 'string' || Buffer.isBuffer(reply))) {
    return ctx.decode(reply as RawValue, label);
  }
  return reply;
}
