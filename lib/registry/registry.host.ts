import { MESSAGES } from '../cachex.messages.js';
import { CacheXError } from '../errors/cachex.error.js';
import type { CacheRegistry } from './cache.registry.js';

/** Registries of the initialised applications, in the order they were initialised. */
const attached: CacheRegistry[] = [];
/** The registry of the application each provider and controller instance belongs to. */
const owners = new WeakMap<object, CacheRegistry>();

/**
 * Where method decorators (`@Cacheable`, `@WithLock`, `@RateLimit`, …) find the caches **at call
 * time**, so that they work on any class: providers built by `useFactory`, classes created with
 * `new`, controllers. `CacheXModule`'s registry attaches itself when the application initialises,
 * with the instances of its providers and controllers, and detaches on shutdown. A method called
 * on an instance of an application uses that application's caches, also with several
 * applications in one process; an instance no application made (`new`) uses the application
 * initialised last that is still running.
 */
export const registryHost = {
  /**
   * Changes whenever an application attaches or detaches: a caller may keep what it looked up
   * for an instance while the epoch stays the same.
   */
  epoch: 0,

  attach(registry: CacheRegistry, instances: Iterable<object> = []): void {
    registryHost.epoch++;
    attached.push(registry);
    for (const instance of instances) owners.set(instance, registry);
  },

  detach(registry: CacheRegistry): void {
    registryHost.epoch++;
    const index = attached.lastIndexOf(registry);
    if (index >= 0) attached.splice(index, 1);
  },

  /**
   * The registry for a call.
   * @param user - who asks, for the error message (`'@WithLock on PaymentService.process'`)
   * @param self - the instance the decorated method is called on
   * @throws CacheXError when no application with `CacheXModule` is initialised
   */
  get(user: string, self?: unknown): CacheRegistry {
    if (typeof self === 'object' && self !== null) {
      const owner = owners.get(self);
      if (owner !== undefined && attached.includes(owner)) return owner;
    }
    const active = attached[attached.length - 1];
    if (!active) throw new CacheXError(MESSAGES.noActiveRegistry(user));
    return active;
  },
};
