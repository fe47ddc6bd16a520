import type { OpArg } from '../../atomic-op.js';
import type { RawValue } from '../../backend.interface.js';

/**
 * HINCRBYFLOAT's arithmetic as Redis does it on x86-64: both operands are read into the nearest
 * `long double` (x87 extended precision: a 64-bit significand), added and rounded to a long
 * double, and printed with `%.17Lf` minus the trailing zeros (`ld2string`, LD_STR_HUMAN). Done
 * exactly with BigInts, so that the memory backend answers Redis' very text
 * (`'1234597.8709999999999809'`), and never loses digits a double would keep.
 *
 * A value is `m × 2^e` with `|m| < 2^64`.
 */
export interface LongDouble {
  readonly m: bigint;
  readonly e: number;
}

/** An operand or a sum that is infinite (or NaN): Redis refuses to store one. */
export const NOT_FINITE = Symbol('not finite');

const SIGNIFICAND_BITS = 64;
/** Long doubles end at about 1.19e4932 (2^16384); past it a sum is infinite. */
const MAX_BITS = 16_384;
/**
 * Decimal exponents beyond which `strtold` overflows or underflows to 0 (ERANGE, which Redis
 * refuses as "not a float"); also keeps BigInt powers of ten small.
 */
const MAX_DECIMAL_EXPONENT = 4_932;
const MIN_DECIMAL_EXPONENT = -4_950;
const DECIMAL = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/;
const INFINITY = /^[+-]?inf(?:inity)?$/i;
const PRINTED_DECIMALS = 17;
const PRINT_SCALE = 10n ** BigInt(PRINTED_DECIMALS);

/**
 * Parses text as `strtold` does for Redis' `string2ld` (decimal or exponent notation, `inf`; no
 * spaces, no NaN): the nearest long double, {@link NOT_FINITE} for an infinity, or `undefined`
 * when Redis would answer "not a float".
 */
export function parseLongDouble(raw: OpArg | RawValue): LongDouble | typeof NOT_FINITE | undefined {
  const text =
    typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : raw.toString('latin1');
  const match = DECIMAL.exec(text);
  if (!match) return INFINITY.test(text) ? NOT_FINITE : undefined;
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  if (whole === '' && fraction === '') return undefined;
  const digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return { m: 0n, e: 0 };
  const scale = Number(exponent) - fraction.length;
  const magnitude = digits.length + scale;
  if (magnitude > MAX_DECIMAL_EXPONENT || magnitude < MIN_DECIMAL_EXPONENT) return undefined;
  const units = BigInt(sign === '-' ? `-${digits}` : digits);
  return scale >= 0
    ? roundToLongDouble(units * 10n ** BigInt(scale), 1n)
    : roundToLongDouble(units, 10n ** BigInt(-scale));
}

/** `a + b` rounded to a long double, or {@link NOT_FINITE} when it overflows. */
export function addLongDoubles(a: LongDouble, b: LongDouble): LongDouble | typeof NOT_FINITE {
  const e = Math.min(a.e, b.e);
  const sum = (a.m << BigInt(a.e - e)) + (b.m << BigInt(b.e - e));
  const rounded = roundToLongDouble(sum, 1n);
  const result = { m: rounded.m, e: rounded.e + e };
  return bitLength(abs(result.m)) + result.e > MAX_BITS ? NOT_FINITE : result;
}

/** A long double as `%.17Lf` prints it, trailing zeros (and a bare point) removed, `-0` as `0`. */
export function printLongDouble({ m, e }: LongDouble): string {
  const negative = m < 0n;
  const magnitude = abs(m);
  let units: bigint;
  if (e >= 0) {
    units = (magnitude << BigInt(e)) * PRINT_SCALE;
  } else {
    // glibc prints the exact binary value rounded to the last decimal, ties to even.
    const numerator = magnitude * PRINT_SCALE;
    const denominator = 1n << BigInt(-e);
    units = numerator / denominator;
    const twice = (numerator % denominator) * 2n;
    if (twice > denominator || (twice === denominator && (units & 1n) === 1n)) units += 1n;
  }
  const digits = units.toString().padStart(PRINTED_DECIMALS + 1, '0');
  const whole = digits.slice(0, -PRINTED_DECIMALS);
  const fraction = digits.slice(-PRINTED_DECIMALS).replace(/0+$/, '');
  const text = fraction === '' ? whole : `${whole}.${fraction}`;
  return negative && text !== '0' ? `-${text}` : text;
}

/** `numerator / denominator` (denominator > 0) rounded to a 64-bit significand, ties to even. */
function roundToLongDouble(numerator: bigint, denominator: bigint): LongDouble {
  if (numerator === 0n) return { m: 0n, e: 0 };
  const n = abs(numerator);
  // Scaled so that the quotient has 66 or 67 bits: the bits below the significand and the
  // remainder decide the rounding.
  const shift = SIGNIFICAND_BITS + 2 - (bitLength(n) - bitLength(denominator));
  const scaled = shift >= 0 ? n << BigInt(shift) : n;
  const divisor = shift >= 0 ? denominator : denominator << BigInt(-shift);
  let q = scaled / divisor;
  const inexact = scaled % divisor !== 0n;
  const extra = bitLength(q) - SIGNIFICAND_BITS;
  const dropped = q & ((1n << BigInt(extra)) - 1n);
  const half = 1n << BigInt(extra - 1);
  q >>= BigInt(extra);
  if (dropped > half || (dropped === half && (inexact || (q & 1n) === 1n))) q += 1n;
  let e = extra - shift;
  if (bitLength(q) > SIGNIFICAND_BITS) {
    q >>= 1n;
    e += 1;
  }
  return { m: numerator < 0n ? -q : q, e };
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}
