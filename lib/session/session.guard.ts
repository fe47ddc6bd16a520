import {
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { MESSAGES } from '../cachex.messages.js';
import { SessionError } from '../errors/session.error.js';
import { REQUIRE_SESSION_METADATA, SKIP_SESSION_METADATA } from './session.constants.js';
import type { SessionPredicate } from './session.decorator.js';
import type { SessionHandle } from './session-handle.js';
import { sessionRequestOf } from './session-request.js';

/**
 * Lets a request through only with a stored session (a valid cookie of a session that exists),
 * whose `@RequireSession` conditions (of the controller and of the route) hold; otherwise 401.
 * It never starts a session. Use it on routes (`@UseGuards(SessionGuard)`) or globally
 * (`{ provide: APP_GUARD, useClass: SessionGuard }`), with `@SkipSession()` on public routes.
 * HTTP only: it refuses other contexts.
 *
 * Extension point: override {@link SessionGuard.reject} to answer otherwise than 401.
 * @example
 * ```ts
 * @UseGuards(SessionGuard)
 * @Get('me')
 * me(@Session() session: SessionHandle) {
 *   return { userId: session.get('userId') };
 * }
 * ```
 */
@Injectable()
export class SessionGuard implements CanActivate {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const handler = context.getHandler();
    const controller = context.getClass();
    if (
      Reflect.getMetadata(SKIP_SESSION_METADATA, handler) === true ||
      Reflect.getMetadata(SKIP_SESSION_METADATA, controller) === true
    )
      return true;
    if (context.getType() !== 'http')
      throw new SessionError(MESSAGES.sessionNotHttp(context.getType()), undefined);
    const request = context.switchToHttp().getRequest();
    const session = await sessionRequestOf(request, 'SessionGuard').existing(request);
    if (!session) return this.reject(context);
    const predicates = [
      ...((Reflect.getMetadata(REQUIRE_SESSION_METADATA, controller) ?? []) as SessionPredicate[]),
      ...((Reflect.getMetadata(REQUIRE_SESSION_METADATA, handler) ?? []) as SessionPredicate[]),
    ];
    for (const predicate of predicates) {
      if (!(await predicate(session as SessionHandle))) return this.reject(context, session);
    }
    return true;
  }

  /**
   * Answers a request without a session, or whose session fails a condition.
   * @param session - the session, when it exists but a condition failed
   * @throws UnauthorizedException (401) by default
   * @example
   * ```ts
   * class RedirectingSessionGuard extends SessionGuard {
   *   protected override reject(context: ExecutionContext): never {
   *     throw new HttpException({ login: '/login' }, 401);
   *   }
   * }
   * ```
   */
  protected reject(_context: ExecutionContext, _session?: SessionHandle): never {
    throw new UnauthorizedException();
  }
}
