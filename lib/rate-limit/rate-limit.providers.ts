import type { Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CacheRegistry } from '../registry/cache.registry.js';
import { resolveRateLimitSettings } from './rate-limit.config.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import type { RateLimitModuleOptions } from './rate-limit-options.interface.js';
import { RateLimiter } from './rate-limiter.service.js';

/**
 * What `CacheXModule` provides for rate limiting: `RateLimiter`, and a global `RateLimitGuard`
 * when the `rateLimit` option has default limits. Validates the option at once, so that a
 * mistake stops the application at start-up.
 * @throws CacheXConfigError naming the option at fault
 * @internal
 */
export function rateLimitProviders(options: RateLimitModuleOptions | undefined): {
  providers: Provider[];
  exports: Provider[];
} {
  const settings = resolveRateLimitSettings(options);
  const providers: Provider[] = [
    {
      provide: RateLimiter,
      inject: [CacheRegistry],
      useFactory: (registry: CacheRegistry) => RateLimiter.register(registry, settings),
    },
  ];
  if (settings.defaults.length > 0)
    providers.push({ provide: APP_GUARD, useClass: RateLimitGuard });
  return { providers, exports: [RateLimiter] };
}
