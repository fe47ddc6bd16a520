import { FIXED_WINDOW } from './algorithms/fixed-window.algorithm.js';
import type { RateLimitAlgorithmDefinition } from './algorithms/rate-limit-algorithm.interface.js';
import { SLIDING_LOG } from './algorithms/sliding-log.algorithm.js';
import { SLIDING_WINDOW } from './algorithms/sliding-window.algorithm.js';
import { TOKEN_BUCKET } from './algorithms/token-bucket.algorithm.js';

/**
 * The rate-limit algorithms, by the name options give them: the one list to extend. A new
 * algorithm is a file under `algorithms/` and a line here; its name joins `RateLimitAlgorithm`,
 * the option checks and the twins test by itself. Not exported by the package, and not marked
 * internal: `RateLimitAlgorithm`'s typings are derived from it.
 */
export const ALGORITHMS = {
  'sliding-log': SLIDING_LOG,
  'sliding-window': SLIDING_WINDOW,
  'fixed-window': FIXED_WINDOW,
  'token-bucket': TOKEN_BUCKET,
} as const satisfies Record<string, RateLimitAlgorithmDefinition>;

/** The algorithms' names, in the table's order. */
export const ALGORITHM_NAMES = Object.keys(ALGORITHMS) as ReadonlyArray<keyof typeof ALGORITHMS>;
