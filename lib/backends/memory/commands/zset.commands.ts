import type { OpArg } from '../../atomic-op.js';
import type { Reply } from '../../backend.interface.js';
import { BackendReplyError, REPLY } from '../../reply-error.js';
import { MemoryZSet, type ScoreBound, type ZSetEntry } from '../memory-zset.js';
import {
  bytes,
  dropIfEmpty,
  floatArg,
  integerArg,
  parseFloatText,
  readAs,
  readOrCreate,
  replyBytes,
  text,
  type CommandContext,
  type MemoryCommand,
} from './command-context.js';

const newZSet = (): MemoryZSet => new MemoryZSet();

/** Redis' sorted-set commands. Members are byte strings; scores are answered as numbers. */
export const ZSET_COMMANDS: Record<string, MemoryCommand> = {
  /** ZADD key [NX|XX] [GT|LT] [CH] score member …: members added (plus changed, with CH). */
  zadd(ctx, [key], args) {
    const flags = new Set<string>();
    let i = 0;
    while (i < args.length && ZADD_FLAGS.has(text(args[i]!).toUpperCase())) {
      flags.add(text(args[i++]!).toUpperCase());
    }
    const pairs: Array<[string, number]> = [];
    for (; i < args.length; i += 2) {
      if (args[i + 1] === undefined) throw new BackendReplyError(REPLY.SYNTAX);
      pairs.push([bytes(args[i + 1]!), floatArg(args[i]!)]);
    }
    if (pairs.length === 0) throw new BackendReplyError(REPLY.SYNTAX);
    const entry = flags.has('XX')
      ? readAs(ctx, key!, 'zset')
      : readOrCreate(ctx, key!, 'zset', newZSet);
    if (!entry) return 0;
    let added = 0;
    let changed = 0;
    for (const [member, score] of pairs) {
      const current = entry.data.score(member);
      if (current === undefined) {
        if (flags.has('XX')) continue;
        entry.data.add(member, score);
        added++;
      } else {
        if (flags.has('NX')) continue;
        if ((flags.has('GT') && score <= current) || (flags.has('LT') && score >= current))
          continue;
        if (score !== current) {
          entry.data.add(member, score);
          changed++;
        }
      }
    }
    return flags.has('CH') ? added + changed : added;
  },

  zrem(ctx, [key], members) {
    const zset = readAs(ctx, key!, 'zset')?.data;
    if (!zset) return 0;
    const removed = members.filter((member) => zset.remove(bytes(member))).length;
    dropIfEmpty(ctx, key!, zset.size);
    return removed;
  },

  zscore(ctx, [key], [member]) {
    return readAs(ctx, key!, 'zset')?.data.score(bytes(member!)) ?? null;
  },

  zmscore(ctx, [key], members) {
    const zset = readAs(ctx, key!, 'zset')?.data;
    return members.map((member) => zset?.score(bytes(member)) ?? null);
  },

  /** ZINCRBY key increment member: a missing member counts from 0. */
  zincrby(ctx, [key], [increment, member]) {
    const delta = floatArg(increment!);
    const name = bytes(member!);
    const next = (readAs(ctx, key!, 'zset')?.data.score(name) ?? 0) + delta;
    if (Number.isNaN(next)) throw new BackendReplyError(REPLY.SCORE_NAN);
    readOrCreate(ctx, key!, 'zset', newZSet).data.add(name, next);
    return next;
  },

  zcard(ctx, [key]) {
    return readAs(ctx, key!, 'zset')?.data.size ?? 0;
  },

  zcount(ctx, [key], [min, max]) {
    const [lo, hi] = [scoreBound(min!), scoreBound(max!)];
    return readAs(ctx, key!, 'zset')?.data.countByScore(lo, hi) ?? 0;
  },

  zrange: (ctx, keys, args) => rankRange(ctx, keys[0]!, args, false),
  zrevrange: (ctx, keys, args) => rankRange(ctx, keys[0]!, args, true),
  zrangebyscore: (ctx, keys, [min, max, ...options]) =>
    scoreRange(ctx, keys[0]!, min!, max!, options, false),
  /** ZREVRANGEBYSCORE key max min: note the order of the bounds, as in Redis. */
  zrevrangebyscore: (ctx, keys, [max, min, ...options]) =>
    scoreRange(ctx, keys[0]!, min!, max!, options, true),

  zrank(ctx, [key], [member]) {
    return readAs(ctx, key!, 'zset')?.data.rank(bytes(member!)) ?? null;
  },

  zrevrank(ctx, [key], [member]) {
    return readAs(ctx, key!, 'zset')?.data.rank(bytes(member!), true) ?? null;
  },

  zremrangebyscore(ctx, [key], [min, max]) {
    const [lo, hi] = [scoreBound(min!), scoreBound(max!)];
    const zset = readAs(ctx, key!, 'zset')?.data;
    if (!zset) return 0;
    const removed = zset.removeByScore(lo, hi);
    dropIfEmpty(ctx, key!, zset.size);
    return removed;
  },

  zremrangebyrank(ctx, [key], [start, stop]) {
    const [from, to] = [integerArg(start!), integerArg(stop!)];
    const zset = readAs(ctx, key!, 'zset')?.data;
    if (!zset) return 0;
    const removed = zset.removeByRank(from, to);
    dropIfEmpty(ctx, key!, zset.size);
    return removed;
  },

  /** ZPOPMIN key [count]: `[member, score, …]`, one member without count. */
  zpopmin: (ctx, keys, args) => pop(ctx, keys[0]!, args, false),
  zpopmax: (ctx, keys, args) => pop(ctx, keys[0]!, args, true),
};

const ZADD_FLAGS = new Set(['NX', 'XX', 'GT', 'LT', 'CH']);

/** A score bound as Redis parses one: `1.5`, `(1.5` (exclusive), `-inf`, `+inf`. */
function scoreBound(arg: OpArg): ScoreBound {
  const raw = text(arg);
  const exclusive = raw.startsWith('(');
  const value = parseFloatText(exclusive ? raw.slice(1) : raw);
  if (value === undefined) throw new BackendReplyError(REPLY.MIN_MAX_NOT_FLOAT);
  return { value, exclusive };
}

function rankRange(
  ctx: CommandContext,
  key: string,
  [start, stop, withScores]: readonly OpArg[],
  reverse: boolean,
): Reply[] {
  const [from, to] = [integerArg(start!), integerArg(stop!)];
  const scores = withScores !== undefined;
  if (scores && option(withScores) !== 'WITHSCORES') throw new BackendReplyError(REPLY.SYNTAX);
  return flat(ctx, readAs(ctx, key, 'zset')?.data.range(from, to, reverse) ?? [], scores);
}

/** ZRANGEBYSCORE's options: `WITHSCORES` and `LIMIT offset count`, in any order. */
function scoreRange(
  ctx: CommandContext,
  key: string,
  min: OpArg,
  max: OpArg,
  options: readonly OpArg[],
  reverse: boolean,
): Reply[] {
  const [lo, hi] = [scoreBound(min), scoreBound(max)];
  let scores = false;
  let offset = 0;
  let count = -1;
  for (let i = 0; i < options.length; i++) {
    const name = option(options[i]);
    if (name === 'WITHSCORES') scores = true;
    else if (name === 'LIMIT' && i + 2 < options.length) {
      offset = integerArg(options[++i]!);
      count = integerArg(options[++i]!);
    } else throw new BackendReplyError(REPLY.SYNTAX);
  }
  const zset = readAs(ctx, key, 'zset')?.data;
  return flat(ctx, zset?.rangeByScore(lo, hi, { reverse, offset, count }) ?? [], scores);
}

function pop(ctx: CommandContext, key: string, [count]: readonly OpArg[], max: boolean): Reply[] {
  const n = count === undefined ? 1 : integerArg(count);
  const zset = readAs(ctx, key, 'zset')?.data;
  if (!zset) return [];
  const popped = zset.pop(n, max);
  dropIfEmpty(ctx, key, zset.size);
  return flat(ctx, popped, true);
}

function option(arg: OpArg | undefined): string | undefined {
  return arg === undefined ? undefined : text(arg).toUpperCase();
}

/** Members, or `[member, score, …]` with scores: the flat shape of ioredis' replies. */
function flat(ctx: CommandContext, entries: readonly ZSetEntry[], scores: boolean): Reply[] {
  const reply: Reply[] = [];
  for (const { member, score } of entries) {
    reply.push(replyBytes(ctx, member));
    if (scores) reply.push(score);
  }
  return reply;
}
