import { AsyncLocalStorage } from 'node:async_hooks';
import { MESSAGES } from '../cachex.messages.js';
import { LockAcquireTimeoutError } from '../errors/lock-acquire-timeout.error.js';
import { createLock, type Lock, type LockHost } from './lock.js';
import type { WithLockOptions } from './lock-options.interface.js';

const held = new AsyncLocalStorage<Lock>();

/**
 * The lock held by the innermost `withLock()` or `@WithLock` call around this code, or
 * `undefined` outside one. A decorated method reads its lock's `signal` (to stop when the lock is
 * lost) and `fencingToken` (to fence its writes) through it.
 * @example
 * @WithLock('import', { lease: '1m', autoExtend: true })
 * async import(): Promise<void> {
 *   const { signal, fencingToken } = currentLock()!;
 *   for (const batch of batches) {
 *     signal.throwIfAborted();
 *     await this.store.write(batch, fencingToken);
 *   }
 * }
 */
export function currentLock(): Lock | undefined {
  return held.getStore();
}

/**
 * @internal Runs `fn` under a lock: acquires it (waiting up to `wait`), runs `fn` with the lock
 * (also reachable through {@link currentLock}), then releases it. Backs `cache.withLock()`.
 * @throws LockAcquireTimeoutError when the lock was not acquired within `wait`; `fn` did not run
 * @throws LockLostError when `fn` succeeded but the lock was not held until the end
 */
export async function runWithLock<T>(
  host: LockHost,
  name: string,
  fn: (lock: Lock) => T | Promise<T>,
  options: WithLockOptions = {},
): Promise<T> {
  const lock = createLock(host, name, options);
  if (!(await lock.acquire({ signal: options.signal }))) throw acquireTimeout(host, lock);
  return runHeld(lock, fn, lock);
}

/**
 * @internal Runs `fn(...args)` under a lock just acquired (reachable through
 * {@link currentLock}), then releases it. Arguments are passed through, so that a caller needs
 * no closure per call.
 * @throws LockLostError when `fn` succeeded but the lock was not held until the end
 */
export async function runHeld<A extends unknown[], T>(
  lock: Lock,
  fn: (...args: A) => T | Promise<T>,
  ...args: A
): Promise<T> {
  let result: T;
  try {
    result = await held.run(lock, fn, ...args);
  } catch (error) {
    // NOTE: the work's own failure is what the caller must handle; a lock lost meanwhile adds
    // nothing to it, and the lock expires by itself if it cannot be released now.
    await lock.release().catch(() => undefined);
    throw error;
  }
  await lock.release();
  return result;
}

/** @internal The error of a lock not acquired within its `wait`. */
export function acquireTimeout(host: LockHost, lock: Lock): LockAcquireTimeoutError {
  return new LockAcquireTimeoutError(
    MESSAGES.lockAcquireTimeout(host.name, lock.name, lock.wait),
    host.name,
    lock.name,
    lock.wait,
  );
}
