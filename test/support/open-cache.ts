import { CacheRegistry, type CacheConfig, type CacheService } from '../../lib/index.js';
import { uniquePrefix } from '../contract/cache.contract.js';

/**
 * Opens `default` caches outside Nest for a test file, each under a unique key prefix unless the
 * config gives one, and closes all of them after each test:
 *
 *   const { open } = openCaches();
 *   const cache = await open({ location: testServers().redis.url });
 *
 * `opened` lists the registries still open, in opening order, for a test that closes one early.
 */
export function openCaches(): {
  open: (config: CacheConfig) => Promise<CacheService>;
  opened: CacheRegistry[];
} {
  const opened: CacheRegistry[] = [];
  afterEach(async () => {
    for (const registry of opened.splice(0)) await registry.onApplicationShutdown();
  });
  return {
    opened,
    open: async (config) => {
      const registry = await CacheRegistry.create({
        default: { keyPrefix: uniquePrefix(), ...config },
      });
      opened.push(registry);
      return registry.get('default');
    },
  };
}
