import { Module } from '@nestjs/common';
import { ProductCatalog } from './product-catalog.js';
import { ProductsController } from './products.controller.js';

/** Recipe: read-through caching (`getOrSet`) and pattern deletion (`deletePattern`). */
@Module({
  controllers: [ProductsController],
  providers: [ProductCatalog],
})
export class ProductsModule {}
