import type { RedisOptions } from 'ioredis';

/** Where a cache lives, as parsed from its `location`. */
export type ParsedLocation =
  | { kind: 'memory'; store: string }
  | { kind: 'redis'; options: RedisOptions }
  | { kind: 'cluster'; nodes: Array<{ host: string; port: number }>; options: RedisOptions };

const DEFAULT_PORT = 6379;
const SCHEMES = ['redis://', 'rediss://', 'valkey://', 'valkeys://', 'unix://', 'memory://'];

/**
 * Parses a `location` into ioredis options, or returns what is wrong with it (the caller names
 * the cache and option in the error). `valkey://` is the same protocol as `redis://`, and the
 * `s` variants turn TLS on.
 */
export function parseLocation(
  location: string | string[],
  cluster: boolean,
): ParsedLocation | string {
  if (Array.isArray(location)) {
    if (!cluster) return 'is a list of nodes, which needs `cluster: true`';
    if (location.length === 0) return 'lists no cluster nodes';
    const nodes: Array<{ host: string; port: number }> = [];
    let options: RedisOptions = {};
    for (const entry of location) {
      const parsed = parseServerUrl(entry);
      if (typeof parsed === 'string') return parsed;
      if (parsed.path) return `'${entry}': cluster nodes need host:port, not a unix socket`;
      nodes.push({ host: parsed.host ?? '127.0.0.1', port: parsed.port ?? DEFAULT_PORT });
      const { host: _host, port: _port, db: _db, ...shared } = parsed;
      options = { ...options, ...shared };
    }
    return { kind: 'cluster', nodes, options };
  }
  if (typeof location !== 'string')
    return 'must be a URL string or, with `cluster: true`, an array of them';
  if (location.startsWith('memory://')) {
    if (cluster) return '`memory://` cannot be a cluster';
    const store = location.slice('memory://'.length).replace(/\/+$/, '');
    if (!/^[\w.-]*$/.test(store))
      return `'${location}': a memory store name may hold letters, digits, '.', '_' and '-'`;
    return { kind: 'memory', store };
  }
  const parsed = parseServerUrl(location);
  if (typeof parsed === 'string') return parsed;
  if (cluster) {
    const { host, port, db: _db, ...shared } = parsed;
    if (parsed.path) return 'a cluster needs host:port seed nodes, not a unix socket';
    return {
      kind: 'cluster',
      nodes: [{ host: host ?? '127.0.0.1', port: port ?? DEFAULT_PORT }],
      options: shared,
    };
  }
  return { kind: 'redis', options: parsed };
}

function parseServerUrl(text: string): RedisOptions | string {
  const scheme = SCHEMES.find((s) => text.startsWith(s));
  if (!scheme || scheme === 'memory://') {
    return `'${redact(text)}' has an unknown scheme; use one of ${SCHEMES.join(', ')}`;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `'${redact(text)}' is not a valid URL`;
  }
  const options: RedisOptions = {};
  try {
    if (url.username) options.username = decodeURIComponent(url.username);
    if (url.password) options.password = decodeURIComponent(url.password);
    if (scheme === 'unix://') options.path = decodeURIComponent(url.pathname);
  } catch {
    return `'${redact(text)}' has a malformed %-escape`;
  }
  const password = url.searchParams.get('password');
  if (password !== null) options.password = password;

  let dbText = url.searchParams.get('db');
  if (scheme === 'unix://') {
    if (!url.pathname || url.pathname === '/') return `'${redact(text)}' names no socket path`;
  } else {
    options.host = url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
    options.port = url.port ? Number(url.port) : DEFAULT_PORT;
    const pathDb = url.pathname.replace(/^\/+|\/+$/g, '');
    if (pathDb !== '') {
      if (dbText !== null && dbText !== pathDb)
        return `'${redact(text)}' gives two different databases`;
      dbText = pathDb;
    }
    if (scheme === 'rediss://' || scheme === 'valkeys://') options.tls = {};
  }
  if (dbText !== null) {
    if (!/^\d+$/.test(dbText))
      return `'${redact(text)}': the database must be a number, got '${dbText}'`;
    options.db = Number(dbText);
  }
  return options;
}

/**
 * The URL with its password masked, for error messages and logs: what follows the user name up
 * to the last `@` (a password may itself contain `@`, `/` or `:`), and every `password=` query
 * parameter.
 */
export function redact(text: string): string {
  const masked = text.replace(
    /^([a-z][a-z0-9+.-]*:\/*)([^]*)@/i,
    (_all, scheme: string, userInfo: string) => {
      const colon = userInfo.indexOf(':');
      return colon < 0 ? `${scheme}${userInfo}@` : `${scheme}${userInfo.slice(0, colon)}:***@`;
    },
  );
  return masked.replace(/([?&]password=)[^&]*/g, '$1***');
}
