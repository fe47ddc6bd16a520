import { Module } from '@nestjs/common';
import { SearchController } from './search.controller.js';

/** Recipe: rate limiting (`@RateLimit`). */
@Module({ controllers: [SearchController] })
export class SearchModule {}
