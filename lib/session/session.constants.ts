/** Metadata key of `@RequireSession`: the predicates of a class or method. */
export const REQUIRE_SESSION_METADATA = 'cachex:require-session';

/** Metadata key of `@SkipSession`: `true`. */
export const SKIP_SESSION_METADATA = 'cachex:skip-session';

/** DI token of the sessions' storage, provided when the `session` option is set. @internal */
export const SESSION_STORAGE = Symbol('cachex:session-storage');
