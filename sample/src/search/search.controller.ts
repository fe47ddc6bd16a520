import { Controller, Get, Query } from '@nestjs/common';
import { RateLimit } from 'nestjs-cachex';

const WORDS = ['cache', 'cluster', 'counter', 'limit', 'lock', 'redis', 'session', 'valkey'];

export interface SearchResponse {
  query: string;
  results: string[];
}

/**
 * Rate limiting: `@RateLimit` on a route, no guard to register. Each client IP gets 5 searches
 * per 10 seconds (sliding log on the `default` cache); every response carries the `RateLimit`
 * headers and the 6th search answers 429 with `Retry-After`.
 */
@Controller('search')
export class SearchController {
  @RateLimit({ limit: 5, window: '10s' })
  @Get()
  search(@Query('q') query = ''): SearchResponse {
    return { query, results: WORDS.filter((word) => word.includes(query.toLowerCase())) };
  }
}
