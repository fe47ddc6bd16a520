import { keyHashSlot } from '../../keys/key-slot.js';
import type { OpArg } from '../../backends/atomic-op.js';
import type {
  BackendKind,
  BackendStep,
  RawValue,
  Reply,
} from '../../backends/backend.interface.js';
import { MESSAGES } from '../../cachex.messages.js';
import { CrossSlotError } from '../../errors/cross-slot.error.js';
import type { InvalidArgumentError } from '../../errors/invalid-argument.error.js';
import { describe, type Duration } from '../../utils/duration.js';
import type { CacheKeyOptions } from '../cache-options.interface.js';
import type { ScoreBound, ScoredMember } from '../data-options.interface.js';

/**
 * What operation builders need of their cache: its keys, codec, TTL rules and argument errors,
 * the very ones its own methods use, so that an operation queued in a pipeline is handled
 * exactly as the method call.
 */
export interface OpContext {
  readonly cache: string;
  readonly kind: BackendKind;
  /** The full key of a user key; `InvalidArgumentError` for a non-string key or bad version. */
  fullKey(key: string, options?: CacheKeyOptions): string;
  /** A value as stored; `SerializationError` (naming the key) when it cannot be encoded. */
  encode(value: unknown, key: string): RawValue;
  decode(raw: RawValue, key: string): unknown;
  /** A TTL argument in ms: the cache's default when omitted, `null` for no expiry. */
  resolveTtl(ttl: Duration | null | undefined): number | null;
  invalid(argument: string, problem: string): InvalidArgumentError;
}

/**
 * One operation of a cache, built once from the user's arguments (validated, keys and values
 * encoded) and then run alone (`CacheService`) or queued (`CachePipeline`).
 */
export interface CacheOp<R> {
  /** What the backend runs. */
  readonly step: BackendStep;
  /** The user key (or keys) the operation is about, for error messages. */
  readonly key: string;
  /** Turns the backend's reply into the method's result (may throw `SerializationError`). */
  decode(reply: unknown): R;
}

/** An operation that is one Redis command on `keys` (full keys) with `args`. */
export function commandOp<R>(
  name: string,
  keys: readonly string[],
  args: readonly OpArg[],
  key: string,
  decode: (reply: Reply) => R,
): CacheOp<R> {
  return { step: { name, keys, args }, key, decode: decode as (reply: unknown) => R };
}

/**
 * Refuses, before anything is sent, keys that a cluster could not serve in one command: they
 * must share a hash slot. Other backends accept any keys.
 * @throws CrossSlotError on a cluster when the keys span slots
 */
export function assertSameSlot(
  ctx: OpContext,
  operation: string,
  fullKeys: readonly string[],
  userKeys: readonly string[],
): void {
  if (ctx.kind !== 'cluster' || fullKeys.length < 2) return;
  const slot = keyHashSlot(fullKeys[0]!);
  if (fullKeys.every((key) => keyHashSlot(key) === slot)) return;
  throw new CrossSlotError(
    MESSAGES.crossSlot(ctx.cache, operation, userKeys),
    ctx.cache,
    operation,
    userKeys,
  );
}

/** A safe integer argument (an index, a count, a delta). */
export function integer(ctx: OpContext, argument: string, value: unknown, min?: number): number {
  if (!Number.isSafeInteger(value) || (min !== undefined && (value as number) < min)) {
    const kind =
      min === undefined
        ? 'an integer'
        : min === 0
          ? 'a non-negative integer'
          : `an integer ≥ ${min}`;
    throw ctx.invalid(argument, `must be ${kind}, got ${describe(value)}`);
  }
  return value as number;
}

/** A field name: a string. */
export function field(ctx: OpContext, value: unknown, argument = 'field'): string {
  if (typeof value !== 'string') {
    throw ctx.invalid(argument, `must be a string, got ${describe(value)}`);
  }
  return value;
}

/** A non-empty array argument (values, members, fields, keys). */
export function nonEmpty<T>(ctx: OpContext, argument: string, value: readonly T[]): readonly T[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw ctx.invalid(argument, `must be a non-empty array, got ${describe(value)}`);
  }
  return value;
}

/** A finite number argument (a float increment). */
export function finite(ctx: OpContext, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw ctx.invalid(argument, `must be a finite number, got ${describe(value)}`);
  }
  return value;
}

/** A score as Redis reads one: a number (±Infinity as `±inf`), never NaN. */
export function scoreArg(ctx: OpContext, argument: string, value: unknown): string {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw ctx.invalid(argument, `must be a number, got ${describe(value)}`);
  }
  return value === Infinity ? '+inf' : value === -Infinity ? '-inf' : String(value);
}

const EXCLUSIVE = /^\((?:[+-]?inf(?:inity)?|[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)$/i;

/** A score bound: a number, `'-inf'`/`'+inf'`, or `'(n'` (exclusive). */
export function boundArg(ctx: OpContext, argument: string, value: ScoreBound): string {
  if (typeof value === 'number') return scoreArg(ctx, argument, value);
  if (
    value === '-inf' ||
    value === '+inf' ||
    (typeof value === 'string' && EXCLUSIVE.test(value))
  ) {
    return value;
  }
  throw ctx.invalid(
    argument,
    `must be a number, '-inf', '+inf' or '(n' for an exclusive bound, got ${describe(value)}`,
  );
}

/** A score from a reply: a number, or text (`'1.5'`, `'inf'`, `'-inf'`). */
export function score(reply: Reply): number {
  if (typeof reply === 'number') return reply;
  const text = String(reply);
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  return Number(text);
}

/** A field name from a reply. */
export function text(reply: Reply): string {
  return Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply);
}

/** A value from a reply: decoded, or `undefined` for nil. */
export function decodeValue<T>(ctx: OpContext, reply: Reply, key: string): T | undefined {
  return reply === null ? undefined : (ctx.decode(reply as RawValue, key) as T);
}

/** An array reply of values, each decoded (nil elements as `undefined`). */
export function decodeValues<T>(ctx: OpContext, reply: Reply, key: string): T[] {
  return asArray(reply).map((item) => decodeValue<T>(ctx, item, key) as T);
}

/** A flat `[member, score, …]` reply as scored members. */
export function decodeScored<T>(ctx: OpContext, reply: Reply, key: string): ScoredMember<T>[] {
  const flat = asArray(reply);
  const scored: ScoredMember<T>[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    scored.push({ member: ctx.decode(flat[i] as RawValue, key) as T, score: score(flat[i + 1]!) });
  }
  return scored;
}

/** An array reply; nil (a missing key for some commands) as an empty array. */
export function asArray(reply: Reply): Reply[] {
  return Array.isArray(reply) ? reply : [];
}
