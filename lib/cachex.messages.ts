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
  keyNotFound: (cache: string, key: string, version: number) =>
    `Cache '${cache}': key '${key}' does not exist at version ${version}.`,
  backendDown: (cache: string, detail: string) =>
    `Cache '${cache}' lost its connection (${detail}); commands fail until it is back.`,
  backendUp: (cache: string) => `Cache '${cache}' is connected again.`,
  noActiveRegistry: (user: string) =>
    `${user} needs a cache, but no application with CacheXModule is initialised. ` +
    'Import CacheXModule.forRoot() in the application module, and call the method after `await app.init()` (or `app.listen()`).',
} as const;
