import type { LockLostReason } from './errors/lock-lost.error.js';

/**
 * Every message the library shows, in one place, so that they stay consistent: each names the
 * cache, key or option at fault and says how to fix it.
 */
export const MESSAGES = {
  invalidOption: (cache: string, option: string, problem: string) =>
    `Cache '${cache}': option \`${option}\` ${problem}.`,
  unknownOption: (cache: string, option: string, known: readonly string[]) =>
    `Cache '${cache}': unknown option \`${option}\`. Known options: ${known.join(', ')}.`,
  noDefaultCache: (names: readonly string[]) =>
    `No 'default' cache is configured (got: ${names.join(', ') || 'none'}). ` +
    `CacheService injects the 'default' cache: add one, e.g. { default: { location: 'memory://' } }.`,
  ttlLooksLikeSeconds: (cache: string, ttl: number) =>
    `Cache '${cache}': option \`ttl\` is ${ttl} ms; did you mean '${ttl}s'? ` +
    `A plain number is milliseconds; write '${ttl}ms' to keep ${ttl} ms without this warning.`,
  notAnObject: (cache: string) => `Cache '${cache}': the configuration must be an object.`,
  cachesNotAnObject: () =>
    `CacheXModule: the caches must be an object of named configurations, e.g. { default: { location: 'memory://' } }.`,
  asyncNamesMismatch: (declared: readonly string[], got: readonly string[]) =>
    `CacheXModule.forRootAsync: \`cacheNames\` declares [${declared.join(', ')}] but the factory returned [${got.join(', ')}]. ` +
    `List every cache the factory returns in \`cacheNames\`.`,
  asyncNoFactory: () =>
    'CacheXModule.forRootAsync needs one of `useFactory`, `useClass` or `useExisting`.',
  unknownCache: (name: string, known: readonly string[], requester?: string) =>
    `${requester ? `${requester} injects` : 'Requested'} cache '${name}', which is not registered. ` +
    `Registered caches: ${known.join(', ')}. Add it to CacheXModule.forRoot() (or to \`cacheNames\` with forRootAsync).`,
  ioredisMissing: (cache: string) =>
    `Cache '${cache}' needs the ioredis package for its location; install it: npm install ioredis`,
  codecPackageMissing: (
    cache: string,
    option: string,
    format: string,
    pkg: string,
    detail: string,
  ) =>
    `Cache '${cache}': option \`${option}\` names '${format}', which needs the ${pkg} package, and it could not be loaded (${detail}). ` +
    `Install it: npm install ${pkg}`,
  wrongType: (cache: string, key: string) =>
    `Cache '${cache}': key '${key}' holds another kind of value (a hash, list, set or sorted set) than this operation needs.`,
  notInteger: (cache: string, key: string) =>
    `Cache '${cache}': key '${key}' does not hold an integer (or the result would overflow 64 bits), so it cannot be incremented.`,
  connection: (cache: string, detail: string) =>
    `Cache '${cache}': the server could not be reached or the connection dropped (${detail}).`,
  serverError: (cache: string, key: string | undefined, detail: string) =>
    `Cache '${cache}'${key === undefined ? '' : `, key '${key}'`}: the server answered an error: ${detail}`,
  encode: (cache: string, key: string, detail: string) =>
    `Cache '${cache}': the value for key '${key}' cannot be serialized (${detail}); nothing was written.`,
  decode: (cache: string, key: string, detail: string) =>
    `Cache '${cache}': the stored value of key '${key}' cannot be deserialized (${detail}).`,
  invalidArgument: (cache: string, argument: string, problem: string) =>
    `Cache '${cache}': argument \`${argument}\` ${problem}.`,
  keyNotWellFormed: (key: string) =>
    `is not well-formed Unicode (it has a lone surrogate: ${key}), so Redis, which stores keys as UTF-8, could not keep it apart from other such keys; encode binary data (hex, base64) before using it in a key`,
  keyNotFound: (cache: string, key: string, version: number) =>
    `Cache '${cache}': key '${key}' does not exist at version ${version}.`,
  backendDown: (cache: string, detail: string) =>
    `Cache '${cache}' lost its connection (${detail}); commands fail until it is back.`,
  backendUp: (cache: string) => `Cache '${cache}' reaches its server again.`,
  queuedTooLong: (timeout: number) =>
    `Command timed out: no connection to the server within commandTimeout (${timeout} ms); it was not sent`,
  unansweredTooLong: (timeout: number) =>
    `Command timed out: no reply from the server within commandTimeout (${timeout} ms); it may have been applied`,
  ignoredDown: (cache: string, detail: string) =>
    `Cache '${cache}' cannot reach its server (${detail}); with onError: 'ignore', reads miss and writes are dropped until it is back.`,
  notReady: (cache: string, location: string, waitMs: number, detail: string) =>
    `Cache '${cache}': the server at ${location} did not answer within waitForReady (${waitMs} ms): ${detail}. ` +
    'Start the server, check the location, or lengthen waitForReady (false starts without waiting).',
  hashNotNumber: (cache: string, key: string, kind: 'an integer' | 'a number') =>
    `Cache '${cache}': a field of hash '${key}' does not hold ${kind} (or the result would overflow), so it cannot be incremented.`,
  noSuchList: (cache: string, key: string) =>
    `Cache '${cache}': list '${key}' does not exist; lset needs an existing list (create it with rpush).`,
  indexOutOfRange: (cache: string, key: string) =>
    `Cache '${cache}': argument \`index\` is out of the range of list '${key}'; nothing was changed.`,
  crossSlot: (cache: string, operation: string, keys: readonly string[]) =>
    `Cache '${cache}': ${operation} needs its keys in one hash slot of the cluster, but ${keys
      .map((k) => `'${k}'`)
      .join(', ')} are in different slots; nothing was sent. ` +
    'Give them a common hash tag, e.g. {user:42}:a and {user:42}:b.',
  scriptsNotSupported: (cache: string, operation: string) =>
    `Cache '${cache}' is on the memory backend, which does not run Lua (${operation}); ` +
    "run scripts on Redis or Valkey, or use the cache's methods (they are atomic in memory).",
  pipelineFailed: (cache: string, failed: number, total: number, first: string) =>
    `Cache '${cache}': ${failed} of ${total} pipeline operations failed (the others ran); first failure: ${first}`,
  pipelineExecuted: (cache: string) =>
    `Cache '${cache}': this pipeline has already been executed; queue new operations on cache.pipeline().`,
  noActiveRegistry: (user: string) =>
    `${user} needs a cache, but no application with CacheXModule is initialised. ` +
    'Import CacheXModule.forRoot() in the application module, and call the method after `await app.init()` (or `app.listen()`).',
  lockLost: (cache: string, lock: string, reason: LockLostReason, leaseMs: number) =>
    `Cache '${cache}': lock '${lock}' ${LOCK_LOST[reason]}, so the work done under it may not ` +
    `have been exclusive. ${reason === 'unreachable' ? 'The lock expires by itself after its lease. ' : ''}` +
    `Give it a longer \`lease\` (now ${leaseMs} ms), use \`autoExtend: true\`, or call \`extend()\` while the work runs.`,
  lockAcquireTimeout: (cache: string, lock: string, waitMs: number) =>
    `Cache '${cache}': lock '${lock}' is held by another holder and could not be acquired ` +
    `${waitMs === 0 ? 'on the single try (`wait` is 0)' : `within ${waitMs} ms`}. ` +
    "Raise `wait`, or with @WithLock use `onLocked: 'skip'` to skip the work instead.",
  lockNotHeld: (cache: string, lock: string) =>
    `Cache '${cache}': lock '${lock}' is not held, so it cannot be extended; acquire it first.`,
  lockAlreadyHeld: (cache: string, lock: string) =>
    `Cache '${cache}': this Lock already holds lock '${lock}'; release it first, or create another with cache.lock().`,
  lockWaitClosed: (cache: string, lock: string) =>
    `Cache '${cache}': the wait for lock '${lock}' ended because the cache was closed ` +
    '(application shutdown); the lock was not acquired.',
  lockDecoratorOption: (where: string, option: string, problem: string) =>
    `${where}: option \`${option}\` ${problem}.`,
  rateLimitNotAnObject: (what: string, got: string) => `${what} must be an object, got ${got}.`,
  rateLimitOption: (where: string, option: string, problem: string) =>
    `${where}: option \`${option}\` ${problem}.`,
  rateLimitUnknownOption: (where: string, option: string, known: readonly string[]) =>
    `${where}: unknown option \`${option}\`. Known options: ${known.join(', ')}.`,
  rateLimitDuplicate: (where: string, name: string) =>
    `${where}: two limits are named '${name}'; give each limit of a method its own \`name\`.`,
  rateLimitExceeded: (
    name: string,
    limit: number,
    windowMs: number,
    key: string,
    retryAfterMs: number,
  ) =>
    `Rate limit '${name}' (${limit} per ${windowMs} ms) exceeded for '${key}'; retry in ${retryAfterMs} ms.`,
  rateLimitBackendDown: (cache: string, detail: string) =>
    `Rate limits on cache '${cache}' cannot reach the server (${detail}); until it is back, each limit does what its \`onBackendError\` says (allow, deny, fallback or throw).`,
  rateLimitBackendUp: (cache: string) => `Rate limits on cache '${cache}' reach the server again.`,
  rateLimitNoClient: (where: string, type: string) =>
    `${where}: cannot tell the client's IP address in a '${type}' context; give the limit \`by: (context) => …\` to say who is counted.`,
  rateLimitKeyOnHandler: (where: string) =>
    `${where}: \`key\` is a function of a provider method's arguments, which a route's guard does not have; on a route, gateway or resolver use \`by\`.`,
  rateLimitByOffHandler: (where: string) =>
    `${where}: \`by\` needs a request, but the method was called outside a route, gateway or resolver; on a provider method use \`key: (...args) => string\`.`,
  rateLimitBadKey: (where: string, option: string, got: string) =>
    `${where}: \`${option}\` must give a non-empty string, got ${got}.`,
  refreshFailed: (cache: string, key: string, error: unknown) =>
    `Cache '${cache}': refreshing key '${key}' in the background failed (${errorText(error)}); the entry keeps its value until it expires.`,
  staleOnError: (cache: string, key: string, error: unknown) =>
    `Cache '${cache}': computing key '${key}' failed (${errorText(error)}); a stale value was served (staleIfError).`,
  cacheableBypassed: (cache: string, key: string, detail: string) =>
    `Cache '${cache}': method caching bypassed the cache for key '${key}' (${detail}); the method ran without it.`,
  cacheableDown: (cache: string, detail: string) =>
    `Cache '${cache}': method caching cannot reach the server (${detail}); methods run uncached until it is back.`,
  cachingDecoratorOption: (where: string, option: string, problem: string) =>
    `${where}: option \`${option}\` ${problem}.`,
  cachingKey: (where: string, problem: string) =>
    `${where}: cannot build the cache key: ${problem}.`,
  notAMethod: (where: string) => `${where}: the decorator must be applied to a method.`,
  overlappingCaches: (first: string, second: string, detail: string) =>
    `Caches '${first}' and '${second}' are on the same server and database, and their keys overlap (${detail}): ` +
    `a key of one could overwrite a key of the other, and clear() of one would delete the other's. ` +
    "Give each cache its own `keyPrefix`, none of them the start of another's keys (e.g. 'app' and 'sessions', not 'app' and 'app:1', nor two empty ones), " +
    'or put them in different databases.',
  outcomeUnknown: (cache: string, command: string) =>
    `Cache '${cache}': the connection dropped after ${command.toUpperCase()} was sent and before its reply arrived, ` +
    'so whether the server ran it is unknown; it was not sent again, as a second run could apply it twice. ' +
    'Retry it if running it twice is harmless, or read the data to find out.',
  /** The problem of a duration that rounds to 0 ms (`0`, `'0s'`, `0.4`), for option and argument messages. */
  durationBelowOneMs: (got: string, hint: string) =>
    `must be a whole number of milliseconds ≥ 1, got ${got}, which rounds to 0 ms (${hint})`,
  /** The problem of a number that is not a safe integer (`1.5`, `2 ** 60`). */
  notSafeInteger: (got: string) =>
    `must be a safe integer (a whole number from -(2^53 - 1) to 2^53 - 1, which is exact in JavaScript), got ${got}`,
  sessionNotAnObject: (got: string) =>
    `CacheXModule: option \`session\` must be an object such as { secret: process.env.SESSION_SECRET }, got ${got}.`,
  sessionOption: (option: string, problem: string) =>
    `CacheXModule: option \`session.${option}\` ${problem}.`,
  sessionNoTtl: (cache: string) =>
    `CacheXModule: sessions on cache '${cache}' would never expire: the cache has no \`ttl\`. ` +
    "Give the cache a `ttl` (e.g. '14d') or set `session.ttl`.",
  sessionNotEnabled: (user: string) =>
    `${user} needs a session, but this request has none: enable sessions with the module option ` +
    '`session` of CacheXModule.forRoot (e.g. { session: { secret: process.env.SESSION_SECRET } }).',
  sessionCommitted: (cache: string, action: string) =>
    `Session on cache '${cache}': cannot ${action} after the response has started (its headers are sent with the session's cookie). ` +
    'Change the session before writing to the response.',
  sessionNotHttp: (type: string) =>
    `SessionGuard protects HTTP routes; it refuses a '${type}' context, which has no session.`,
  sessionSaveFailed: (cache: string, detail: string) =>
    `Session on cache '${cache}' could not be saved (${detail}); the response is sent without the change.`,
  moduleOption: (option: string, problem: string) =>
    `CacheXModule: option \`${option}\` ${problem}.`,
  metricsNotLoaded: (detail: string) =>
    `@opentelemetry/api is installed but could not be loaded (${detail}); the caches' metrics are not exported to OpenTelemetry (cache.stats() still counts).`,
  healthTimeout: (cache: string, timeoutMs: number) =>
    `Cache '${cache}': PING did not answer within ${timeoutMs} ms.`,
} as const;

const LOCK_LOST: Record<LockLostReason, string> = {
  expired: 'expired before it was released (its lease ran out or its key was deleted)',
  replaced: 'is held by another holder now (its lease ran out before it was released)',
  unreachable: 'could not be renewed or released because the server could not be reached',
};

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
