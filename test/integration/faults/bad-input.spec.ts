/**
 * Issue 11, fault test 7: the bad-input table, one place for every kind of input a caller (or a
 * user of the caller) may get wrong, run unchanged on memory, Redis, Valkey and Cluster.
 *
 * - `REFUSED`: each row fails with its typed error naming the argument or key, and nothing
 *   changed: the cache's keys, values and TTLs, its namespace versions, a held lock, and the
 *   keys of a neighbour cache on the same server are as before.
 * - `LEGAL_KEYS`: keys that look odd but are legal (empty, 1 MB, binary, Unicode, glob and
 *   hash-tag characters) round-trip, are listed by `keys()` as written and stay apart.
 * - Lock names with `{` / `}` and `deletePattern` given hostile user input.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  CacheRegistry,
  CacheXError,
  escapeGlob,
  InvalidArgumentError,
  SerializationError,
  type CacheConfig,
  type CacheService,
} from '../../../lib/index.js';
import { uniquePrefix } from '../../contract/cache.contract.js';
import { testServers } from '../../harness/index.js';

/** The `maxValueSize` of the caches under test, in bytes. */
const MAX_VALUE_SIZE = 4096;

const BACKENDS: Array<[string, () => CacheConfig]> = [
  ['memory', () => ({ location: 'memory://' })],
  ['redis', () => ({ location: testServers().redis.url })],
  ['valkey', () => ({ location: testServers().valkey.url })],
  ['cluster', () => ({ location: testServers().cluster.urls, cluster: true })],
];

interface Caches {
  /** The cache the rows write to: `maxValueSize` 4096, JSON, no compression. */
  cache: CacheService;
  /** The same with gzip: sizes are measured before compression. */
  zipped: CacheService;
  /** Another cache on the same server, whose keys no row may touch. */
  neighbour: CacheService;
}

type ErrorClass = abstract new (...args: never[]) => CacheXError;

interface Refusal {
  /** What is wrong, for the test's name. */
  input: string;
  attempt: (c: Caches) => unknown;
  error: ErrorClass;
  /** The `argument` (InvalidArgumentError) or `key` (SerializationError) the error names. */
  names: string;
}

const circular: Record<string, unknown> = { name: 'loop' };
circular.self = circular;
const tooLong = 'x'.repeat(MAX_VALUE_SIZE); // 4098 bytes as JSON
const tooWide = { text: 'é'.repeat(MAX_VALUE_SIZE / 2) }; // 2 bytes per character in UTF-8

/** TTLs that are refused wherever a TTL is taken: zero, negative, not finite, unsafe, bogus. */
const BAD_TTLS: Array<[string, unknown]> = [
  ['0', 0],
  ['0.4 (under 1 ms)', 0.4],
  ['-1', -1],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['2 ** 53 (not a safe integer)', 2 ** 53],
  ["'10 parsecs'", '10 parsecs'],
  ["''", ''],
  ["'-1s'", '-1s'],
  ['true', true],
  ['an object', { seconds: 5 }],
];

/** One row per attempt: `input (method)`, each refused with `error` naming `names`. */
function rows(
  input: string,
  error: ErrorClass,
  names: string,
  attempts: Record<string, (c: Caches) => unknown>,
): Refusal[] {
  return Object.entries(attempts).map(([method, attempt]) => ({
    input: `${input} (${method})`,
    attempt,
    error,
    names,
  }));
}

/** Casts a bad argument to the type the signature wants, as untyped callers pass it. */
const as = <T>(value: unknown) => value as T;

let factoryRuns = 0;
const factory = () => {
  factoryRuns++;
  return 'computed';
};

const REFUSED: Refusal[] = [
  // Keys: strings only, and well-formed Unicode (Redis would merge keys with lone surrogates).
  ...(
    [
      ['a number', 42],
      ['undefined', undefined],
      ['a Buffer', Buffer.from('victim')],
      ['a lone high surrogate', 'victim\uD800'],
      ['a lone low surrogate', '\uDC00victim'],
    ] as Array<[string, unknown]>
  ).flatMap(([what, key]) => {
    const k = as<string>(key);
    return rows(`key ${what}`, InvalidArgumentError, 'key', {
      set: ({ cache }) => cache.set(k, 1),
      get: ({ cache }) => cache.get(k),
      delete: ({ cache }) => cache.delete(k),
      incr: ({ cache }) => cache.incr(k),
      hset: ({ cache }) => cache.hset(k, 'f', 1),
      setMany: ({ cache }) =>
        cache.setMany([
          ['other', 2],
          [k, 1],
        ]),
      pipeline: ({ cache }) => cache.pipeline().set('victim', 2).set(k, 1).exec(),
    });
  }),

  // Values that cannot be stored: a miss reads as undefined; JSON holds neither functions,
  // symbols nor cycles (bigints, Dates, Maps, Sets and Buffers it does, see the contract).
  ...(
    [
      ['undefined', undefined],
      ['a function', factory],
      ['a symbol', Symbol('s')],
      ['a circular object', circular],
      ['a cycle deep inside', { list: [1, { circular }] }],
      [
        'an object whose toJSON throws',
        {
          toJSON: () => {
            throw new Error('no');
          },
        },
      ],
    ] as Array<[string, unknown]>
  ).flatMap(([what, value]) => [
    ...rows(`value ${what}`, SerializationError, 'victim', {
      set: ({ cache }) => cache.set('victim', value),
      setMany: ({ cache }) => cache.setMany({ other: 2, victim: value }),
    }),
    ...rows(`value ${what}`, SerializationError, 'victim-hash', {
      hset: ({ cache }) => cache.hset('victim-hash', 'f', value),
    }),
  ]),

  // Values over maxValueSize, measured serialized (before compression), on every write path.
  ...(
    [
      [`a string of ${tooLong.length + 2} bytes`, tooLong],
      [`an object of ${Buffer.byteLength(JSON.stringify(tooWide))} bytes`, tooWide],
    ] as Array<[string, unknown]>
  ).flatMap(([what, value]) => [
    ...rows(`value over maxValueSize: ${what}`, SerializationError, 'victim', {
      set: ({ cache }) => cache.set('victim', value),
      setMany: ({ cache }) => cache.setMany({ other: 2, victim: value }),
      pipeline: ({ cache }) => cache.pipeline().set('other', 2).set('victim', value).exec(),
      'compressed cache': ({ zipped }) => zipped.set('victim', value),
    }),
    ...rows(`value over maxValueSize: ${what}`, SerializationError, 'new', {
      add: ({ cache }) => cache.add('new', value),
      getOrSet: ({ cache }) => cache.getOrSet('new', () => value),
      hset: ({ cache }) => cache.hset('new', 'f', value),
      rpush: ({ cache }) => cache.rpush('new', [1, value]),
    }),
  ]),

  // TTLs, wherever one is taken.
  ...BAD_TTLS.flatMap(([what, ttl]) => [
    ...rows(`ttl ${what}`, InvalidArgumentError, 'ttl', {
      set: ({ cache }) => cache.set('victim', 2, { ttl: as<number>(ttl) }),
      add: ({ cache }) => cache.add('new', 2, as<number>(ttl)),
      setMany: ({ cache }) => cache.setMany({ victim: 2 }, { ttl: as<number>(ttl) }),
      touch: ({ cache }) => cache.touch('victim', as<number>(ttl)),
      'getOrSet: the factory does not run': ({ cache }) =>
        cache.getOrSet('new', factory, { ttl: as<number>(ttl) }),
    }),
    ...rows(`ttl ${what}`, InvalidArgumentError, 'lease', {
      'lock lease': ({ cache }) => cache.lock('job', { lease: as<number>(ttl) }).acquire(),
    }),
  ]),
  // expire takes 0 (expire now), so only what is not a duration at all.
  ...BAD_TTLS.filter(([, ttl]) => ttl !== 0 && ttl !== 0.4).flatMap(([what, ttl]) =>
    rows(`ttl ${what}`, InvalidArgumentError, 'ttl', {
      expire: ({ cache }) => cache.expire('victim', as<number>(ttl)),
    }),
  ),
  ...(
    [
      ['NaN', NaN],
      ['-1', -1],
      ["'10 parsecs'", '10 parsecs'],
      ['2 ** 53', 2 ** 53],
    ] as Array<[string, unknown]>
  ).flatMap(([what, wait]) =>
    rows(`wait ${what}`, InvalidArgumentError, 'wait', {
      'lock acquire': ({ cache }) => cache.lock('job').acquire({ wait: as<number>(wait) }),
    }),
  ),

  // Counters: whole, safe deltas only.
  ...(
    [
      ['NaN', NaN],
      ['1.5', 1.5],
      ['2 ** 53', 2 ** 53],
      ["'1'", '1'],
    ] as Array<[string, unknown]>
  ).flatMap(([what, delta]) =>
    rows(`delta ${what}`, InvalidArgumentError, 'delta', {
      incr: ({ cache }) => cache.incr('counter', as<number>(delta)),
    }),
  ),

  // Lock names: non-empty strings whose two keys share a hash slot (a leading '}' splits them).
  ...['', '}', '}x', '}}'].flatMap((name) =>
    rows(`lock name '${name}'`, InvalidArgumentError, 'name', {
      lock: ({ cache }) => cache.lock(name),
    }),
  ),

  // Patterns: strings only.
  ...rows('pattern a number', InvalidArgumentError, 'pattern', {
    deletePattern: ({ cache }) => cache.deletePattern(as<string>(7)),
    keys: ({ cache }) => cache.keys(as<string>(null)),
  }),
];

/** Keys that are legal, and must round-trip exactly on every backend. */
const LEGAL_KEYS: Array<[string, string]> = [
  ['empty', ''],
  ['1 MB', 'k'.repeat(1024 * 1024)],
  [
    'every code unit below 256 (binary as latin1)',
    Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join(''),
  ],
  ['NUL, CR, LF, tab', '\0\r\n\t'],
  ['NUL alone', '\0'],
  ['Unicode: emoji, CJK, RTL, BOM', '🔑 日本 مرحبا \uFEFF'],
  ['precomposed é', '\u00e9'],
  ['decomposed é (not normalised: another key)', 'e\u0301'],
  ['glob characters', '*?[a-z]\\'],
  ['a star', 'a*'],
  ['what the star would match', 'ab'],
  ['hash-tag braces', '{user:42}'],
  ['an empty hash tag', '{}u}1'],
  ['a colon-versioned look-alike', '1:victim'],
];

describe.each(BACKENDS)('bad input on %s', (_, base) => {
  let registry: CacheRegistry;
  let caches: Caches;
  let holder: ReturnType<CacheService['lock']>;

  beforeAll(async () => {
    const prefix = uniquePrefix();
    registry = await CacheRegistry.create({
      default: { ...base(), keyPrefix: prefix, maxValueSize: MAX_VALUE_SIZE },
      zipped: {
        ...base(),
        keyPrefix: `${prefix}-zip`,
        maxValueSize: MAX_VALUE_SIZE,
        compressor: 'gzip',
        compressMinSize: 0,
      },
      neighbour: { ...base(), keyPrefix: `${prefix}-other` },
    });
    caches = {
      cache: registry.get('default'),
      zipped: registry.get('zipped'),
      neighbour: registry.get('neighbour'),
    };
  });

  afterAll(async () => {
    await holder?.release().catch(() => undefined);
    for (const c of [caches.cache, caches.zipped, caches.neighbour]) await c.clear();
    await registry.onApplicationShutdown();
  });

  /** Writes the same known state before every row. */
  async function seed(): Promise<void> {
    const { cache, zipped, neighbour } = caches;
    for (const c of [cache, zipped, neighbour]) await c.clear();
    await cache.set('victim', 'old', { ttl: '1h' });
    await cache.set('other', { keep: true }, { ttl: null });
    await cache.hset('victim-hash', 'f', 'old');
    await zipped.set('victim', 'old');
    await neighbour.set('victim', 'theirs');
    await neighbour.set('user:1', 1);
    if (!holder?.held) {
      holder = cache.lock('held', { lease: '1m' });
      expect(await holder.acquire()).toBe(true);
    }
  }

  /** Everything a row could have changed, as data. */
  async function state(): Promise<unknown> {
    const { cache, zipped, neighbour } = caches;
    const contents = async (c: CacheService) => {
      const keys = (await c.keys()).sort();
      return Promise.all(
        keys.map(async (key) => {
          const type = await c.type(key);
          const value = type === 'hash' ? await c.hgetall(key) : await c.get(key);
          const ttl = await c.ttl(key);
          return [key, value, ttl === null ? 'no expiry' : 'expires'];
        }),
      );
    };
    const [mine, zippedOnes, theirs, namespace, lockFree] = await Promise.all([
      contents(cache),
      contents(zipped),
      contents(neighbour),
      cache.namespaceVersion('ns'),
      cache.lock('held').acquire(),
    ]);
    return { mine, zippedOnes, theirs, namespace, lockFree };
  }

  let before: unknown;
  beforeAll(async () => {
    await caches.cache.invalidateNamespace('ns');
    await seed();
    before = await state();
  });

  it.each(REFUSED.map((row) => [row.input, row] as const))(
    'refuses %s, naming it, and changes nothing',
    async (_, row) => {
      const runs = factoryRuns;
      // Some attempts throw before they return a promise (pipelines queue synchronously).
      const error = await Promise.resolve()
        .then(() => row.attempt(caches))
        .then(
          () => new Error('resolved'),
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(row.error);
      const named =
        error instanceof InvalidArgumentError
          ? error.argument
          : error instanceof SerializationError
            ? error.key
            : undefined;
      expect(named).toBe(row.names);
      expect((error as Error).message).toMatch(/^Cache '(default|zipped)'/);
      const after = await state();
      // The next rows start from the seeded state again, whatever this one did.
      if (!isDeepStrictEqual(after, before)) await seed();
      expect(after).toEqual(before);
      expect(factoryRuns).toBe(runs);
    },
  );

  it('accepts a value of exactly maxValueSize bytes, serialized', async () => {
    const { cache, zipped } = caches;
    const largest = 'x'.repeat(MAX_VALUE_SIZE - 2); // two quotes
    expect(await cache.set('largest', largest)).toBe(true);
    expect(await zipped.set('largest', largest)).toBe(true);
    expect(await cache.get('largest')).toBe(largest);
    expect(await zipped.get('largest')).toBe(largest);
  });

  it('keeps legal odd keys exactly as written, each its own key', async () => {
    const { cache, neighbour } = caches;
    await seed();
    const theirs = (await neighbour.keys()).sort();
    for (const [i, [, key]] of LEGAL_KEYS.entries()) {
      expect(await cache.set(key, i)).toBe(true);
    }
    for (const [i, [what, key]] of LEGAL_KEYS.entries()) {
      expect([what, await cache.get(key)]).toEqual([what, i]);
      expect([what, await cache.has(key)]).toEqual([what, true]);
    }
    const listed = new Set(await cache.keys());
    for (const [what, key] of LEGAL_KEYS) expect([what, listed.has(key)]).toEqual([what, true]);
    expect(listed.size).toBe(LEGAL_KEYS.length + 3); // + victim, other, victim-hash
    expect(await cache.get('victim')).toBe('old');
    expect((await neighbour.keys()).sort()).toEqual(theirs);
    // A glob character in a key is literal everywhere but in patterns; escapeGlob makes it so there.
    expect(await cache.delete('a*')).toBe(true);
    expect(await cache.get('ab')).toBe(LEGAL_KEYS.findIndex(([, k]) => k === 'ab'));
    await cache.set('a*', 1);
    expect(await cache.deletePattern(escapeGlob('a*'))).toBe(1);
    expect(await cache.has('ab')).toBe(true);
    expect(await cache.keys(escapeGlob('*?[a-z]\\'))).toEqual(['*?[a-z]\\']);
    expect(await cache.deleteMany(LEGAL_KEYS.map(([, k]) => k))).toBe(LEGAL_KEYS.length - 1);
  });

  it.each(['{', '{}', 'a{b}c', '{user:42}', 'user:42', 'a}b', '{{a}}', '{a}{b}'])(
    'takes a lock named %p, apart from every other name',
    async (name) => {
      const { cache } = caches;
      const lock = cache.lock(name, { lease: '10s' });
      const other = cache.lock(name === 'user:42' ? '{user:42}' : 'user:42', { lease: '10s' });
      try {
        expect(await lock.acquire()).toBe(true);
        expect(await cache.lock(name).acquire()).toBe(false);
        expect(await other.acquire()).toBe(true);
      } finally {
        await lock.release();
        await other.release();
      }
      const again = cache.lock(name);
      expect(await again.acquire()).toBe(true);
      await again.release();
    },
  );

  it.each([
    '*',
    '**',
    '\\',
    '[',
    ']',
    '[^a]*',
    '?*',
    ':*',
    '*:*',
    '../*',
    '*\\',
    '*other*',
    '*cachex*',
    `${'*a'.repeat(40)}b`,
  ])('deletePattern(%p) from user input reaches only this cache’s own keys', async (input) => {
    const { cache, neighbour } = caches;
    await seed();
    const theirs = (await neighbour.keys()).sort();
    const matching = await cache.keys(input);
    expect(await cache.deletePattern(input)).toBe(matching.length);
    // Nothing of the neighbour, nothing internal (namespace versions, a held lock).
    expect((await neighbour.keys()).sort()).toEqual(theirs);
    expect(await neighbour.get('victim')).toBe('theirs');
    expect(await cache.namespaceVersion('ns')).toBe(2);
    expect(await cache.lock('held').acquire()).toBe(false);
    // Escaped, the same input matches only the key spelled that way.
    await seed();
    await cache.set(input, 'literal');
    expect(await cache.deletePattern(escapeGlob(input))).toBe(1);
    expect((await cache.keys()).sort()).toEqual(['other', 'victim', 'victim-hash']);
  });
});
