import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { CacheRegistry } from '../registry/cache.registry.js';
import { resolveSessionSettings } from './session.config.js';
import { SESSION_STORAGE } from './session.constants.js';
import type { SessionModuleOptions } from './session-options.interface.js';
import { attachSession } from './session-request.js';
import { SessionStorage } from './session-storage.js';

/**
 * What `CacheXModule` provides for sessions when the `session` option is set: their storage,
 * built at start-up (an unknown cache or one without TTL fails there). Validates the option at
 * once, so that a mistake (a missing secret) stops the application at start-up.
 * @throws CacheXConfigError naming the option at fault
 * @internal
 */
export function sessionProviders(options: SessionModuleOptions | undefined): Provider[] {
  if (options === undefined) return [];
  const settings = resolveSessionSettings(options);
  return [
    {
      provide: SESSION_STORAGE,
      inject: [CacheRegistry],
      useFactory: (registry: CacheRegistry) => new SessionStorage(settings, registry),
    },
  ];
}

/**
 * Starts the session state of every request through the HTTP framework itself, ahead of every
 * route: an Express middleware without a path, or a Fastify `onRequest` hook. A Nest middleware
 * bound to `'*'` would do the same through a routed layer (a path match and an exception proxy
 * per request) for a step that cannot fail. Answers `false` for another adapter: the caller then
 * applies {@link sessionMiddleware} through Nest.
 * @internal
 */
export function installSessionHook(
  storage: SessionStorage,
  adapter: AbstractHttpAdapter | undefined,
): boolean {
  switch (adapter?.getType()) {
    case 'express': {
      const app = adapter!.getInstance<{ use(handler: Middleware): void }>();
      app.use(sessionMiddleware(storage));
      return true;
    }
    case 'fastify': {
      const app = adapter!.getInstance<{ addHook(name: 'onRequest', hook: FastifyHook): void }>();
      app.addHook('onRequest', (request, reply, done) => {
        attachSession(storage, request.raw, reply.raw);
        done();
      });
      return true;
    }
    default:
      return false;
  }
}

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
type FastifyHook = (
  request: { raw: IncomingMessage },
  reply: { raw: ServerResponse },
  done: () => void,
) => void;

/**
 * The session middleware `CacheXModule` applies to every route: it only prepares the request's
 * session state (the cookie is read, and the session loaded, on first use). It receives Express'
 * request and response, or Fastify's raw ones.
 * @internal
 */
export function sessionMiddleware(storage: SessionStorage): Middleware {
  return function cachexSession(req, res, next) {
    attachSession(storage, req, res);
    next();
  };
}
