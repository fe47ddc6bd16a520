import { DEFAULT_CACHE } from '../cachex.constants.js';
import { MESSAGES } from '../cachex.messages.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { cacheAt, decorateMethod, type AnyMethod } from '../registry/method-decorator.js';
import { describe } from '../utils/duration.js';
import { lockWith, resolveLockOptions } from './lock.js';
import type { WithLockDecoratorOptions } from './lock-options.interface.js';
import { acquireTimeout, runHeld } from './with-lock.js';

/** Calls a method: with `runHeld`'s pass-through arguments, a call needs no closure of its own. */
function callMethod(method: AnyMethod, self: unknown, args: never[]): unknown {
  return method.apply(self, args);
}

/** An async method: the only kind `@WithLock` accepts (the lock is held until its promise settles). */
type AsyncMethod = (...args: never[]) => Promise<unknown>;

/**
 * Runs the method under a distributed lock: acquires the lock (waiting up to `wait`), runs the
 * method, releases the lock. Works on any class (services, controllers, providers built by
 * `useFactory`, classes created with `new`): the cache is looked up when the method is called.
 * The method's other metadata (route, guards, Swagger) is kept. Inside, `currentLock()` gives
 * the lock (its `signal` and `fencingToken`).
 *
 * The name may be a function of the method's arguments (called with the instance as `this`).
 * Options are validated when the class is defined; durations are **milliseconds** or strings.
 * With `onLocked: 'skip'` a call that cannot get the lock resolves to `undefined`: give the
 * method a return type that allows it.
 *
 * @param name - the lock's name, or a function of the method's arguments that returns it
 * @param options - `lease` (default 30 s), `wait` (default 0: one try), `autoExtend` (default
 * false), `cache` (default `'default'`), `onLocked` (default `'throw'`)
 * @throws CacheXConfigError when the class is defined, for an invalid option
 * @throws LockAcquireTimeoutError from the method, when the lock was not acquired within `wait`
 * (unless `onLocked: 'skip'`)
 * @throws LockLostError from the method, when it succeeded but the lock was not held until it
 * finished (its result is then not returned)
 *
 * @example
 * @WithLock('process-payments', { lease: '30s' })
 * async processPendingPayments(): Promise<void> { ... }
 *
 * @WithLock((invoiceId: string) => `invoice:${invoiceId}`, { wait: '5s', autoExtend: true })
 * async settle(invoiceId: string): Promise<Receipt> { ... }
 *
 * @Cron('0 3 * * *')
 * @WithLock('nightly-report', { lease: '10m', onLocked: 'skip' })
 * async nightlyReport(): Promise<void> { ... }
 */
export function WithLock<A extends unknown[]>(
  name: string | ((...args: A) => string),
  options: WithLockDecoratorOptions = {},
) {
  return <M extends AsyncMethod>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void =>
    decorateMethod('@WithLock', target, propertyKey, descriptor, ({ original, where }) => {
      const cacheName = options.cache ?? DEFAULT_CACHE;
      const fail = (option: string, problem: string) =>
        new CacheXConfigError(
          MESSAGES.lockDecoratorOption(where, option, problem),
          cacheName,
          option,
        );
      if (typeof name === 'string' ? name === '' : typeof name !== 'function') {
        throw fail('name', `must be a non-empty string or a function, got ${describe(name)}`);
      }
      const resolved = resolveLockOptions(options);
      if ('problem' in resolved) throw fail(resolved.option, resolved.problem);
      if (typeof cacheName !== 'string') {
        throw fail('cache', `must be a cache name, got ${describe(cacheName)}`);
      }
      const onLocked = options.onLocked ?? 'throw';
      if (onLocked !== 'throw' && onLocked !== 'skip') {
        throw fail('onLocked', `must be 'throw' or 'skip', got ${describe(onLocked)}`);
      }
      return async function (this: unknown, ...args: never[]): Promise<unknown> {
        const host = cacheAt(where, cacheName, this).lockHost;
        const lockName = typeof name === 'function' ? name.apply(this, args as unknown as A) : name;
        const lock = lockWith(host, lockName, resolved);
        if (!(await lock.acquire())) {
          if (onLocked === 'skip') return undefined;
          throw acquireTimeout(host, lock);
        }
        return await runHeld(lock, callMethod, original, this, args);
      };
    });
}
