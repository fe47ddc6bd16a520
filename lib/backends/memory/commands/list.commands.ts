import type { OpArg } from '../../atomic-op.js';
import type { RawValue } from '../../backend.interface.js';
import { BackendReplyError, REPLY } from '../../reply-error.js';
import {
  dropIfEmpty,
  integerArg,
  normaliseRange,
  readAs,
  readOrCreate,
  sameBytes,
  text,
  value,
  type CommandContext,
  type MemoryCommand,
} from './command-context.js';

const newList = (): RawValue[] => [];

/** Redis' list commands. Elements are stored as given. */
export const LIST_COMMANDS: Record<string, MemoryCommand> = {
  /** LPUSH key e1 e2 …: each element goes to the head in turn, so e2 ends before e1. */
  lpush(ctx, [key], elements) {
    const { data } = readOrCreate(ctx, key!, 'list', newList);
    data.unshift(...elements.map(value).reverse());
    return data.length;
  },

  rpush(ctx, [key], elements) {
    const { data } = readOrCreate(ctx, key!, 'list', newList);
    data.push(...elements.map(value));
    return data.length;
  },

  /** LPOP key [count]: an element (or nil) without count, an array (or nil) with one. */
  lpop: (ctx, keys, args) => pop(ctx, keys[0]!, args, 'left'),
  rpop: (ctx, keys, args) => pop(ctx, keys[0]!, args, 'right'),

  lrange(ctx, [key], [start, stop]) {
    const data = readAs(ctx, key!, 'list')?.data ?? [];
    const range = normaliseRange(integerArg(start!), integerArg(stop!), data.length);
    return range ? data.slice(range[0], range[1] + 1) : [];
  },

  lindex(ctx, [key], [index]) {
    const data = readAs(ctx, key!, 'list')?.data ?? [];
    let i = integerArg(index!);
    if (i < 0) i += data.length;
    return data[i] ?? null;
  },

  llen(ctx, [key]) {
    return readAs(ctx, key!, 'list')?.data.length ?? 0;
  },

  lset(ctx, [key], [index, raw]) {
    const entry = readAs(ctx, key!, 'list');
    if (!entry) throw new BackendReplyError(REPLY.NO_SUCH_KEY);
    let i = integerArg(index!);
    if (i < 0) i += entry.data.length;
    if (i < 0 || i >= entry.data.length) throw new BackendReplyError(REPLY.INDEX_OUT_OF_RANGE);
    entry.data[i] = value(raw!);
    return 'OK';
  },

  ltrim(ctx, [key], [start, stop]) {
    const entry = readAs(ctx, key!, 'list');
    if (!entry) return 'OK';
    const range = normaliseRange(integerArg(start!), integerArg(stop!), entry.data.length);
    entry.data = range ? entry.data.slice(range[0], range[1] + 1) : [];
    dropIfEmpty(ctx, key!, entry.data.length);
    return 'OK';
  },

  /** LREM key count element: count > 0 from the head, < 0 from the tail, 0 every occurrence. */
  lrem(ctx, [key], [count, raw]) {
    const entry = readAs(ctx, key!, 'list');
    const n = integerArg(count!);
    if (!entry) return 0;
    const element = value(raw!);
    const limit = n === 0 ? Infinity : Math.abs(n);
    const indexes = entry.data.map((_, i) => (n < 0 ? entry.data.length - 1 - i : i));
    const doomed = new Set<number>();
    for (const i of indexes) {
      if (doomed.size >= limit) break;
      if (sameBytes(entry.data[i]!, element)) doomed.add(i);
    }
    entry.data = entry.data.filter((_, i) => !doomed.has(i));
    dropIfEmpty(ctx, key!, entry.data.length);
    return doomed.size;
  },

  /** LMOVE source destination LEFT|RIGHT LEFT|RIGHT: the moved element, or nil. */
  lmove(ctx, [source, destination], [from, to]) {
    const wherefrom = side(from!);
    const whereto = side(to!);
    // As Redis: a missing source answers nil whatever the destination holds; otherwise the
    // destination's type is checked before anything moves.
    const src = readAs(ctx, source!, 'list');
    if (!src) return null;
    readAs(ctx, destination!, 'list');
    const element = wherefrom === 'left' ? src.data.shift()! : src.data.pop()!;
    // Pushed before the source may be dropped: moving within one list keeps the key and its TTL.
    const { data } = readOrCreate(ctx, destination!, 'list', newList);
    if (whereto === 'left') data.unshift(element);
    else data.push(element);
    dropIfEmpty(ctx, source!, src.data.length);
    return element;
  },
};

function pop(
  ctx: CommandContext,
  key: string,
  [count]: readonly OpArg[],
  end: 'left' | 'right',
): RawValue | RawValue[] | null {
  const n = count === undefined ? undefined : integerArg(count);
  const entry = readAs(ctx, key, 'list');
  if (!entry) return null;
  const taken =
    end === 'left'
      ? entry.data.splice(0, n ?? 1)
      : entry.data.splice(Math.max(0, entry.data.length - (n ?? 1))).reverse();
  dropIfEmpty(ctx, key, entry.data.length);
  return n === undefined ? taken[0]! : taken;
}

function side(arg: OpArg): 'left' | 'right' {
  const where = text(arg).toLowerCase();
  if (where !== 'left' && where !== 'right') throw new BackendReplyError(REPLY.SYNTAX);
  return where;
}
