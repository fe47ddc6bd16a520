import type { Cluster, Redis } from 'ioredis';
import type { RawValue } from '../backend.interface.js';

/**
 * A kind of single-key call that a tick's calls of the same kind can share one command for (see
 * {@link TickBatcher.join}). `one` sends a call alone, as without coalescing; `many` sends several
 * (of one hash slot) as one command and answers, per call and in order, its result or the
 * `Error` that call alone fails with.
 */
export interface CoalescedKind {
  one(client: Redis | Cluster, key: string, arg: number, binary: boolean): Promise<unknown>;
  many(
    client: Redis | Cluster,
    keys: readonly string[],
    args: readonly number[],
    binary: boolean,
  ): Promise<unknown[]>;
}

/**
 * `get`: one MGET, with EXISTS of the same keys written right after it. MGET answers nil for a
 * key of another type where GET fails with WRONGTYPE; so when EXISTS counts more keys than MGET
 * found values, the nil keys are read again with GET, which gives each its own answer (a
 * WRONGTYPE error, or the value of a key written in between). The rare path costs a round trip;
 * the common one costs EXISTS, a few µs of server time per tick instead of a command per key.
 *
 * NOTE: MGET and EXISTS leave in one socket write and the server runs the commands of one read
 * back to back, so another client's write between them is possible only when a batch does not
 * fit one read (16 KB); a key deleted in between could then hide another key's WRONGTYPE once.
 * MULTI/EXEC would close that window for two more commands per tick; a `get` of a key of another
 * type is a programming error, not a race to arbitrate.
 */
export const GET: CoalescedKind = {
  one(client, key, _arg, binary) {
    return (binary ? client.getBuffer(key) : client.get(key)).then(nullToUndefined);
  },
  many(client, keys, _args, binary) {
    const values: Promise<Array<RawValue | null>> = binary
      ? client.mgetBuffer(keys as string[])
      : client.mget(keys as string[]);
    const existing = client.exists(keys as string[]);
    return Promise.all([values, existing]).then(([found, count]) => {
      let hits = 0;
      for (let i = 0; i < found.length; i++) if (found[i] !== null) hits++;
      if (hits >= count) return found.map(nullToUndefined);
      return Promise.all(
        found.map((value, i) =>
          value !== null ? value : GET.one(client, keys[i]!, 0, binary).catch(asError),
        ),
      );
    });
  },
};

/*
 * The batch scripts run as EVAL, not EVALSHA: EVALSHA's NOSCRIPT fallback (a fresh or restarted
 * server) would send the batch again a round trip later, after the commands of the calls made
 * after it, and coalescing must keep their order. The script text is ~90 bytes; the server
 * hashes it per call (about a µs) and keeps it compiled, so EVAL costs what EVALSHA does here.
 */

/** Runs INCRBY per key in one script; each call's error (not an integer) is its own. */
const INCR_BATCH = `local r = {}
for i = 1, #KEYS do r[i] = redis.pcall('INCRBY', KEYS[i], ARGV[i]) end
return r`;

/** `incrBy`: one EVAL of {@link INCR_BATCH}; in call order, so one key's calls add up. */
export const INCR: CoalescedKind = {
  one(client, key, delta) {
    return client.incrby(key, delta);
  },
  many(client, keys, deltas) {
    return client.eval(INCR_BATCH, keys.length, ...keys, ...deltas) as Promise<unknown[]>;
  },
};

/** Runs UNLINK per key in one script: each call counts its own key. */
const UNLINK_BATCH = `local r = {}
for i = 1, #KEYS do r[i] = redis.pcall('UNLINK', KEYS[i]) end
return r`;

/** Single-key `delete`: one EVAL of {@link UNLINK_BATCH}. */
export const UNLINK: CoalescedKind = {
  one(client, key) {
    return client.unlink(key);
  },
  many(client, keys) {
    return client.eval(UNLINK_BATCH, keys.length, ...keys) as Promise<unknown[]>;
  },
};

function nullToUndefined(value: RawValue | null): RawValue | undefined {
  return value ?? undefined;
}

/** A call's failure as an element of a batch's answer (the caller rejects with it). */
function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
