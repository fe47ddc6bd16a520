import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { REQUIRE_SESSION_METADATA, SKIP_SESSION_METADATA } from './session.constants.js';
import type { SessionHandle } from './session-handle.js';
import type { SessionData } from './session-options.interface.js';
import { sessionRequestOf } from './session-request.js';

/** A condition on the session of a request, for `@RequireSession`. */
export type SessionPredicate<T extends object = SessionData> = (
  session: SessionHandle<T>,
) => boolean | Promise<boolean>;

/**
 * Injects the request's {@link SessionHandle}, loaded (one round trip when the request carries a
 * session cookie, none otherwise). A request without a session gets a new one, stored once
 * something is set in it. Needs the module option `session`.
 * @throws SessionError when sessions are not enabled
 * @example
 * ```ts
 * @Get('cart')
 * cart(@Session() session: SessionHandle) {
 *   return session.get('cart') ?? [];
 * }
 * ```
 */
export const Session = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Promise<SessionHandle> => {
    const request = context.switchToHttp().getRequest();
    return sessionRequestOf(request, '@Session()').session(request);
  },
);

/**
 * A condition `SessionGuard` checks on the route's (or controller's) session, besides its
 * existence: the guard answers 401 when it is false. Conditions of the class and of the method
 * must all hold. Only `SessionGuard` reads it: apply the guard too.
 * @example
 * ```ts
 * @UseGuards(SessionGuard)
 * @RequireSession((session) => session.get('role') === 'admin')
 * @Get('admin')
 * admin() {}
 * ```
 */
export function RequireSession<T extends object = SessionData>(
  predicate: SessionPredicate<T>,
): ClassDecorator & MethodDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const where = (descriptor?.value ?? target) as object;
    const predicates = (Reflect.getOwnMetadata(REQUIRE_SESSION_METADATA, where) ??
      []) as SessionPredicate<T>[];
    Reflect.defineMetadata(REQUIRE_SESSION_METADATA, [predicate, ...predicates], where);
  };
}

/**
 * Lets a route (or every route of a controller) through a global `SessionGuard`: a public page.
 * @example
 * ```ts
 * @SkipSession()
 * @Post('login')
 * login() {}
 * ```
 */
export const SkipSession = (): ClassDecorator & MethodDecorator =>
  SetMetadata(SKIP_SESSION_METADATA, true);
