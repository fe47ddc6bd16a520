import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { CacheService } from 'nestjs-cachex';

const BOARD = 'leaderboard';

export interface Standing {
  player: string;
  score: number;
}

/**
 * Data structures and pipelines: a game leaderboard on a sorted set. Scores change atomically
 * (`zincrby`); reading a player's standing takes one round trip for three commands (a pipeline).
 */
@Controller('leaderboard')
export class LeaderboardController {
  constructor(private readonly cache: CacheService) {}

  /** Adds `points` (default 1) to a player's score; answers the new score. */
  @Post(':player')
  @HttpCode(200)
  async score(
    @Param('player') player: string,
    @Body() body: { points?: number } = {},
  ): Promise<Standing> {
    const points = body.points ?? 1;
    if (typeof points !== 'number' || !Number.isFinite(points)) {
      throw new BadRequestException('`points` must be a finite number');
    }
    return { player, score: await this.cache.zincrby(BOARD, player, points) };
  }

  /** The top players, best first (`?limit=`, default 10). */
  @Get()
  async top(@Query('limit') limit = '10'): Promise<Standing[]> {
    const n = Math.min(100, Math.max(1, Number.parseInt(limit, 10) || 10));
    const top = await this.cache.zrevrange<string>(BOARD, 0, n - 1, { withScores: true });
    return top.map(({ member, score }) => ({ player: member, score }));
  }

  /** A player's score, rank (1 = best) and the number of players, in one round trip. */
  @Get(':player')
  async standing(
    @Param('player') player: string,
  ): Promise<{ player: string; score?: number; rank?: number; players: number }> {
    const [score, rank, players] = await this.cache
      .pipeline()
      .zscore(BOARD, player)
      .zrevrank(BOARD, player)
      .zcard(BOARD)
      .exec();
    return { player, score, rank: rank === undefined ? undefined : rank + 1, players };
  }
}
