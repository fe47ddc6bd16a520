import type { CacheBackend, NoticeSubscription } from '../backends/backend.interface.js';

/** What a waiter gets from a backend without the notices capability: nothing; it polls. */
const NO_NOTICES: NoticeSubscription = { ready: Promise.resolve(false), stop() {} };

/**
 * Listens for the release notices of one lock (its key's name is the channel) through the
 * backend's `notices` capability: in-process on the memory backend, pub/sub on Redis and
 * cluster. A backend without the capability answers a subscription that is never ready, and the
 * waiter polls.
 */
export function listenForRelease(
  backend: CacheBackend,
  channel: string,
  onRelease: () => void,
): NoticeSubscription {
  return backend.notices?.listen(channel, onRelease) ?? NO_NOTICES;
}

/** The pending lock waits on each backend, to end when its cache closes. */
const pendingWaits = new WeakMap<CacheBackend, Set<() => void>>();

/**
 * Registers a pending wait on a backend's locks; `end` is called if the cache closes before the
 * wait ends. Answers the function that unregisters it.
 */
export function trackWait(backend: CacheBackend, end: () => void): () => void {
  let waits = pendingWaits.get(backend);
  if (!waits) {
    waits = new Set();
    pendingWaits.set(backend, waits);
  }
  waits.add(end);
  const own = waits;
  return () => own.delete(end);
}

/**
 * Ends the pending lock waits of a cache that closes (application shutdown): each rejects at
 * once instead of holding the process until its deadline. The backend's own subscriber
 * connection closes with the backend.
 */
export async function closeReleaseNotices(backend: CacheBackend): Promise<void> {
  const waits = pendingWaits.get(backend);
  if (!waits) return;
  pendingWaits.delete(backend);
  for (const end of [...waits]) end();
}
