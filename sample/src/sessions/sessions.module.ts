import { Module } from '@nestjs/common';
import { SessionsController } from './sessions.controller.js';

/** Recipe: a second named cache with its own prefix and TTL (`@InjectCache('sessions')`). */
@Module({ controllers: [SessionsController] })
export class SessionsModule {}
