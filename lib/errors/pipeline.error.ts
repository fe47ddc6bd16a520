import { CacheXError } from './cachex.error.js';

/** What one queued operation of a pipeline gave: its value, or the typed error it failed with. */
export type PipelineResult<T = unknown> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: CacheXError };

/**
 * Some operations of a pipeline failed (`exec()`); the others ran and their values are in
 * `results`, in queue order. `cause` is the first failure (a `WrongTypeError`, …). Use
 * `execSettled()` to get the per-operation results without an exception.
 */
export class PipelineError extends CacheXError {
  override readonly name = 'PipelineError';

  constructor(
    message: string,
    readonly cache: string,
    /** Every operation's result, in queue order. */
    readonly results: readonly PipelineResult[],
  ) {
    super(message, { cause: results.find((r) => !r.ok)?.error });
  }

  /** The failed operations: their position in the pipeline and their error. */
  get errors(): Array<{ index: number; error: CacheXError }> {
    return this.results.flatMap((result, index) =>
      result.ok ? [] : [{ index, error: result.error }],
    );
  }
}
