import { redact } from '../config/location.js';

/** Commands whose arguments carry credentials: `AUTH [user] password`, `HELLO 3 AUTH user password`. */
const SECRET_COMMANDS = new Set(['auth', 'hello']);
/** Properties through which client errors chain other errors (ioredis, Node, AggregateError). */
const NESTED = ['cause', 'lastNodeError', 'previousErrors', 'errors'] as const;
/** Deep enough for any chain a client builds; bounds the walk of a hostile object. */
const MAX_DEPTH = 8;

/**
 * Removes credentials from an error the library keeps as a `cause`, in place: ioredis keeps the
 * failed command on its `ReplyError` (`command.args` of `AUTH`/`HELLO` hold the user and the
 * password, which `console.error(err)` and `util.inspect` print), and a message may quote a
 * connection URL. Nested errors (`cause`, a cluster's `lastNodeError`, `previousErrors`,
 * `AggregateError.errors`) are cleaned too. Returns the same error.
 */
export function redactSecrets<E>(error: E): E {
  walk(error, 0, new Set());
  return error;
}

function walk(value: unknown, depth: number, seen: Set<unknown>): void {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value) walk(item, depth + 1, seen);
    return;
  }
  const record = value as Record<string, unknown>;
  const command = record.command as { name?: unknown; args?: unknown } | undefined;
  if (
    typeof command === 'object' &&
    command !== null &&
    typeof command.name === 'string' &&
    SECRET_COMMANDS.has(command.name.toLowerCase()) &&
    Array.isArray(command.args)
  ) {
    command.args = maskArguments(command.name.toLowerCase(), command.args);
  }
  if (value instanceof Error) {
    const masked = maskUrls(value.message);
    if (masked !== value.message) value.message = masked;
    if (typeof value.stack === 'string') value.stack = maskUrls(value.stack);
  }
  for (const property of NESTED) {
    if (property in record) walk(record[property], depth + 1, seen);
  }
}

/** `AUTH`'s arguments all masked; `HELLO`'s user and password after `AUTH` masked. */
function maskArguments(command: string, args: readonly unknown[]): unknown[] {
  if (command === 'auth') return args.map(() => '***');
  const masked = [...args];
  for (let i = 0; i < masked.length; i++) {
    if (String(masked[i]).toLowerCase() === 'auth') {
      if (i + 1 < masked.length) masked[i + 1] = '***';
      if (i + 2 < masked.length) masked[i + 2] = '***';
      i += 2;
    }
  }
  return masked;
}

/** Every `scheme://user:password@` and `password=` in a text, masked. */
function maskUrls(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s'"]*/gi, (url) => redact(url));
}
