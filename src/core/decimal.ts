/**
 * Exact decimal numbers for every quantity, price, cash amount and P&L in Subledger.
 *
 * A `Dec` is a bigint counting units of 10^-18 (fixed point, 18 fractional digits). Sums and
 * differences are exact; a product of two values with at most 9 fractional digits each (every
 * broker quantity and price) is exact; quotients (average cost, pro-rata shares) are rounded
 * half-to-even at 10^-18 and only where a quotient is unavoidable. Values are parsed from and
 * printed to decimal strings; JS `number` is never involved.
 *
 * Entry points: `dec` / `parseDec` (parse), `toPlain` / `toFixedString` (print), `mul`, `mulDiv`,
 * `div`, `quotientString`, comparisons. `+`/`-` on the bigints are exact and may be used directly
 * through `add` / `sub`.
 */

declare const decBrand: unique symbol;
/** A decimal number: bigint units of 10^-18. */
export type Dec = bigint & { readonly [decBrand]: true };

export const SCALE_DIGITS = 18;
const SCALE = 10n ** 18n;
const POW10: bigint[] = Array.from({ length: 40 }, (_, i) => 10n ** BigInt(i));

export const ZERO = 0n as Dec;
export const ONE = SCALE as Dec;

/** Why a string is not a decimal, or undefined when it is one. */
export function decimalProblem(text: string): string | undefined {
  if (typeof text !== 'string') return 'must be a decimal string';
  if (!/^[+-]?(\d+)(\.\d+)?$/.test(text) && !/^[+-]?\.\d+$/.test(text)) {
    return `"${text.length > 40 ? text.slice(0, 40) + '…' : text}" is not a decimal number (expected digits with an optional sign and fraction, e.g. "150.25")`;
  }
  const dot = text.indexOf('.');
  if (dot >= 0 && text.length - dot - 1 > SCALE_DIGITS) {
    return `"${text}" has more than ${SCALE_DIGITS} fractional digits`;
  }
  const intDigits = (dot < 0 ? text : text.slice(0, dot)).replace(/^[+-]?0*/, '').length;
  if (intDigits > 20) return `"${text}" is too large (more than 20 integer digits)`;
  return undefined;
}

/** Parses a decimal string. Throws a RangeError naming the problem if it is not one. */
export function parseDec(text: string): Dec {
  const problem = decimalProblem(text);
  if (problem) throw new RangeError(problem);
  return parseUnchecked(text);
}

/** Shorthand for literals in code and tests: `dec('150.25')`. */
export const dec = parseDec;

function parseUnchecked(text: string): Dec {
  const dot = text.indexOf('.');
  if (dot < 0) return (BigInt(text) * SCALE) as Dec;
  const fracLen = text.length - dot - 1;
  let head = text.slice(0, dot);
  if (head === '' || head === '-' || head === '+') head += '0';
  const negative = head.startsWith('-');
  const whole = BigInt(head) * SCALE;
  const frac = BigInt(text.slice(dot + 1)) * POW10[SCALE_DIGITS - fracLen]!;
  return (negative ? whole - frac : whole + frac) as Dec;
}

const ZEROS = '0'.repeat(SCALE_DIGITS);

/**
 * Exact decimal string without trailing zeros: "150", "-0.5", "66.666666666666666667". A hot path
 * (the journal's write path prints about twenty per fill): one `toString` of the units and string
 * slicing, no bigint division, and "0" at no cost.
 */
export function toPlain(a: Dec): string {
  if (a === 0n) return '0';
  const negative = a < 0n;
  const digits = (negative ? -a : a).toString();
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 48) end--; // trailing '0's of the units (no regex)
  const point = digits.length - SCALE_DIGITS; // where the decimal point goes
  let text: string;
  if (point <= 0) text = '0.' + ZEROS.slice(0, -point) + digits.slice(0, end);
  else if (end > point) text = digits.slice(0, point) + '.' + digits.slice(point, end);
  else text = digits.slice(0, point);
  return negative ? '-' + text : text;
}

/** Decimal string rounded half-to-even to `places` fractional digits, always showing them. */
export function toFixedString(a: Dec, places: number): string {
  const rounded = roundToPlaces(a, places);
  const negative = rounded < 0n;
  const abs = negative ? -rounded : rounded;
  const whole = abs / SCALE;
  let text = whole.toString();
  if (places > 0) {
    const frac = (abs % SCALE) / POW10[SCALE_DIGITS - places]!;
    text += '.' + frac.toString().padStart(places, '0');
  }
  return negative && abs !== 0n ? '-' + text : text;
}

/** Rounds half-to-even to `places` fractional digits (0..18). */
export function roundToPlaces(a: Dec, places: number): Dec {
  if (places >= SCALE_DIGITS) return a;
  return (divRound(a, POW10[SCALE_DIGITS - places]!) * POW10[SCALE_DIGITS - places]!) as Dec;
}

/** Rounds toward zero to a multiple of `increment` (> 0), e.g. whole shares. */
export function floorToIncrement(a: Dec, increment: Dec): Dec {
  return ((a / increment) * increment) as Dec;
}

/** Integer division of bigints rounded half-to-even. `d` must not be 0. */
function divRound(n: bigint, d: bigint): bigint {
  const q = n / d;
  // Most quotients are exact (a product of broker decimals): compare before subtracting, one
  // bigint fewer to allocate on the fold's hot path.
  const m = q * d;
  if (m === n) return q;
  const r = n - m;
  const twiceR = r < 0n ? -(r + r) : r + r;
  const absD = d < 0n ? -d : d;
  if (twiceR > absD || (twiceR === absD && (q & 1n) !== 0n)) {
    return n < 0n !== d < 0n ? q - 1n : q + 1n;
  }
  return q;
}

export const add = (a: Dec, b: Dec): Dec => (a + b) as Dec;
export const sub = (a: Dec, b: Dec): Dec => (a - b) as Dec;
export const neg = (a: Dec): Dec => -a as Dec;
export const abs = (a: Dec): Dec => (a < 0n ? -a : a) as Dec;
export const sign = (a: Dec): -1 | 0 | 1 => (a > 0n ? 1 : a < 0n ? -1 : 0);
export const isZero = (a: Dec): boolean => a === 0n;
export const min = (a: Dec, b: Dec): Dec => (a < b ? a : b);
export const max = (a: Dec, b: Dec): Dec => (a > b ? a : b);
export const cmp = (a: Dec, b: Dec): -1 | 0 | 1 => (a < b ? -1 : a > b ? 1 : 0);

/** a × b, exact when the operands have at most 18 fractional digits between them. */
export function mul(a: Dec, b: Dec): Dec {
  return divRound(a * b, SCALE) as Dec;
}

/** a × b ÷ c with a single rounding. Throws RangeError when c is 0. */
export function mulDiv(a: Dec, b: Dec, c: Dec): Dec {
  if (c === 0n) throw new RangeError('division by zero');
  return divRound(a * b, c) as Dec;
}

/** a ÷ b rounded at 10^-18. Throws RangeError when b is 0. */
export function div(a: Dec, b: Dec): Dec {
  if (b === 0n) throw new RangeError('division by zero');
  return divRound(a * SCALE, b) as Dec;
}

/** Sum of a list. */
export function sum(values: Iterable<Dec>): Dec {
  let total = 0n;
  for (const v of values) total += v;
  return total as Dec;
}

/**
 * a ÷ b printed with at least `significant` significant digits (and never fewer than 18
 * fractional digits' worth of precision), trailing zeros removed. Used for averages, which are
 * quotients and are never stored rounded.
 */
export function quotientString(a: Dec, b: Dec, significant = 20): string {
  if (b === 0n) throw new RangeError('division by zero');
  if (a === 0n) return '0';
  const negative = a < 0n !== b < 0n;
  const n = a < 0n ? -a : a;
  const d = b < 0n ? -b : b;
  const intDigits = (n / d).toString().length;
  const places = Math.max(SCALE_DIGITS, significant - (n >= d ? intDigits : 0) + leadingZeros(n, d));
  const scaled = divRound(n * POW10[places]!, d);
  let digits = scaled.toString().padStart(places + 1, '0');
  let text = digits.slice(0, digits.length - places) + '.' + digits.slice(digits.length - places);
  text = text.replace(/0+$/, '').replace(/\.$/, '');
  digits = text;
  return negative && digits !== '0' ? '-' + digits : digits;
}

/** How many zeros follow the point before the first significant digit of n/d (< 1). */
function leadingZeros(n: bigint, d: bigint): number {
  if (n >= d) return 0;
  let zeros = 0;
  let x = n * 10n;
  while (x < d && zeros < 40) {
    x *= 10n;
    zeros++;
  }
  return zeros;
}

/** Money for people: 2 dp, thousands separators, e.g. "-1,234.56". */
export function formatMoney(a: Dec, places = 2): string {
  const text = toFixedString(a, places);
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const [whole, frac] = body.split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (negative ? '-' : '') + grouped + (frac !== undefined ? '.' + frac : '');
}

/** Percentage a ÷ b × 100 rounded to `places`, as a string ("12.34"); "0" when b is 0. */
export function percentString(a: Dec, b: Dec, places = 2): string {
  if (b === 0n) return toFixedString(ZERO, places);
  return toFixedString(mulDiv(a, (100n * SCALE) as Dec, b), places);
}

/** True if `a` is a whole multiple of `increment`. */
export function isMultipleOf(a: Dec, increment: Dec): boolean {
  return increment !== 0n && a % increment === 0n;
}
