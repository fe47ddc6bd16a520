import { Module } from '@nestjs/common';
import { SessionsController } from './sessions.controller.js';

/** Recipe: log-in sessions on a second named cache (`session: { cache: 'sessions', … }`). */
@Module({ controllers: [SessionsController] })
export class SessionsModule {}
