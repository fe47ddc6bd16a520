import { Controller, Delete, Get, Param, ParseIntPipe, Query } from '@nestjs/common';
import { CacheResponse, CacheService } from 'nestjs-cachex';
import { ProductCatalog, type Product } from './product-catalog.js';

export interface ProductResponse {
  product: Product;
  /** Whether this request was answered from the cache (the catalog was not called). */
  fromCache: boolean;
  /** How many times the catalog has loaded this product so far. */
  loads: number;
}

/**
 * Read-through caching and pattern deletion on the `default` cache (injected by class).
 */
@Controller('products')
export class ProductsController {
  constructor(
    private readonly cache: CacheService,
    private readonly catalog: ProductCatalog,
  ) {}

  /**
   * `@CacheResponse`: the whole answer is cached for 30 s per query string (`X-Cache: MISS`,
   * then `HIT`, with a strong `ETag`); concurrent misses share one run of the handler.
   */
  @CacheResponse({ ttl: '30s' })
  @Get()
  async list(@Query('limit') limit = '3'): Promise<{ products: Product[] }> {
    const count = Math.min(Math.max(Number.parseInt(limit, 10) || 3, 1), 20);
    const ids = Array.from({ length: count }, (_, i) => 100 + i);
    return { products: await Promise.all(ids.map((id) => this.catalog.load(id))) };
  }

  /**
   * `getOrSet`: the first request loads the product and caches it for a minute; the next ones
   * are served from the cache. Concurrent misses share a single load.
   */
  @Get(':id')
  async findOne(@Param('id', ParseIntPipe) id: number): Promise<ProductResponse> {
    let loaded = false;
    const product = await this.cache.getOrSet(
      `product:${id}`,
      () => {
        loaded = true;
        return this.catalog.load(id);
      },
      { ttl: '1m' },
    );
    return { product, fromCache: !loaded, loads: this.catalog.loads(id) };
  }

  /**
   * `deletePattern`: drops every cached product (SCAN + UNLINK on Redis, never KEYS), leaving
   * the cache's other keys alone.
   */
  @Delete()
  async clear(): Promise<{ deleted: number }> {
    return { deleted: await this.cache.deletePattern('product:*') };
  }
}
