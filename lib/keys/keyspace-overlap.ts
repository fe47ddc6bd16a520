import type { BackendSpec, ResolvedCacheConfig } from '../config/resolve-config.js';

/** Two caches whose keys could meet, and how. */
export interface KeyspaceOverlap {
  first: string;
  second: string;
  /** The two key spaces that overlap, e.g. `'app:1:…' and 'app:1:1:…'`. */
  detail: string;
}

/**
 * The first pair of caches on one server and database (or one `memory://` store) whose key
 * spaces overlap, if any. A cache owns the keys starting with `<prefix>:<version>:` and its
 * internal keys, starting with `<prefix>:cachex:`. When none of these prefixes of one cache is a
 * prefix of one of the other's, no string starts with both, so no user key of one cache can ever
 * reach a key of the other (nor can `clear()` or a pattern). Caches with a custom `keyFunction`
 * are left out: their key format is theirs.
 */
export function findKeyspaceOverlap(
  caches: readonly ResolvedCacheConfig[],
): KeyspaceOverlap | undefined {
  const checked = caches
    .filter((cache) => !cache.keys.custom)
    .map((cache) => ({
      name: cache.name,
      servers: serverIds(cache.backend),
      spaces: [`${cache.keys.prefix}:${cache.keys.version}:`, `${cache.keys.prefix}:cachex:`],
    }));
  for (const [i, a] of checked.entries()) {
    for (const b of checked.slice(i + 1)) {
      if (!a.servers.some((id) => b.servers.includes(id))) continue;
      for (const x of a.spaces) {
        for (const y of b.spaces) {
          if (x.startsWith(y) || y.startsWith(x)) {
            return { first: a.name, second: b.name, detail: `'${x}…' and '${y}…'` };
          }
        }
      }
    }
  }
  return undefined;
}

const clientIds = new WeakMap<object, number>();
let lastClientId = 0;

/**
 * Names of the server and database a backend reaches (several for a cluster's seed nodes), for
 * telling whether two caches share a keyspace. `localhost` and `127.0.0.1` count as one.
 */
function serverIds(spec: BackendSpec): string[] {
  switch (spec.kind) {
    case 'memory':
      return [`memory://${spec.store}`];
    case 'client': {
      if (!clientIds.has(spec.client)) clientIds.set(spec.client, ++lastClientId);
      const db = (spec.client.options as { db?: number } | undefined)?.db ?? 0;
      return [`client#${clientIds.get(spec.client)}/${db}`];
    }
    case 'cluster':
      return spec.nodes.map((node) => `${hostOf(node.host)}:${node.port}/0`);
    case 'redis': {
      const { options } = spec;
      const db = options.db ?? 0;
      if (options.sentinels) return [`sentinel:${options.name}/${db}`];
      if (options.path) return [`unix:${options.path}/${db}`];
      return [`${hostOf(options.host ?? 'localhost')}:${options.port ?? 6379}/${db}`];
    }
  }
}

function hostOf(host: string): string {
  const lower = host.toLowerCase();
  return lower === 'localhost' || lower === '::1' || lower === '[::1]' ? '127.0.0.1' : lower;
}
