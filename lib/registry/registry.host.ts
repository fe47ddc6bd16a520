import { MESSAGES } from '../cachex.messages.js';
import { CacheXError } from '../errors/cachex.error.js';
import type { CacheRegistry } from './cache.registry.js';

let active: CacheRegistry | undefined;

/**
 * Where method decorators (`@Cacheable`, `@WithLock`, `@RateLimit`, …) find the caches **at call
 * time**, so that they work on any class: providers built by `useFactory`, classes created with
 * `new`, controllers. `CacheXModule`'s registry attaches itself when the application initialises
 * and detaches on shutdown. One application per process is the norm; with several, the one
 * initialised last serves the decorators.
 */
export const registryHost = {
  attach(registry: CacheRegistry): void {
    active = registry;
  },

  detach(registry: CacheRegistry): void {
    if (active === registry) active = undefined;
  },

  /**
   * The active registry.
   * @param user - who asks, for the error message (`'@WithLock on PaymentService.process'`)
   * @throws CacheXError when no application with `CacheXModule` is initialised
   */
  get(user: string): CacheRegistry {
    if (!active) throw new CacheXError(MESSAGES.noActiveRegistry(user));
    return active;
  },
};
