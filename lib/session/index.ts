export { ExpressSessionStore, type SessionStoreOptions } from './express-session.store.js';
export { FastifySessionStore } from './fastify-session.store.js';
export {
  RequireSession,
  Session,
  SkipSession,
  type SessionPredicate,
} from './session.decorator.js';
export { SessionGuard } from './session.guard.js';
export { SessionHandle } from './session-handle.js';
export type {
  SessionCookieOptions,
  SessionData,
  SessionModuleOptions,
} from './session-options.interface.js';
