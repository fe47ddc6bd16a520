import { parseLocation, redact } from '../../../lib/config/location.js';

const SCHEMES = ['redis://', 'rediss://', 'valkey://', 'valkeys://', 'unix://', 'memory://'];

/** The parsed location, failing the test with the message when it is an error string. */
function parsed(location: string | string[], cluster = false) {
  const result = parseLocation(location, cluster);
  if (typeof result === 'string') throw new Error(`unexpected error: ${result}`);
  return result;
}

/** The error message, failing the test when the location parses. */
function error(location: string | string[], cluster = false): string {
  const result = parseLocation(location, cluster);
  if (typeof result !== 'string')
    throw new Error(`expected an error, got ${JSON.stringify(result)}`);
  return result;
}

describe('parseLocation', () => {
  describe('redis:// and valkey://', () => {
    it('reads host, port and the database from the path', () => {
      expect(parsed('redis://cache.internal:6380/2')).toEqual({
        kind: 'redis',
        options: { host: 'cache.internal', port: 6380, db: 2 },
      });
    });

    it('treats valkey:// exactly as redis://', () => {
      expect(parsed('valkey://cache.internal:6380/2')).toEqual(
        parsed('redis://cache.internal:6380/2'),
      );
      expect(parsed('valkey://u:p@h/1')).toEqual(parsed('redis://u:p@h/1'));
    });

    it('defaults to 127.0.0.1:6379 and sets no database', () => {
      expect(parsed('redis://')).toEqual({
        kind: 'redis',
        options: { host: '127.0.0.1', port: 6379 },
      });
      expect(parsed('redis://localhost')).toEqual({
        kind: 'redis',
        options: { host: 'localhost', port: 6379 },
      });
      expect(parsed('valkey://10.0.0.5/')).toEqual({
        kind: 'redis',
        options: { host: '10.0.0.5', port: 6379 },
      });
    });

    it('turns TLS on for rediss:// and valkeys:// only', () => {
      expect(parsed('rediss://h:6380')).toEqual({
        kind: 'redis',
        options: { host: 'h', port: 6380, tls: {} },
      });
      expect(parsed('valkeys://h')).toEqual({
        kind: 'redis',
        options: { host: 'h', port: 6379, tls: {} },
      });
      for (const url of ['redis://h', 'valkey://h']) {
        const result = parsed(url);
        expect(result.kind === 'redis' && 'tls' in result.options).toBe(false);
      }
    });

    it('reads the database from `?db=`', () => {
      expect(parsed('redis://h?db=3')).toEqual({
        kind: 'redis',
        options: { host: 'h', port: 6379, db: 3 },
      });
    });

    it('accepts the same database in the path and the query, and a trailing slash', () => {
      expect(parsed('redis://h/3?db=3')).toEqual({
        kind: 'redis',
        options: { host: 'h', port: 6379, db: 3 },
      });
      expect(parsed('redis://h/4/')).toEqual({
        kind: 'redis',
        options: { host: 'h', port: 6379, db: 4 },
      });
      expect(parsed('redis://h/0')).toEqual({
        kind: 'redis',
        options: { host: 'h', port: 6379, db: 0 },
      });
    });

    it('rejects two different databases in the path and the query', () => {
      expect(error('redis://h/2?db=3')).toMatch(/two different databases/);
    });

    it.each([
      'redis://h/abc',
      'redis://h?db=x',
      'redis://h?db=-1',
      'redis://h/1.5',
      'redis://h?db=',
    ])('rejects the non-numeric database of %p', (url) => {
      expect(error(url)).toMatch(/database must be a number/);
    });

    it('reads username and password, URL-decoded', () => {
      expect(parsed('redis://app:p%40ss@h:6379/1')).toEqual({
        kind: 'redis',
        options: { username: 'app', password: 'p@ss', host: 'h', port: 6379, db: 1 },
      });
      expect(parsed('redis://:s%2Fcr%3At@h')).toEqual({
        kind: 'redis',
        options: { password: 's/cr:t', host: 'h', port: 6379 },
      });
    });

    it('takes a password from `?password=` too', () => {
      expect(parsed('redis://h?password=s3cret')).toEqual({
        kind: 'redis',
        options: { password: 's3cret', host: 'h', port: 6379 },
      });
    });

    it('reads an IPv6 address without its brackets', () => {
      expect(parsed('redis://[::1]:6380/4')).toEqual({
        kind: 'redis',
        options: { host: '::1', port: 6380, db: 4 },
      });
      expect(parsed('redis://[::1]')).toEqual({
        kind: 'redis',
        options: { host: '::1', port: 6379 },
      });
    });

    it.each(['redis://h:99999', 'redis://h:port', 'redis://ho st'])(
      'rejects the malformed URL %p',
      (url) => {
        expect(error(url)).toMatch(/is not a valid URL/);
      },
    );
  });

  describe('unix://', () => {
    it('reads the socket path, database and password', () => {
      expect(parsed('unix:///tmp/r.sock?db=1&password=x')).toEqual({
        kind: 'redis',
        options: { path: '/tmp/r.sock', db: 1, password: 'x' },
      });
    });

    it('sets no host or port', () => {
      expect(parsed('unix:///var/run/redis.sock')).toEqual({
        kind: 'redis',
        options: { path: '/var/run/redis.sock' },
      });
    });

    it('rejects a socket URL without a path', () => {
      expect(error('unix://')).toMatch(/no socket path/);
    });

    it('rejects a non-numeric database', () => {
      expect(error('unix:///tmp/r.sock?db=one')).toMatch(/database must be a number/);
    });
  });

  describe('memory://', () => {
    it('names the default store "" for memory://', () => {
      expect(parsed('memory://')).toEqual({ kind: 'memory', store: '' });
    });

    it('names a store after the host part', () => {
      expect(parsed('memory://sessions')).toEqual({ kind: 'memory', store: 'sessions' });
      expect(parsed('memory://app_1.v-2')).toEqual({ kind: 'memory', store: 'app_1.v-2' });
      expect(parsed('memory://sessions/')).toEqual({ kind: 'memory', store: 'sessions' });
    });

    it.each(['memory://a b', 'memory://a/b', 'memory://x?y', 'memory://é'])(
      'rejects the store name of %p',
      (url) => {
        expect(error(url)).toMatch(/memory store name may hold letters, digits/);
      },
    );

    it('cannot be a cluster', () => {
      expect(error('memory://', true)).toMatch(/cannot be a cluster/);
      expect(error(['memory://a'], true)).toMatch(/unknown scheme/);
    });
  });

  describe('unknown schemes', () => {
    it.each(['http://h:6379', 'h:6379', 'localhost', 'REDIS://h', 'redis:/h', 'tcp://h', ''])(
      'rejects %p, listing the schemes',
      (url) => {
        const message = error(url);
        expect(message).toMatch(/unknown scheme/);
        for (const scheme of SCHEMES) expect(message).toContain(scheme);
      },
    );

    it('rejects a non-string location', () => {
      expect(error(42 as unknown as string)).toMatch(/must be a URL string/);
    });
  });

  describe('clusters', () => {
    it('rejects a list of nodes without `cluster`', () => {
      expect(error(['redis://a:7000', 'redis://b:7000'])).toMatch(/needs `cluster: true`/);
    });

    it('reads every node, with the credentials and TLS shared by all', () => {
      expect(
        parsed(['rediss://app:pw@a:7000', 'rediss://app:pw@b:7001', 'rediss://c'], true),
      ).toEqual({
        kind: 'cluster',
        nodes: [
          { host: 'a', port: 7000 },
          { host: 'b', port: 7001 },
          { host: 'c', port: 6379 },
        ],
        options: { username: 'app', password: 'pw', tls: {} },
      });
    });

    it('drops the database (a cluster has only db 0)', () => {
      const result = parsed(['redis://:pw@a:7000/3'], true);
      expect(result).toEqual({
        kind: 'cluster',
        nodes: [{ host: 'a', port: 7000 }],
        options: { password: 'pw' },
      });
    });

    it('makes a single URL with `cluster` one seed node', () => {
      expect(parsed('redis://u:pw@h:7000/5', true)).toEqual({
        kind: 'cluster',
        nodes: [{ host: 'h', port: 7000 }],
        options: { username: 'u', password: 'pw' },
      });
      expect(parsed('redis://', true)).toEqual({
        kind: 'cluster',
        nodes: [{ host: '127.0.0.1', port: 6379 }],
        options: {},
      });
    });

    it('rejects an empty list, unix sockets and a bad node', () => {
      expect(error([], true)).toMatch(/no cluster nodes/);
      expect(error(['unix:///tmp/r.sock'], true)).toMatch(/unix socket/);
      expect(error('unix:///tmp/r.sock', true)).toMatch(/unix socket/);
      expect(error(['redis://a:7000', 'http://b:7000'], true)).toMatch(
        /'http:\/\/b:7000' has an unknown scheme/,
      );
    });
  });

  describe('error messages never show the password', () => {
    it.each([
      ['redis://app:hunter2@h/abc', 'hunter2'],
      ['redis://:hunter2@h/2?db=3', 'hunter2'],
      ['rediss://app:hunter2@h:notaport', 'hunter2'],
      ['redis://app:hunter2@h?db=x', 'hunter2'],
      ['redis://h/x?password=hunter2', 'hunter2'],
      ['redis://h/x?db=1&password=hunter2&x=1', 'hunter2'],
      ['unix:///tmp/r.sock?db=x&password=hunter2', 'hunter2'],
      ['http://app:hunter2@h', 'hunter2'],
      ['redis://app:p%40ss@h/x', 'p%40ss'],
    ])('%p', (url, password) => {
      const message = error(url);
      expect(message).not.toContain(password);
      expect(message).toContain('***');
    });

    it('in a cluster node list either', () => {
      const message = error(['redis://:hunter2@a:7000', 'redis://:hunter2@b:port'], true);
      expect(message).not.toContain('hunter2');
      expect(message).toContain("'redis://:***@b:port' is not a valid URL");
    });
  });
});

describe('redact', () => {
  it('masks the password of the user info and of the query', () => {
    expect(redact('redis://app:hunter2@h:6379/1')).toBe('redis://app:***@h:6379/1');
    expect(redact('redis://:hunter2@h')).toBe('redis://:***@h');
    expect(redact('unix:///s?db=1&password=hunter2&x=y')).toBe('unix:///s?db=1&password=***&x=y');
    expect(redact('redis://h?password=hunter2')).toBe('redis://h?password=***');
  });

  it('leaves URLs without a password unchanged', () => {
    for (const url of [
      'redis://h:6379/1',
      'redis://app@h',
      'unix:///tmp/r.sock?db=1',
      'memory://x',
    ]) {
      expect(redact(url)).toBe(url);
    }
  });
});
