import type { AtomicOp } from '../backends/atomic-op.js';
import type { ScriptOptions } from './data-options.interface.js';
import { scriptOp } from './ops/script.ops.js';
import type { OpContext } from './ops/cache-op.js';

/**
 * A Lua script defined once with {@link CacheService.defineScript}: call it with its keys and
 * arguments. It runs by SHA (EVALSHA), falling back to EVAL when the server does not know it yet
 * (after a restart or `SCRIPT FLUSH`); in a pipeline it is sent with EVAL.
 * @typeParam T - what the script answers (after decoding, when `decode` is set)
 */
export interface CacheScript<T = unknown> {
  /** Runs the script; see {@link ScriptOptions}. */
  (options?: ScriptOptions): Promise<T>;
  /** The name it was defined with (for messages). */
  readonly name: string;
  /** The SHA1 of the source, as EVALSHA and `SCRIPT EXISTS` take it. */
  readonly sha: string;
  /** The Lua source. */
  readonly lua: string;
}

/** The operation behind each defined script, so that a pipeline can queue it. */
const scriptOps = new WeakMap<CacheScript<unknown>, AtomicOp<unknown>>();

/** Builds a {@link CacheScript} that runs with `run`. */
export function createScript<T>(
  ctx: OpContext,
  name: string,
  lua: string,
  run: (op: AtomicOp<unknown>, options?: ScriptOptions) => Promise<T>,
): CacheScript<T> {
  if (typeof name !== 'string' || name === '') {
    throw ctx.invalid('name', 'must be a non-empty string');
  }
  const op = scriptOp(ctx, lua, name);
  const call = (options?: ScriptOptions): Promise<T> => run(op, options);
  Object.defineProperty(call, 'name', { value: name });
  const script = Object.assign(call, { sha: op.script.sha, lua }) as CacheScript<T>;
  scriptOps.set(script, op);
  return script;
}

/** The operation of a script: a defined one's, or a new one for Lua source. */
export function opOf(ctx: OpContext, script: string | CacheScript<unknown>): AtomicOp<unknown> {
  if (typeof script === 'string') return scriptOp(ctx, script);
  const op = scriptOps.get(script);
  if (!op) throw ctx.invalid('script', 'must be Lua source or a script made by defineScript()');
  return op;
}
