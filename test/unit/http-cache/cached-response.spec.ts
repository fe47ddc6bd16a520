import { StreamableFile } from '@nestjs/common';
import {
  bodyOf,
  ifNoneMatch,
  isUnstorable,
  storedResponse,
  Unstorable,
} from '../../../lib/http-cache/cached-response.js';

describe('storedResponse', () => {
  it('stores a JSON value serialized, with a JSON content type and a strong ETag of those bytes', () => {
    const [kind, body, etag, headers] = storedResponse({ b: 1, a: [2] }, {}, {});
    expect(kind).toBe('j');
    expect(body).toBe('{"b":1,"a":[2]}');
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    expect(headers).toEqual(['content-type', 'application/json; charset=utf-8']);
    expect(storedResponse({ b: 1, a: [2] }, {}, {})[2]).toBe(etag);
    expect(storedResponse({ b: 2, a: [2] }, {}, {})[2]).not.toBe(etag);
  });

  it('keeps strings, numbers and Buffers as they are, and nothing for nil', () => {
    expect(storedResponse('hi', {}, {}).slice(0, 2)).toEqual(['s', 'hi']);
    expect(storedResponse(42, {}, {}).slice(0, 2)).toEqual(['v', 42]);
    const buffer = Buffer.from('bytes');
    expect(storedResponse(buffer, {}, {}).slice(0, 2)).toEqual(['v', buffer]);
    const nil = storedResponse(undefined, {}, {});
    expect(nil[0]).toBe('n');
    expect(bodyOf(nil)).toBeUndefined();
    expect(bodyOf(storedResponse('hi', {}, {}))).toBe('hi');
  });

  it("replays the handler's own headers only, never cookies, hop-by-hop or its own", () => {
    const before = { 'x-powered-by': 'Express', 'x-static': 'yes' };
    const after = {
      ...before,
      'x-static': 'changed',
      'x-new': 'n',
      'content-type': 'application/vnd.api+json',
      'set-cookie': ['a=1'],
      connection: 'close',
      'content-length': '10',
      etag: '"x"',
      'x-cache': 'HIT',
      vary: 'accept',
      link: ['<a>; rel=next', '<b>; rel=prev'],
    };
    const [, , , headers] = storedResponse({ a: 1 }, before, after);
    expect(headers).toEqual([
      'x-static',
      'changed',
      'x-new',
      'n',
      'content-type',
      'application/vnd.api+json',
      'link',
      ['<a>; rel=next', '<b>; rel=prev'],
    ]);
  });
});

describe('ifNoneMatch', () => {
  const etag = '"abc"';
  it.each([
    ['"abc"', true],
    ['W/"abc"', true],
    ['"x", "abc"', true],
    ['"x",W/"abc"', true],
    ['*', true],
    ['"abcd"', false],
    ['"x"', false],
    ['', false],
  ])('%s → %s', (header, expected) => {
    expect(ifNoneMatch(header, etag)).toBe(expected);
  });
});

describe('Unstorable', () => {
  it('marks results that are not stored', () => {
    expect(isUnstorable(new Unstorable(new StreamableFile(Buffer.from('x'))))).toBe(true);
    expect(isUnstorable(['j', '{}', '"e"', []])).toBe(false);
  });
});
