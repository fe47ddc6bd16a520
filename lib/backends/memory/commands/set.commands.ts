import type { Reply } from '../../backend.interface.js';
import {
  bytes,
  dropIfEmpty,
  integerArg,
  readAs,
  readOrCreate,
  replyBytes,
  type CommandContext,
  type MemoryCommand,
} from './command-context.js';

const newSet = (): Set<string> => new Set();

/** Redis' set commands. Members are byte strings. */
export const SET_COMMANDS: Record<string, MemoryCommand> = {
  sadd(ctx, [key], members) {
    const { data } = readOrCreate(ctx, key!, 'set', newSet);
    const before = data.size;
    for (const member of members) data.add(bytes(member));
    return data.size - before;
  },

  srem(ctx, [key], members) {
    const data = readAs(ctx, key!, 'set')?.data;
    if (!data) return 0;
    const removed = members.filter((member) => data.delete(bytes(member))).length;
    dropIfEmpty(ctx, key!, data.size);
    return removed;
  },

  smembers(ctx, [key]) {
    return answer(ctx, readAs(ctx, key!, 'set')?.data ?? []);
  },

  sismember(ctx, [key], [member]) {
    return readAs(ctx, key!, 'set')?.data.has(bytes(member!)) ? 1 : 0;
  },

  smismember(ctx, [key], members) {
    const data = readAs(ctx, key!, 'set')?.data;
    return members.map((member) => (data?.has(bytes(member)) ? 1 : 0));
  },

  scard(ctx, [key]) {
    return readAs(ctx, key!, 'set')?.data.size ?? 0;
  },

  /** SPOP key [count]: a random member (or nil) without count, distinct ones with a count. */
  spop(ctx, [key], [count]) {
    const n = count === undefined ? undefined : integerArg(count);
    const data = readAs(ctx, key!, 'set')?.data;
    if (!data) return n === undefined ? null : [];
    const popped = pick([...data], n ?? 1, false);
    for (const member of popped) data.delete(member);
    dropIfEmpty(ctx, key!, data.size);
    return n === undefined ? replyBytes(ctx, popped[0]!) : answer(ctx, popped);
  },

  /**
   * SRANDMEMBER key [count]: a random member (or nil) without count; with a positive count,
   * distinct members; with a negative one, that many members, repeats allowed.
   */
  srandmember(ctx, [key], [count]) {
    const n = count === undefined ? undefined : integerArg(count);
    const data = readAs(ctx, key!, 'set')?.data;
    if (!data) return n === undefined ? null : [];
    const picked = pick([...data], Math.abs(n ?? 1), n !== undefined && n < 0);
    return n === undefined ? replyBytes(ctx, picked[0]!) : answer(ctx, picked);
  },

  sinter(ctx, keys) {
    const sets = readSets(ctx, keys);
    if (sets.some((set) => set === undefined)) return [];
    const [first, ...others] = sets as Array<Set<string>>;
    return answer(
      ctx,
      [...first!].filter((member) => others.every((set) => set.has(member))),
    );
  },

  sunion(ctx, keys) {
    const union = new Set<string>();
    for (const set of readSets(ctx, keys)) for (const member of set ?? []) union.add(member);
    return answer(ctx, union);
  },

  sdiff(ctx, keys) {
    const [first, ...others] = readSets(ctx, keys);
    return answer(
      ctx,
      [...(first ?? [])].filter((member) => !others.some((set) => set?.has(member))),
    );
  },
};

/** Every key's set (undefined when missing), WRONGTYPE for any key of another type, as Redis. */
function readSets(ctx: CommandContext, keys: readonly string[]): Array<Set<string> | undefined> {
  return keys.map((key) => readAs(ctx, key, 'set')?.data);
}

function answer(ctx: CommandContext, members: Iterable<string>): Reply[] {
  return [...members].map((member) => replyBytes(ctx, member));
}

/** `count` random members: distinct ones (at most all), or with repeats. */
function pick(members: string[], count: number, repeats: boolean): string[] {
  if (repeats) {
    return Array.from(
      { length: count },
      () => members[Math.floor(Math.random() * members.length)]!,
    );
  }
  // A partial Fisher–Yates shuffle: the first `count` slots end up a uniform random sample.
  const n = Math.min(count, members.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(Math.random() * (members.length - i));
    [members[i], members[j]] = [members[j]!, members[i]!];
  }
  return members.slice(0, n);
}
