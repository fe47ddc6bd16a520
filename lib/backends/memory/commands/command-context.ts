import type { MemoryOpContext, OpArg } from '../../atomic-op.js';
import type { RawValue, Reply } from '../../backend.interface.js';
import { BackendReplyError, REPLY } from '../../reply-error.js';
import type { MemoryEntry, MemoryType } from '../memory.store.js';

/** What a memory command sees: the store (as an atomic operation sees it) and the reply mode. */
export interface CommandContext extends MemoryOpContext {
  /** Whether the cache reads bytes: members and fields are then answered as Buffers. */
  readonly binary: boolean;
}

/**
 * The JavaScript implementation of one Redis command, synchronous (hence atomic). It receives
 * the arguments exactly as Redis would (`keys` first, then `args`), answers the reply Redis
 * gives in the shape of {@link Reply}, and throws Redis' error texts ({@link BackendReplyError}).
 */
export type MemoryCommand = (
  ctx: CommandContext,
  keys: readonly string[],
  args: readonly OpArg[],
) => Reply;

/** A stored entry narrowed to one type. */
export type EntryOf<T extends MemoryType> = Extract<MemoryEntry, { type: T }>;

/** The live entry at `key` if it has `type`; `undefined` when missing; WRONGTYPE otherwise. */
export function readAs<T extends MemoryType>(
  ctx: CommandContext,
  key: string,
  type: T,
): EntryOf<T> | undefined {
  const entry = ctx.read(key);
  if (entry === undefined) return undefined;
  if (entry.type !== type) throw new BackendReplyError(REPLY.WRONGTYPE);
  return entry as EntryOf<T>;
}

/**
 * The entry at `key` of `type`, created empty (without expiry, as Redis creates a collection)
 * when missing; WRONGTYPE for another type.
 */
export function readOrCreate<T extends MemoryType>(
  ctx: CommandContext,
  key: string,
  type: T,
  empty: () => EntryOf<T>['data'],
): EntryOf<T> {
  const found = readAs(ctx, key, type);
  if (found) return found;
  const created = { type, data: empty(), expiresAt: 0 } as unknown as EntryOf<T>;
  ctx.write(key, created);
  return created;
}

/** Deletes a collection that became empty, as Redis does: an empty key does not exist. */
export function dropIfEmpty(ctx: CommandContext, key: string, size: number): void {
  if (size === 0) ctx.delete(key);
}

const NON_ASCII = /[^\p{ASCII}]/u;

/**
 * The byte string of an argument: the latin1 text of its bytes (text is UTF-8 encoded first).
 * Members and fields are kept this way so that equal bytes are one member whether they came as
 * text or as a Buffer, and so that plain string comparison is Redis' byte order.
 */
export function bytes(arg: OpArg): string {
  if (typeof arg === 'number') return String(arg);
  if (typeof arg !== 'string') return arg.toString('latin1');
  return NON_ASCII.test(arg) ? Buffer.from(arg, 'utf8').toString('latin1') : arg;
}

/** A byte string as a reply: a Buffer on a binary cache, UTF-8 text otherwise. */
export function replyBytes(ctx: CommandContext, value: string): RawValue {
  if (ctx.binary) return Buffer.from(value, 'latin1');
  return NON_ASCII.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value;
}

/** An argument as a stored value: a Buffer stays a Buffer, a number becomes its text. */
export function value(arg: OpArg): RawValue {
  return typeof arg === 'number' ? String(arg) : arg;
}

/** Whether two stored values hold the same bytes. */
export function sameBytes(a: RawValue, b: RawValue): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  return bytes(a) === bytes(b);
}

/** The text of an argument (option names, numbers). */
export function text(arg: OpArg): string {
  return typeof arg === 'string' ? arg : arg.toString();
}

const REDIS_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A 64-bit integer as Redis parses one (`string2ll`: no sign `+`, no leading zeros, no spaces),
 * or `undefined`.
 */
export function parseInt64(raw: OpArg | RawValue): bigint | undefined {
  const s = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : bytes(raw);
  if (!REDIS_INTEGER.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/** Whether a bigint fits in Redis' 64-bit integers. */
export function inInt64(n: bigint): boolean {
  return n >= INT64_MIN && n <= INT64_MAX;
}

/** An integer argument (a count, an index), or Redis' "not an integer" error. */
export function integerArg(arg: OpArg): number {
  const n = parseInt64(arg);
  if (n === undefined) throw new BackendReplyError(REPLY.NOT_INTEGER);
  return Number(n);
}

const FLOAT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const INFINITY = /^([+-]?)inf(?:inity)?$/i;

/**
 * A float as Redis parses one (`strtod` on the whole text: decimal or exponent notation,
 * `inf`/`+inf`/`-inf`; no spaces, no NaN), or `undefined`.
 */
export function parseFloatText(raw: OpArg | RawValue): number | undefined {
  if (typeof raw === 'number') return Number.isNaN(raw) ? undefined : raw;
  const s = typeof raw === 'string' ? raw : raw.toString('latin1');
  if (FLOAT.test(s)) return Number(s);
  const inf = INFINITY.exec(s);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  return undefined;
}

/** A float argument (a score, an increment), or Redis' "not a valid float" error. */
export function floatArg(arg: OpArg): number {
  const n = parseFloatText(arg);
  if (n === undefined) throw new BackendReplyError(REPLY.NOT_FLOAT);
  return n;
}

/**
 * Normalises an inclusive index range as Redis does for LRANGE, ZRANGE and friends: negative
 * indexes count from the end, the start is clamped to 0 and the end to the last element.
 * Answers `undefined` for an empty range.
 */
export function normaliseRange(
  start: number,
  stop: number,
  length: number,
): [number, number] | undefined {
  if (start < 0) start = Math.max(0, start + length);
  if (stop < 0) stop += length;
  if (stop >= length) stop = length - 1;
  return start > stop || start >= length ? undefined : [start, stop];
}
