import type { CacheBackend } from '../backends/backend.interface.js';
import type { CacheXError } from '../errors/cachex.error.js';
import type { KeyBuilder } from '../keys/key-builder.js';
import type { OpContext } from './ops/cache-op.js';

/**
 * @internal One cache as the library's features see it: its keys, codec, TTL rules and argument
 * errors (the {@link OpContext} its own methods use), its backend and its error mapping. A cache
 * hands it to what it makes (pipelines, locks) and registers it for the features that are given
 * a cache (rate limits), so that none of them reaches through the cache's public members.
 */
export interface CacheContext extends OpContext {
  readonly backend: CacheBackend;
  readonly keyBuilder: KeyBuilder;
  /** What the backend rejected with, as the typed error naming the cache (and the user's key). */
  mapError(error: unknown, key?: string): CacheXError;
}

/** Each cache's context, by cache: a cache belongs to one application, and so does its context. */
const CONTEXTS = new WeakMap<object, CacheContext>();

/** @internal Registers the context of a cache; called once, by the cache's constructor. */
export function provideCacheContext(cache: object, context: CacheContext): void {
  CONTEXTS.set(cache, context);
}

/**
 * @internal The context of a cache.
 * @throws TypeError for an object that is not a cache made by a registry
 */
export function cacheContext(cache: object): CacheContext {
  const context = CONTEXTS.get(cache);
  if (context === undefined) throw new TypeError('not a CacheService made by a CacheRegistry');
  return context;
}
