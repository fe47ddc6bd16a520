import type { BackendCommand } from '../../../lib/backends/backend.interface.js';
import { MemoryBackend } from '../../../lib/backends/memory/memory.backend.js';
import { MemoryStore } from '../../../lib/backends/memory/memory.store.js';
import { REPLY } from '../../../lib/backends/reply-error.js';

let counter = 0;
const open: MemoryBackend[] = [];

function backend(binary = false): MemoryBackend {
  const store = MemoryStore.acquire(`unit-commands-${process.pid}-${++counter}`, {
    sweepInterval: 60_000,
  });
  if (typeof store === 'string') throw new Error(store);
  const opened = new MemoryBackend(store, { binary });
  open.push(opened);
  return opened;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close()));
});

const cmd = (name: string, keys: string[], args: BackendCommand['args'] = []): BackendCommand => ({
  name,
  keys,
  args,
});

describe('the memory backend as a Redis command interpreter', () => {
  it('throws Redis’ own error texts, so that both backends map to the same typed errors', async () => {
    const b = backend();
    await b.command(cmd('set', ['s'], ['text']));
    await expect(b.command(cmd('hget', ['s'], ['f']))).rejects.toThrow(REPLY.WRONGTYPE);
    await expect(b.command(cmd('lset', ['none'], [0, 'x']))).rejects.toThrow(REPLY.NO_SUCH_KEY);
    await b.command(cmd('hset', ['h'], ['f', 'abc']));
    await expect(b.command(cmd('hincrby', ['h'], ['f', 1]))).rejects.toThrow(
      REPLY.HASH_NOT_INTEGER,
    );
    await expect(b.command(cmd('zrangebyscore', ['z'], ['x', 1]))).rejects.toThrow(
      REPLY.MIN_MAX_NOT_FLOAT,
    );
    await expect(b.command(cmd('nosuchcommand', ['k']))).rejects.toThrow(/unknown command/);
  });

  it('keeps members as bytes: the same bytes as text or as a Buffer are one member', async () => {
    const b = backend();
    expect(await b.command(cmd('sadd', ['s'], ['zażółć', Buffer.from('zażółć')]))).toBe(1);
    expect(await b.command(cmd('sismember', ['s'], [Buffer.from('zażółć', 'utf8')]))).toBe(1);
    expect(await b.command(cmd('smembers', ['s']))).toEqual(['zażółć']);
    await b.command(cmd('hset', ['h'], [Buffer.from('ключ'), 1]));
    expect(await b.command(cmd('hget', ['h'], ['ключ']))).toBe('1');
    expect(await b.command(cmd('hkeys', ['h']))).toEqual(['ключ']);
  });

  it('answers members and fields as Buffers on a binary cache', async () => {
    const b = backend(true);
    const bytes = Buffer.from([0x00, 0xff, 0x80]);
    await b.command(cmd('zadd', ['z'], [1, bytes]));
    expect(await b.command(cmd('zrange', ['z'], [0, -1, 'WITHSCORES']))).toEqual([bytes, 1]);
    await b.command(cmd('hset', ['h'], ['f', bytes]));
    expect(await b.command(cmd('hgetall', ['h']))).toEqual([Buffer.from('f'), bytes]);
  });

  it('prints HINCRBYFLOAT results as Redis does: plain decimals, no exponent', async () => {
    const b = backend();
    const incr = (delta: string) => b.command(cmd('hincrbyfloat', ['h'], ['f', delta]));
    expect(await incr('0.1')).toBe('0.1');
    expect(await incr('0.2')).toBe('0.3');
    expect(await incr('1e21')).toBe('1000000000000000000000');
    await b.command(cmd('hset', ['h'], ['small', '0']));
    expect(await b.command(cmd('hincrbyfloat', ['h'], ['small', '1.5e-7']))).toBe('0.00000015');
    // As redis-server 7: an infinite increment is refused; an infinite field cannot grow.
    await expect(incr('inf')).rejects.toThrow(REPLY.NAN_OR_INFINITY);
    await b.command(cmd('hset', ['h'], ['infinite', 'inf']));
    await expect(b.command(cmd('hincrbyfloat', ['h'], ['infinite', '1']))).rejects.toThrow(
      REPLY.INCR_NAN,
    );
    expect(await b.command(cmd('hget', ['h'], ['f']))).toBe('1000000000000000000000');
  });

  it('adds and prints in Redis’ long doubles: the same text as Redis 7 on x86-64, digit for digit', async () => {
    const b = backend();
    const incr = (field: string, delta: string) =>
      b.command(cmd('hincrbyfloat', ['h'], [field, delta]));
    // Texts recorded from redis-server 7.0 (HINCRBYFLOAT on a fresh hash).
    expect(await incr('a', '408.4982661958472')).toBe('408.4982661958472');
    expect(await incr('a', '646.0818325447011')).toBe('1054.58009874054830002');
    expect(await incr('a', '0.3333333333333333')).toBe('1054.91343207388163328');
    expect(await incr('a', '1e-20')).toBe('1054.91343207388163328');
    expect(await incr('a', '-1054.58')).toBe('0.33343207388163332');
    expect(await incr('b', '1234567.891')).toBe('1234567.89099999999996271');
    expect(await incr('b', '30.0')).toBe('1234597.89099999999996271');
    expect(await incr('b', '0.0000001')).toBe('1234597.89100009999992835');
    expect(await incr('c', '1e308')).toMatch(
      /^99999999999999999996685879655845645660560099847415567207797047994921734868838061872100126921888539320446747225054013223152134749593960583597420814430196418767959100019603190778663109604507106667939153395788938914560543563061268364901618630217086589253444881623791300855757318142424510452728255046343928578048$/,
    );
    // A long double holds 2e308, which a double cannot.
    expect(await incr('c', '1e308')).toMatch(/^1999999999999999999933717593116912913211\d{269}$/);
    await expect(incr('d', 'nan')).rejects.toThrow(REPLY.NOT_FLOAT);
    await expect(incr('d', '1e5000')).rejects.toThrow(REPLY.NOT_FLOAT);
  });

  it('does not leave an empty collection behind a failed write', async () => {
    const b = backend();
    await expect(b.command(cmd('hincrbyfloat', ['h'], ['f', 'inf']))).rejects.toThrow();
    expect(await b.exists('h')).toBe(false);
    await expect(b.command(cmd('zadd', ['z'], ['nan', 'm']))).rejects.toThrow(REPLY.NOT_FLOAT);
    expect(await b.exists('z')).toBe(false);
  });

  it('runs a pipeline synchronously, each step failing on its own', async () => {
    const b = backend();
    await b.command(cmd('set', ['s'], ['1']));
    const results = await b.pipeline([
      cmd('incrby', ['s'], [1]),
      cmd('lpush', ['s'], ['x']),
      cmd('incrby', ['s'], [1]),
    ]);
    expect(results[0]).toEqual({ ok: true, value: 2 });
    expect(results[1]!.ok).toBe(false);
    expect(results[2]).toEqual({ ok: true, value: 3 });
  });
});
