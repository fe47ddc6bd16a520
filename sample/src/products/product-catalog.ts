import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Product {
  id: number;
  name: string;
  /** When the catalog produced this copy: stays the same while it is served from the cache. */
  loadedAt: string;
}

/** A stand-in for a slow database or remote API. It counts its loads to make caching visible. */
@Injectable()
export class ProductCatalog {
  private readonly loadCounts = new Map<number, number>();

  /** Loads a product, slowly. */
  async load(id: number): Promise<Product> {
    await sleep(100);
    this.loadCounts.set(id, this.loads(id) + 1);
    return { id, name: `Product ${id}`, loadedAt: new Date().toISOString() };
  }

  /** How many times the product has been loaded from the catalog. */
  loads(id: number): number {
    return this.loadCounts.get(id) ?? 0;
  }
}
