import type { ExecutionContext } from '@nestjs/common';
import { MESSAGES } from '../cachex.messages.js';
import { CacheXConfigError } from '../errors/config.error.js';
import { describe } from '../utils/duration.js';
import type { RateLimitSettings } from './rate-limit.config.js';
import type { RateLimitRule } from './rate-limit-options.interface.js';

/** A request, a WebSocket client or a GraphQL request, as far as trackers read it. */
type Source = Record<string, unknown> & {
  ip?: unknown;
  socket?: { remoteAddress?: unknown };
  _socket?: { remoteAddress?: unknown };
  handshake?: { address?: unknown };
  sessionID?: unknown;
  session?: { id?: unknown; sessionId?: unknown };
  /** Fastify's raw request, where the module's session middleware exposes `sessionID`. */
  raw?: { sessionID?: unknown };
};

/**
 * Who a limit on a handler counts, as a key part: `ip:…`, `user:…`, `session:…` or `by:…`. A
 * request without user or session is counted by IP. Answers at once (no promise) unless `by` is a
 * function.
 * @throws CacheXConfigError when the client's IP cannot be told (a microservice message without
 * `by`), or `by` gives no string
 */
export function trackerOf(
  limit: RateLimitRule,
  context: ExecutionContext,
  settings: RateLimitSettings,
  whereOf: (context: ExecutionContext) => string,
): string | Promise<string> {
  const by = limit.by;
  if (typeof by === 'function') return customTracker(by, limit, context, whereOf);
  const source = sourceOf(context);
  if (by === 'user') {
    const id = valueAt(source, settings.userPath);
    if (id !== undefined && id !== null && id !== '') return `user:${String(id)}`;
  } else if (by === 'session') {
    const id =
      source?.sessionID ??
      source?.raw?.sessionID ??
      source?.session?.id ??
      source?.session?.sessionId;
    if (typeof id === 'string' && id !== '') return `session:${id}`;
  }
  const ip = ipOf(source);
  if (ip === undefined)
    throw new CacheXConfigError(
      MESSAGES.rateLimitNoClient(whereOf(context), context.getType()),
      limit.cache,
      'by',
    );
  return `ip:${ip}`;
}

async function customTracker(
  by: (context: ExecutionContext) => string | Promise<string>,
  limit: RateLimitRule,
  context: ExecutionContext,
  whereOf: (context: ExecutionContext) => string,
): Promise<string> {
  const value = await by(context);
  if (typeof value !== 'string' || value === '')
    throw new CacheXConfigError(
      MESSAGES.rateLimitBadKey(whereOf(context), 'by', describe(value)),
      limit.cache,
      'by',
    );
  return `by:${value}`;
}

/** The object a context's client is known by: the HTTP request, the GraphQL context's request, the WebSocket client. */
function sourceOf(context: ExecutionContext): Source | undefined {
  switch (context.getType<string>()) {
    // The request (or WebSocket client) is the handler's first argument: read directly, not
    // through `switchToHttp()`, which builds closures at each call.
    case 'http':
    case 'ws':
      return context.getArgByIndex<Source>(0);
    case 'graphql':
      return context.getArgByIndex<{ req?: Source } | undefined>(2)?.req;
    default:
      return undefined;
  }
}

/**
 * The client's address: `req.ip` on Express and Fastify (it honours the app's trust-proxy
 * setting: Express' `app.set('trust proxy', …)`, Fastify's `trustProxy`), a socket.io
 * handshake's address, or the socket's peer address.
 */
function ipOf(source: Source | undefined): string | undefined {
  if (!source) return undefined;
  // One candidate at a time: each is a getter (Express' `req.ip` parses X-Forwarded-For, a
  // socket's `remoteAddress` asks the system), and the first usually answers.
  let candidate = source.ip;
  if (typeof candidate === 'string' && candidate !== '') return candidate;
  candidate = source.handshake?.address;
  if (typeof candidate === 'string' && candidate !== '') return candidate;
  candidate = source.socket?.remoteAddress;
  if (typeof candidate === 'string' && candidate !== '') return candidate;
  candidate = source._socket?.remoteAddress;
  if (typeof candidate === 'string' && candidate !== '') return candidate;
  return undefined;
}

function valueAt(source: unknown, path: readonly string[]): unknown {
  let value = source;
  for (const part of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
