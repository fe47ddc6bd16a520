import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Post,
  UseGuards,
} from '@nestjs/common';
import { RequireSession, Session, SessionGuard, SessionHandle } from 'nestjs-cachex';

declare module 'nestjs-cachex' {
  /** What the sample keeps in a session: `session.get('user')` is typed as a string. */
  interface SessionData {
    user: string;
    loggedInAt: string;
  }
}

/**
 * Log-in sessions on the `sessions` cache (14-day TTL), enabled by the module option `session`:
 * a signed `cachex.sid` cookie, the session loaded only by the routes that use it, and saved
 * before the response's headers.
 */
@Controller()
export class SessionsController {
  /** Starts a session for the user in the body (a real app checks a password first). */
  @Post('login')
  @HttpCode(HttpStatus.OK)
  async login(
    @Session() session: SessionHandle,
    @Body() body: { user?: unknown } = {},
  ): Promise<{ user: string }> {
    if (typeof body.user !== 'string' || body.user === '')
      throw new BadRequestException('`user` must be a non-empty string');
    // A new id on log-in, against session fixation; the data moves along.
    await session.regenerate();
    session.set('user', body.user);
    session.set('loggedInAt', new Date().toISOString());
    return { user: body.user };
  }

  /** The logged-in user; 401 without a session or when it has no user. */
  @UseGuards(SessionGuard)
  @RequireSession((session) => session.has('user'))
  @Get('me')
  me(@Session() session: SessionHandle): { user: string; loggedInAt: string } {
    return { user: session.get('user')!, loggedInAt: session.get('loggedInAt')! };
  }

  /** Ends the session: deleted from the cache, cookie cleared. */
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  async logout(@Session() session: SessionHandle): Promise<void> {
    await session.destroy();
  }
}
