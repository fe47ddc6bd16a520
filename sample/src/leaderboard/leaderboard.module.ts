import { Module } from '@nestjs/common';
import { LeaderboardController } from './leaderboard.controller.js';

/** Recipe: sorted sets and pipelines (a leaderboard). */
@Module({ controllers: [LeaderboardController] })
export class LeaderboardModule {}
