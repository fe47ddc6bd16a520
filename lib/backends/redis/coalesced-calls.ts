import type { Cluster, Redis } from 'ioredis';
import type { RawValue } from '../backend.interface.js';
import { callBuffer } from './call-buffer.js';

/*
 * The batch scripts run as EVAL, not EVALSHA: EVALSHA's NOSCRIPT fallback (a fresh or restarted
 * server) would send the batch again a round trip later, after the commands of the calls made
 * after it, and coalescing must keep their order. The scripts are a few hundred bytes; the server
 * hashes the text per call (about a µs per batch) and keeps it compiled.
 */

/**
 * A kind of single-key call that a tick's calls of the same kind can share one command for (see
 * {@link TickBatcher.join}). `one` sends a call alone, as without coalescing; `many` sends several
 * (of one hash slot) as one command and answers, per call and in order, its result or the
 * `Error` that call alone fails with.
 */
export interface CoalescedKind<A = number> {
  /**
   * Most calls one command carries: the batch is then sent, and the socket written.
   * @default 128 (the batcher's `MAX_COALESCED`)
   */
  readonly max?: number;
  one(client: Redis | Cluster, key: string, arg: A, binary: boolean): Promise<unknown>;
  many(
    client: Redis | Cluster,
    keys: readonly string[],
    args: readonly A[],
    binary: boolean,
  ): Promise<unknown[]>;
}

/**
 * Reads the keys with MGET and, only when some are nil, counts those with one EXISTS: MGET
 * answers nil for a key of another type where GET fails with WRONGTYPE, so when a nil key exists
 * the nil keys are read again with GET, each answering its own value, nil or error. One atomic
 * command: the answer does not depend on other clients' writes nor on the rest of the tick.
 */
const GET_BATCH = `local v = redis.call('MGET', unpack(KEYS))
local nils, n = {}, 0
for i = 1, #KEYS do if not v[i] then n = n + 1 nils[n] = KEYS[i] end end
if n > 0 and redis.call('EXISTS', unpack(nils)) > 0 then
  for i = 1, #KEYS do if not v[i] then v[i] = redis.pcall('GET', KEYS[i]) end end
end
return v`;

/**
 * `get`: one EVAL of {@link GET_BATCH}. Measured against the other exact ways (50 in flight,
 * raw ioredis, ops/s ÷ node-redis' GET, hits / misses): this script 1.27–1.33× / 1.38×; MGET and
 * EXISTS of all keys pipelined 1.14× / 1.14×; MULTI [MGET, EXISTS] 0.94× / 0.87×; a script with
 * an EXISTS per nil 1.33× / 0.88×. MGET alone (inexact) 1.47× / 1.68×.
 */
export const GET: CoalescedKind = {
  one(client, key, _arg, binary) {
    return (binary ? client.getBuffer(key) : client.get(key)).then(nullToUndefined);
  },
  many(client, keys, _args, binary) {
    const reply = binary
      ? callBuffer(client, 'eval', [GET_BATCH, keys.length, ...keys])
      : client.eval(GET_BATCH, keys.length, ...keys);
    return (reply as Promise<Array<RawValue | Error | null>>).then(nullsToUndefined);
  },
};

/**
 * The `many` of a kind whose calls each run one single-key command: one script that runs it per
 * key under `pcall`, in call order, each call answered its own reply or error; `withArgument`
 * passes each call's argument as its ARGV.
 */
function perKeyScript(command: string, withArgument: boolean): CoalescedKind['many'] {
  const lua = `local r = {}
for i = 1, #KEYS do r[i] = redis.pcall('${command}', KEYS[i]${withArgument ? ', ARGV[i]' : ''}) end
return r`;
  return (client, keys, args) =>
    (withArgument
      ? client.eval(lua, keys.length, ...keys, ...args)
      : client.eval(lua, keys.length, ...keys)) as Promise<unknown[]>;
}

/**
 * `incrBy`: INCRBY per call in one script, in call order, so one key's calls add up; a key that
 * is not an integer fails its call alone.
 */
export const INCR: CoalescedKind = {
  one: (client, key, delta) => client.incrby(key, delta),
  many: perKeyScript('INCRBY', true),
};

/** Single-key `delete`: UNLINK per call in one script, each call counting its own key. */
export const UNLINK: CoalescedKind = {
  one: (client, key) => client.unlink(key),
  many: perKeyScript('UNLINK', false),
};

/**
 * `expire` (and so `touch` with a TTL): PEXPIRE per call in one script, each call learning
 * whether its own key exists.
 */
export const PEXPIRE: CoalescedKind = {
  one: (client, key, ms) => client.pexpire(key, ms),
  many: perKeyScript('PEXPIRE', true),
};

/**
 * Most keys of a `getMany` that may join a batch: a larger one is an efficient MGET on its own,
 * and the batch's MGET stays bounded (128 calls of this many keys).
 */
export const MAX_JOINED_MGET_KEYS = 64;

/**
 * `getMany` (standalone servers): the calls' keys concatenated in one MGET, each call answered
 * its own slice. Exact: `getMany` reads a key of another type as a miss, as MGET does.
 */
export const MGET: CoalescedKind<readonly string[]> = {
  // Up to 32 calls per MGET: a reply of hundreds of values costs the client as much as the
  // server, so at high concurrency several MGETs in flight overlap the two (50 calls of 10 keys
  // in flight: 1.09× the ops/s of one MGET per tick).
  max: 32,
  one(client, _key, keys, binary) {
    const reply: Promise<Array<RawValue | null>> = binary
      ? client.mgetBuffer(keys as string[])
      : client.mget(keys as string[]);
    return reply.then(nullsToUndefined);
  },
  many(client, _keys, calls, binary) {
    const all: string[] = [];
    for (let i = 0; i < calls.length; i++) all.push(...calls[i]!);
    const reply: Promise<Array<RawValue | null>> = binary
      ? client.mgetBuffer(all)
      : client.mget(all);
    return reply.then((values) => {
      const answers = new Array<Array<RawValue | undefined>>(calls.length);
      let at = 0;
      for (let i = 0; i < calls.length; i++) {
        const end = at + calls[i]!.length;
        answers[i] = nullsToUndefined(values.slice(at, end));
        at = end;
      }
      return answers;
    });
  },
};

function nullToUndefined(value: RawValue | null): RawValue | undefined {
  return value ?? undefined;
}

/** A script's reply with nils as `undefined`, in place: the array is the batch's own. */
function nullsToUndefined<T>(values: Array<T | null>): Array<T | undefined> {
  for (let i = 0; i < values.length; i++) if (values[i] === null) values[i] = undefined as T;
  return values as Array<T | undefined>;
}
