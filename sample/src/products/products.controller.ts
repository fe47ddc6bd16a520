import { Controller, Delete, Get, Param, ParseIntPipe } from '@nestjs/common';
import { CacheService } from 'nestjs-cachex';
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
