import type { AtomicOp } from '../../backends/atomic-op.js';

/**
 * The state of one limit after a step, as both twins of an op answer it. Durations in ms. Not
 * exported by the package; not marked internal either, since `RateLimitAlgorithm` is derived from
 * the table of algorithms, whose typings mention it.
 */
export interface RateLimitState {
  allowed: boolean;
  remaining: number;
  resetMs: number;
  retryAfterMs: number;
}

/**
 * What an op does: `consume` records the request when it fits, `peek` only looks, `refund` takes
 * back a request that this op admitted (for stacked limits, when another limit refused it).
 */
export const OP_MODE = { consume: 'c', peek: 'p', refund: 'r' } as const;
/** One of {@link OP_MODE}. */
export type OpMode = (typeof OP_MODE)[keyof typeof OP_MODE];

/**
 * A rate-limit algorithm: one file under `rate-limit/algorithms/` and one line of the table in
 * `rate-limit.algorithms.ts`, which names it.
 *
 * Its op takes one key and ARGV = [mode, limit, window ms, cost] (plus the request's id when
 * {@link RateLimitAlgorithmDefinition.requestIds} is set) and answers {allowed 0|1, remaining,
 * resetMs, retryAfterMs}, integers, or less where the limit tells the rest (see
 * {@link RateLimitAlgorithmDefinition.op}): a Lua table costs the server more than one value. Scripts read the clock with redis.call('TIME'), so app
 * servers with skewed clocks agree; the memory twins read ctx.now. Keys expire on their own once
 * they no longer matter. The arithmetic of the two twins is the same, operation for operation, so
 * that they answer the same numbers (test/integration/rate-limit-twins.spec.ts checks it). Not
 * exported by the package (see {@link RateLimitState} for why it is not marked internal).
 */
export interface RateLimitAlgorithmDefinition {
  /**
   * The atomic step of one limit: a Lua script and its memory twin, the same for every limit,
   * with the script's reply read knowing the limit (a script leaves out of its reply what the
   * limit tells, such as a sliding log's reset after an admitted request: the window). Made once
   * per limit, when its options are checked.
   * @param limit - the limit's count
   * @param windowMs - the limit's window, in ms
   */
  op(limit: number, windowMs: number): AtomicOp<RateLimitState>;
  /** The end of the algorithm's key (`log`, `fw`): two algorithms never share a counter. */
  readonly suffix: string;
  /**
   * Whether the op records requests by id (ARGV[5], unique per request), so that a refund takes
   * back exactly what the request recorded. Other ops are sent no id, which saves building one.
   */
  readonly requestIds: boolean;
}
