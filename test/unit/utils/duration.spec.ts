import { describe as describeValue, parseDuration } from '../../../lib/utils/duration.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  describe('numbers are milliseconds', () => {
    it.each([
      [0, 0],
      [1, 1],
      [250, 250],
      [300_000, 300_000],
    ])('%p → %p', (input, ms) => {
      expect(parseDuration(input)).toBe(ms);
    });

    it('rounds fractional milliseconds to the nearest whole one', () => {
      expect(parseDuration(1.4)).toBe(1);
      expect(parseDuration(1.5)).toBe(2);
      expect(parseDuration(0.4)).toBe(0);
    });
  });

  describe('strings with units', () => {
    it.each([
      ['250ms', 250],
      ['30s', 30 * SECOND],
      ['5m', 5 * MINUTE],
      ['2h', 2 * HOUR],
      ['14d', 1_209_600_000],
      ['1w', 7 * DAY],
      ['1h30m', HOUR + 30 * MINUTE],
      ['1d2h3m4s5ms', DAY + 2 * HOUR + 3 * MINUTE + 4 * SECOND + 5],
      ['1.5s', 1_500],
      ['0.5m', 30 * SECOND],
      ['1.5ms', 2],
      ['0s', 0],
      [' 30s ', 30 * SECOND],
    ])('%p → %p ms', (input, ms) => {
      expect(parseDuration(input)).toBe(ms);
    });

    it('reads `m` as minutes and `ms` as milliseconds', () => {
      expect(parseDuration('1m')).toBe(60_000);
      expect(parseDuration('1ms')).toBe(1);
      expect(parseDuration('1m1ms')).toBe(60_001);
    });

    it('reads a string of bare digits as milliseconds', () => {
      expect(parseDuration('1500')).toBe(1_500);
      expect(parseDuration('0')).toBe(0);
      expect(parseDuration(' 42 ')).toBe(42);
    });
  });

  describe('invalid durations are returned as a message, not thrown', () => {
    it.each([
      [-1, /negative.*-1/],
      [-0.5, /negative/],
      [NaN, /finite.*NaN/],
      [Infinity, /finite.*Infinity/],
      [-Infinity, /finite/],
      [1e20, /at most 9007199254740991 ms.*100000000000000000000/],
      [Number.MAX_SAFE_INTEGER + 2, /at most/],
    ])('number %p', (input, message) => {
      const result = parseDuration(input);
      expect(typeof result).toBe('string');
      expect(result).toMatch(message);
    });

    it.each([
      '',
      '   ',
      '-1s',
      '-5',
      '10 parsecs',
      '5x',
      's',
      '1.s',
      '.5s',
      '1e3',
      '1h 30m',
      '30S',
      '5mm',
    ])('string %p', (input) => {
      const result = parseDuration(input);
      expect(typeof result).toBe('string');
      expect(result).toContain(`'${input}'`);
      expect(result).toMatch(/not a valid duration/);
    });

    it('refuses strings past Number.MAX_SAFE_INTEGER milliseconds', () => {
      expect(parseDuration('99999999999999999999')).toMatch(/at most 9007199254740991 ms/);
      expect(parseDuration('999999999999w')).toMatch(/at most .*'999999999999w'/);
      expect(parseDuration(String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    });

    it('suggests valid forms for a malformed unit', () => {
      expect(parseDuration('5x')).toMatch(/'30s'/);
    });

    it.each([
      [null, 'null'],
      [undefined, 'undefined'],
      [true, 'boolean true'],
      [{ ms: 5 }, 'an object'],
      [[5], 'an array'],
      [5n, 'bigint 5'],
    ])('non-number, non-string %p', (input, described) => {
      const result = parseDuration(input);
      expect(typeof result).toBe('string');
      expect(result).toMatch(/must be a number of milliseconds or a string/);
      expect(result).toContain(described);
    });
  });
});

describe('describe', () => {
  it('quotes strings', () => {
    expect(describeValue('abc')).toBe("'abc'");
    expect(describeValue('')).toBe("''");
  });

  it('shortens long strings to 40 characters and an ellipsis', () => {
    const long = 'x'.repeat(100);
    expect(describeValue(long)).toBe(`'${'x'.repeat(40)}…'`);
    expect(describeValue('y'.repeat(40))).toBe(`'${'y'.repeat(40)}'`);
  });

  it('never prints the contents of objects or arrays', () => {
    expect(describeValue({ password: 'secret' })).toBe('an object');
    expect(describeValue(['secret'])).toBe('an array');
    expect(describeValue(null)).toBe('null');
  });

  it('gives the type and value of primitives', () => {
    expect(describeValue(5)).toBe('number 5');
    expect(describeValue(NaN)).toBe('number NaN');
    expect(describeValue(false)).toBe('boolean false');
    expect(describeValue(undefined)).toBe('undefined undefined');
    expect(describeValue(Symbol('s'))).toBe('symbol Symbol(s)');
  });
});
