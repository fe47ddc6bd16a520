import { compileKeyTemplate, digestArguments } from '../../../lib/cacheable/cache-key.js';

const digest = (...args: unknown[]) => {
  const result = digestArguments(args);
  if ('problem' in result) throw new Error(result.problem);
  return result.digest;
};

describe('digestArguments', () => {
  it('ignores the key order of plain objects, at any depth', () => {
    expect(digest({ b: 2, a: { y: [1, { q: 1, p: 2 }], x: 1 } })).toBe(
      digest({ a: { x: 1, y: [1, { p: 2, q: 1 }] }, b: 2 }),
    );
  });

  it('tells apart values that print alike', () => {
    const values = [
      [1],
      ['1'],
      [1n],
      [null],
      [undefined],
      [],
      [[]],
      [{}],
      [true],
      ['true'],
      [new Date(5)],
      [5],
      [Buffer.from('ab')],
      ['ab'],
      [new Map([['a', 1]])],
      [{ a: 1 }],
      [new Set([1])],
      [[1]],
      ['a', 'b'],
      ['ab', ''],
      [{ a: undefined }],
      [{}, undefined],
    ];
    const digests = values.map((args) => digest(...args));
    expect(new Set(digests).size).toBe(values.length);
    expect(digest(0)).toBe(digest(-0));
  });

  it('is a fixed function of the values (the same in every process and Node version)', () => {
    // A golden value: a change to the canonical text would silently orphan every cached entry.
    const args = [{ q: 'x', page: 2, at: new Date(0), tags: new Set(['a']), n: 10n }];
    expect(digest(...args)).toBe('_3Gk5xhJ0hKk9Wo7hBQTf-');
  });

  it('refuses what cannot be keyed, saying where', () => {
    class Thing {
      constructor(readonly x: number) {}
    }
    const problem = (...args: unknown[]) => {
      const result = digestArguments(args);
      return 'problem' in result ? result.problem : undefined;
    };
    expect(problem(1, { a: [() => 1] })).toBe(
      'arguments[1].a[0] is a function, which cannot be part of a cache key',
    );
    expect(problem(new Thing(1))).toMatch(/arguments\[0\] is an instance of Thing.*toJSON/);
    expect(problem(Symbol('s'))).toMatch(/symbol/);
    const loop: unknown[] = [];
    loop.push(loop);
    expect(problem(loop)).toBe('arguments[0][0] is circular');
    // Shared (not circular) references are fine.
    const shared = { a: 1 };
    expect(problem({ x: shared, y: shared })).toBeUndefined();
    expect(problem(Object.create(null))).toBeUndefined();
  });
});

describe('compileKeyTemplate', () => {
  const compile = (template: string) => {
    const fn = compileKeyTemplate(template);
    if ('problem' in fn) throw new Error(fn.problem);
    return fn;
  };

  it('fills argument indexes and property paths', () => {
    expect(compile('user:{0}:{1.id}')([42, { id: 7 }])).toBe('user:42:7');
    expect(compile('{0.a.b}-{1}')([{ a: { b: 'x' } }, true])).toBe('x-true');
    expect(compile('static')([])).toBe('static');
  });

  it('renders one-argument templates like any other (their own fast path)', () => {
    expect(compile('user:{0}')([42])).toBe('user:42');
    expect(compile('{0}')(['ada'])).toBe('ada');
    expect(compile('a{1}b')([null, 12n])).toBe('a12b');
    expect(compile('flag:{0}:on')([false])).toBe('flag:false:on');
    expect(compile('n:{0}')([-0])).toBe('n:0');
    expect(compile('user:{0}')([{ id: 1 }])).toMatchObject({
      problem: expect.stringContaining("placeholder {0} of 'user:{0}' is an object"),
    });
  });

  it('reports placeholders that give no scalar', () => {
    expect(compile('user:{1}')([1])).toStrictEqual({
      problem:
        "placeholder {1} of 'user:{1}' is undefined undefined; it must be a string, number, bigint or boolean",
    });
    expect(compile('{0.id}')([{ id: { nested: 1 } }])).toMatchObject({
      problem: expect.stringContaining('an object'),
    });
  });

  it('refuses templates with stray braces or nothing at all', () => {
    expect(compileKeyTemplate('user:{id}')).toMatchObject({
      problem: expect.stringContaining('brace'),
    });
    expect(compileKeyTemplate('')).toStrictEqual({ problem: 'must not be empty' });
  });
});
