import type { IncomingMessage, OutgoingHttpHeader, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { MESSAGES } from '../cachex.messages.js';
import { SessionError } from '../errors/session.error.js';
import { cookieValues, serializeCookie, signSessionId } from './session-cookie.js';
import { SessionHandle, type CookieAction } from './session-handle.js';
import type { SessionStorage } from './session-storage.js';

/** Where the session middleware keeps a request's session state, on the (raw) request. */
const STATE = Symbol('cachex:session');

/** A request as the session reads it: Express' request, Fastify's raw one, or Fastify's request. */
type AnyRequest = Partial<IncomingMessage> & {
  protocol?: unknown;
  raw?: AnyRequest;
  [STATE]?: SessionRequest;
};

const logger = new Logger('CacheX:Session');

/**
 * The session state of one request: the cookie, read and verified on first use; the session,
 * loaded on first use; and the commit that saves it just before the response's headers are sent.
 * A request that never uses the session costs nothing but this object.
 * @internal
 */
export class SessionRequest {
  /** The id of the verified cookie: `null` = none, `undefined` = not read yet. */
  #cookieId: string | null | undefined;
  #loading: Promise<SessionHandle | undefined> | undefined;
  #handle: SessionHandle | undefined;
  /** The request whose `protocol` tells HTTPS: Express', or Fastify's once a route asked. */
  #source: AnyRequest;
  #holding = false;

  constructor(
    readonly storage: SessionStorage,
    private readonly req: AnyRequest,
    private readonly res: ServerResponse,
  ) {
    this.#source = req;
    if (storage.settings.rolling && this.cookieId() !== undefined) this.hold();
  }

  /** The session id for the rate-limit tracker `'session'`: the current one, else the cookie's. */
  get sessionId(): string | undefined {
    return this.#handle?.stored ? this.#handle.id : this.cookieId();
  }

  /**
   * The request's stored session, or `undefined` when it has none (no valid cookie, or the
   * session is gone). Never starts one.
   */
  existing(request?: AnyRequest): Promise<SessionHandle | undefined> {
    if (request) this.#source = request;
    this.#loading ??= this.load();
    return this.#loading;
  }

  /** The request's session: the stored one, or a new one (stored once something is set). */
  async session(request?: AnyRequest): Promise<SessionHandle> {
    const found = await this.existing(request);
    if (!this.#handle) {
      this.#handle = found ?? this.newHandle(undefined);
      if (this.#handle.needsCommit(this.storage.settings.rolling)) this.hold();
    }
    return this.#handle;
  }

  /**
   * Loads the session of the cookie. The response's headers are held (for a save) only when the
   * session changes, a renewal is due, or the cookie of a missing session is to be cleared: a
   * request that only reads a fresh session writes its response untouched.
   */
  private async load(): Promise<SessionHandle | undefined> {
    const id = this.cookieId();
    if (id === undefined) return undefined;
    const session = await this.storage.load(id);
    if (!session) {
      this.hold();
      return undefined;
    }
    this.#handle = this.newHandle({ id, session });
    if (this.#handle.needsCommit(this.storage.settings.rolling)) this.hold();
    return this.#handle;
  }

  private newHandle(stored: ConstructorParameters<typeof SessionHandle>[1]): SessionHandle {
    return new SessionHandle(this.storage, stored, (action) => this.hold(action));
  }

  private cookieId(): string | undefined {
    if (this.#cookieId === undefined) {
      this.#cookieId = null;
      const { name } = this.storage.settings.cookie;
      for (const value of cookieValues(this.req.headers?.cookie, name)) {
        const id = this.storage.verify(value);
        if (id !== undefined) {
          this.#cookieId = id;
          break;
        }
      }
    }
    return this.#cookieId ?? undefined;
  }

  /**
   * Holds the response's headers until the commit is done.
   * @throws SessionError when they are sent already: a change could no longer be saved
   */
  private hold(action?: string): void {
    if (this.#holding) return;
    if (this.res.headersSent) {
      const cache = this.storage.cache.name;
      throw new SessionError(MESSAGES.sessionCommitted(cache, action ?? 'use the session'), cache);
    }
    this.#holding = true;
    holdHeaders(this.res, () => this.commit());
  }

  /** Saves or refreshes the session if needed; sets the cookie after the outcome. */
  private commit(): Promise<void> | undefined {
    const rolling = this.storage.settings.rolling;
    let action: Promise<CookieAction> | CookieAction;
    if (this.#handle) action = this.#handle.commit(rolling);
    else if (rolling && this.cookieId() !== undefined)
      action = this.storage.touch(this.cookieId()!).then((alive) => (alive ? 'set' : 'clear'));
    else if (this.#loading && this.cookieId() !== undefined) action = 'clear';
    if (action === undefined) return undefined;
    if (typeof action === 'string') {
      this.setCookie(action);
      return undefined;
    }
    return action.then(
      (outcome) => this.setCookie(outcome),
      (error: unknown) =>
        logger.error(
          MESSAGES.sessionSaveFailed(
            this.storage.cache.name,
            error instanceof Error ? error.message : String(error),
          ),
        ),
    );
  }

  private setCookie(action: CookieAction): void {
    if (action === undefined) return;
    const { settings, cookieMaxAgeMs } = this.storage;
    const secure =
      settings.cookie.secure === 'auto' ? secureOf(this.#source) : settings.cookie.secure;
    const id = this.#handle ? this.#handle.id : this.cookieId();
    const value =
      action === 'set' && id !== undefined ? signSessionId(id, settings.keys[0]!) : undefined;
    appendHeader(
      this.res,
      'Set-Cookie',
      serializeCookie(settings.cookie, value, cookieMaxAgeMs, secure),
    );
  }
}

/**
 * Starts the session state of a request: what the session middleware does. Also exposes the
 * session id as `req.sessionID` (read lazily), for the rate-limit tracker `'session'`.
 * @internal
 */
export function attachSession(storage: SessionStorage, req: AnyRequest, res: ServerResponse): void {
  req[STATE] = new SessionRequest(storage, req, res);
  Object.defineProperty(req, 'sessionID', SESSION_ID);
}

/**
 * `req.sessionID`, read from the request's session state: one descriptor for every request, so
 * that attaching the session makes no closures.
 */
const SESSION_ID: PropertyDescriptor = {
  configurable: true,
  enumerable: false,
  get(this: AnyRequest) {
    return this[STATE]?.sessionId;
  },
  // Another session middleware on the same app (express-session during a migration) assigns
  // `req.sessionID`: its value then replaces ours instead of failing on a getter-only property.
  set(this: AnyRequest, value: unknown) {
    Object.defineProperty(this, 'sessionID', {
      configurable: true,
      enumerable: true,
      writable: true,
      value,
    });
  },
};

/**
 * The session state of a request (Express', or Fastify's request or raw request).
 * @throws SessionError when the session middleware did not see it (sessions not enabled)
 * @internal
 */
export function sessionRequestOf(request: AnyRequest, user: string): SessionRequest {
  const state = request[STATE] ?? request.raw?.[STATE];
  if (!state) throw new SessionError(MESSAGES.sessionNotEnabled(user), undefined);
  return state;
}

/** HTTPS as the framework tells it (`protocol` honours the trust-proxy settings), else the socket. */
function secureOf(req: AnyRequest): boolean {
  if (typeof req.protocol === 'string') return req.protocol === 'https';
  return (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
}

type Call = { fn: (...args: unknown[]) => unknown; args: unknown[] };

/**
 * Holds a response's `writeHead`, `write` and `end` from the first of them on, runs `commit`,
 * and then replays them: the session is saved and its cookie set before any header goes out,
 * whether the handler returns a value, writes with `@Res()`, or streams. When `commit` has
 * nothing to wait for, nothing is held. The same technique as the `on-headers` package, made
 * asynchronous.
 */
function holdHeaders(res: ServerResponse, commit: () => Promise<void> | undefined): void {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end };
  let queue: Call[] | undefined;
  const restore = () => {
    res.writeHead = original.writeHead;
    res.write = original.write;
    res.end = original.end;
  };
  const intercept = (fn: (...args: unknown[]) => unknown, args: unknown[]): boolean => {
    if (!queue) {
      const pending = res.headersSent ? undefined : commit();
      if (!pending) {
        restore();
        return false;
      }
      queue = [];
      void pending.finally(() => {
        const calls = queue!;
        restore();
        try {
          const head = calls.find((call) => call.fn === original.writeHead);
          if (head) mergeSetCookie(res, head.args);
          for (const call of calls) call.fn.apply(res, call.args);
        } catch (error) {
          res.destroy(error as Error);
        }
      });
    }
    queue.push({ fn, args });
    return true;
  };
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    return intercept(original.writeHead as Call['fn'], args)
      ? this
      : original.writeHead.apply(this, args as never);
  } as ServerResponse['writeHead'];
  res.write = function (this: ServerResponse, ...args: unknown[]) {
    return intercept(original.write as Call['fn'], args)
      ? true
      : original.write.apply(this, args as never);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    return intercept(original.end as Call['fn'], args)
      ? this
      : original.end.apply(this, args as never);
  } as ServerResponse['end'];
}

/** Adds a header value to those already set. */
function appendHeader(res: ServerResponse, name: string, value: string): void {
  const previous = res.getHeader(name);
  res.setHeader(
    name,
    previous === undefined
      ? value
      : Array.isArray(previous)
        ? [...previous, value]
        : [String(previous), value],
  );
}

/**
 * `writeHead(status, [message], headers)` overrides headers set before with the same name, so a
 * `Set-Cookie` given there (Fastify passes all its headers there) must carry the session's too.
 */
function mergeSetCookie(res: ServerResponse, args: unknown[]): void {
  const ours = res.getHeader('set-cookie');
  const headers = args.find((arg, i) => i > 0 && typeof arg === 'object' && arg !== null);
  if (ours === undefined || headers === undefined || Array.isArray(headers)) return;
  const record = headers as Record<string, OutgoingHttpHeader | undefined>;
  const name = Object.keys(record).find((key) => key.toLowerCase() === 'set-cookie');
  if (name === undefined) return;
  const theirs = record[name];
  record[name] = [
    ...(Array.isArray(theirs) ? theirs : theirs === undefined ? [] : [String(theirs)]),
    ...(Array.isArray(ours) ? ours : [String(ours)]),
  ];
}
