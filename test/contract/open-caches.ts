import { CacheRegistry, type CacheConfig, type CacheService } from '../../lib/index.js';
import { uniquePrefix } from './cache.contract.js';

/**
 * Opens caches for the tests of one describe block, each with a unique prefix unless given, and
 * clears and closes them after each test. Call it inside a describe.
 */
export function openCaches(
  base: () => CacheConfig,
): (config?: Partial<CacheConfig>, prefix?: string) => Promise<CacheService> {
  const registries: CacheRegistry[] = [];
  afterEach(async () => {
    for (const registry of registries.splice(0)) {
      for (const name of registry.names()) await registry.get(name).clear();
      await registry.onApplicationShutdown();
    }
  });
  return async (config = {}, prefix = uniquePrefix()) => {
    const registry = await CacheRegistry.create({
      default: { ...base(), keyPrefix: prefix, ...config },
    });
    registries.push(registry);
    return registry.get('default');
  };
}

/** What a promise rejected with (fails the test when it resolved). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
