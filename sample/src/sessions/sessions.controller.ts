import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { CacheService, InjectCache } from 'nestjs-cachex';

export interface Session {
  createdAt: string;
  data: Record<string, unknown>;
}

/**
 * Sessions on their own named cache, `sessions` (injected with `@InjectCache('sessions')`),
 * which has its own key prefix and a 14-day default TTL.
 */
@Controller('session')
export class SessionsController {
  constructor(@InjectCache('sessions') private readonly sessions: CacheService) {}

  /** Stores the request body as a new session, with the cache's default TTL. */
  @Post()
  async create(
    @Body() data: Record<string, unknown> = {},
  ): Promise<{ id: string; ttlMs: number | null | undefined }> {
    const id = randomBytes(24).toString('base64url');
    const session: Session = { createdAt: new Date().toISOString(), data };
    await this.sessions.set(id, session);
    return { id, ttlMs: await this.sessions.ttl(id) };
  }

  /** Reads a session; 404 when it does not exist or has expired. */
  @Get(':id')
  async find(@Param('id') id: string): Promise<Session> {
    const session = await this.sessions.get<Session>(id);
    if (session === undefined) throw new NotFoundException(`No session ${id}`);
    return session;
  }

  /** Ends a session (log out); 404 when it does not exist. */
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@Param('id') id: string): Promise<void> {
    if (!(await this.sessions.delete(id))) throw new NotFoundException(`No session ${id}`);
  }
}
