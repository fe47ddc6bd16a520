import type { CacheService } from '../cache/cache.service.js';
import { MESSAGES } from '../cachex.messages.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { copyMethodMetadata } from '../utils/copy-method-metadata.js';
import { registryHost } from './registry.host.js';

/** Any method, as a wrapping decorator sees it. */
export type AnyMethod = (this: unknown, ...args: never[]) => unknown;

/** What a wrapping decorator knows of the method it decorates. */
export interface DecoratedMethod {
  /** The method as written. */
  readonly original: AnyMethod;
  /** `'@Cacheable on Users.getUserData'`, for messages. */
  readonly where: string;
  /** The class's name (`'Users'`). */
  readonly owner: string;
  /** The method's name (`'getUserData'`). */
  readonly method: string;
}

/**
 * The one way the library's method decorators (`@Cacheable`, `@CachePut`, `@CacheEvict`,
 * `@WithLock`) replace a method: it checks that a method is decorated, names it for messages,
 * and gives the wrapper the original's name and metadata (route, HTTP code, guards, Swagger,
 * the other decorators of this library), so decorators compose in any order. The wrapper finds
 * its cache at call time with {@link cacheAt}, so it works on every class: providers built by
 * `useFactory`, classes created with `new`, controllers.
 * @param wrap - builds the wrapper; it runs when the class is defined, so it validates options
 * @throws CacheXConfigError when the class is defined, for a target that is not a method
 */
export function decorateMethod(
  decorator: string,
  target: object,
  propertyKey: string | symbol,
  descriptor: PropertyDescriptor,
  wrap: (method: DecoratedMethod) => AnyMethod,
): void {
  const owner = typeof target === 'function' ? target.name : target.constructor.name;
  const method = String(propertyKey);
  const where = `${decorator} on ${owner}.${method}`;
  const original = descriptor.value as unknown;
  if (typeof original !== 'function') throw new CacheXConfigError(MESSAGES.notAMethod(where));
  const wrapper = wrap({ original: original as AnyMethod, where, owner, method });
  copyMethodMetadata(original, wrapper);
  descriptor.value = wrapper;
}

/**
 * The cache a decorated method uses, looked up when it is called: the one of the application
 * whose instance `self` is, else of the application initialised last.
 * @throws CacheXError when no application with `CacheXModule` is initialised
 * @throws CacheXConfigError when no cache of that name is registered (the registered ones are listed)
 */
export function cacheAt(where: string, cacheName: string, self: unknown): CacheService {
  return registryHost.get(where, self).get(cacheName);
}
