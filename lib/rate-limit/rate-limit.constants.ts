/** Metadata key of `@RateLimit` on a class: its limits (`ResolvedLimit[]`). */
export const RATE_LIMIT_METADATA = 'cachex:rate-limit';

/**
 * Metadata key of `@RateLimit` on a method: its `MethodLimits`, copied by reference along with the
 * method's other metadata by anyone who wraps it.
 */
export const RATE_LIMIT_METHOD_METADATA = 'cachex:rate-limit:method';

/** Metadata key of `@SkipRateLimit`: `true` (every inherited limit) or the names of those skipped. */
export const SKIP_RATE_LIMIT_METADATA = 'cachex:skip-rate-limit';
