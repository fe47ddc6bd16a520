// The `nestjs-cachex/health` entry point: it needs `@nestjs/terminus`, which the main entry
// point never imports, so that applications without terminus load `nestjs-cachex` as before.
export { CacheXHealthIndicator } from './cache-health.indicator.js';
export type { CacheHealthOptions } from './cache-health-options.interface.js';
