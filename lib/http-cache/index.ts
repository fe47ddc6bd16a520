export { CacheResponse, NoCacheResponse } from './cache-response.decorator.js';
export { CacheResponseInterceptor } from './cache-response.interceptor.js';
export type {
  CacheResponseKeySource,
  CacheResponseOptions,
  CacheResponseTagsSource,
  HttpCacheModuleOptions,
} from './cache-response-options.interface.js';
