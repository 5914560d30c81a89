/**
 * Performance statistics of a sleeve from its daily equity and its closed round trips
 * (ACCOUNTING.md §6: the empyrical / quantstats definitions, daily periods, 252 a year, rf 0).
 *
 * Entry points: `dailyReturns` (equity + external flows → returns), `returnStats` (every
 * return-based metric at once) or the single metrics `timeWeightedReturn`, `annualReturn`,
 * `maxDrawdown`, `sharpeRatio`, `sortinoRatio`, `periodWinRate`, `profitFactor`; `tradeStats`
 * over `RoundTrip`s; `exposure`, `turnover`; the exact roots `isqrt`, `iroot` and `sqrtDec`.
 *
 * Guarantees: every value is an exact `Dec`/bigint computation. Each daily return is one exact quotient rounded
 * half-to-even at 10^-18. Sharpe and Sortino are each ONE square root of an exact rational (the
 * sums are exact), rounded to the nearest 10^-18; CAGR is one exact root of the linked growth,
 * nearest, ties to even. Linking (TWR, the growth curve) rounds each product half-to-even at
 * 10^-18, so it is off the exact product by at most ½ · 10^-18 per period, each scaled by the
 * growth that follows it. A statistic that is not defined is `null`, never NaN; an infinite
 * profit factor is flagged explicitly. JS `number` only ever holds counts (periods, trades).
 */
import { type Dec, ONE, ZERO, div, mul, sub } from './decimal.js';
import type { RoundTrip } from './position.js';

const SCALE = ONE as bigint;
const SCALE_SQUARED = SCALE * SCALE;
/** Trading days a year (ACCOUNTING.md §6). */
export const PERIODS_PER_YEAR = 252;

// ---------------------------------------------------------------------------------------------
// Exact roots

/** ⌊√n⌋ by Newton's method on bigints, exact for any size. Throws RangeError when n < 0. */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError('square root of a negative number');
  if (n < 2n) return n;
  // Start above the root (2^⌈bits/2⌉ ≥ √n); Newton's iterates then decrease monotonically to ⌊√n⌋.
  let x = 1n << ((bitLength(n) + 1n) / 2n);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * ⌊n^(1/k)⌋, exact for any size: the leading bits of the root by bisection, the rest by integer
 * Newton steps from above (which decrease monotonically to the floor). Throws RangeError when
 * n < 0 or k < 1.
 */
export function iroot(n: bigint, k: bigint): bigint {
  if (n < 0n || k < 1n) throw new RangeError('iroot needs n ≥ 0 and k ≥ 1');
  if (k === 1n || n < 2n) return n;
  if (k === 2n) return isqrt(n);
  const rootBits = (bitLength(n) - 1n) / k + 1n;
  // Enough leading bits that Newton starts inside its quadratic region (relative error ≪ 1/k).
  const head = bitLength(k) + 8n;
  const shift = rootBits > head ? rootBits - head : 0n;
  const top = bisectRoot(n >> (k * shift), k);
  if (shift === 0n) return top;
  let x = (top + 1n) << shift; // > n^(1/k), since n >> k·shift < (top + 1)^k
  for (;;) {
    const y = ((k - 1n) * x + n / x ** (k - 1n)) / k;
    if (y >= x) return x;
    x = y;
  }
}

/** ⌊n^(1/k)⌋ by bisection between powers of two, for a short root. */
function bisectRoot(n: bigint, k: bigint): bigint {
  if (n < 2n) return n;
  const e = (bitLength(n) - 1n) / k;
  let lo = 1n << e; // lo^k ≤ 2^(bits−1) ≤ n
  let hi = 1n << (e + 1n); // hi^k ≥ 2^bits > n
  while (hi - lo > 1n) {
    const mid = (lo + hi) >> 1n;
    if (mid ** k <= n) lo = mid;
    else hi = mid;
  }
  return lo;
}

const bitLength = (n: bigint): bigint => BigInt(n.toString(2).length);

/** The integer nearest to (a ÷ b)^(1/k), ties to even; a ≥ 0, b > 0, k ≥ 1. */
function rootNearest(a: bigint, b: bigint, k: bigint): bigint {
  // ⌊(a/b)^(1/k)⌋ = ⌊⌊a/b⌋^(1/k)⌋, since m^k ≤ a/b ⇔ m^k ≤ ⌊a/b⌋ for an integer m.
  const y = iroot(a / b, k);
  // Round up when (a/b)^(1/k) > y + ½, i.e. 2^k·a > (2y + 1)^k·b.
  const above = (1n << k) * a;
  const half = (2n * y + 1n) ** k * b;
  return above > half || (above === half && (y & 1n) === 1n) ? y + 1n : y;
}

/**
 * √x rounded to the nearest 10^-18 (an exact tie cannot occur: (y + ½)² is never an integer).
 * Throws RangeError when x < 0.
 */
export function sqrtDec(x: Dec): Dec {
  if (x < 0n) throw new RangeError('square root of a negative number');
  return rootNearest(x * SCALE, 1n, 2n) as Dec;
}

// ---------------------------------------------------------------------------------------------
// Returns

/** When on its day an external capital flow happens (ACCOUNTING.md §6). */
export type FlowTiming = 'start' | 'end';

/** One day's closing equity and the net external flow of that day (+ deposit, − withdrawal). */
export interface DayClose {
  readonly equity: Dec;
  readonly flow?: Dec;
}

export interface StatsOptions {
  /** Per-period risk-free rate (Sharpe) and minimum acceptable return (Sortino); default 0. */
  readonly riskFree?: Dec;
  /** Periods a year; a positive integer, default 252. */
  readonly periodsPerYear?: number;
}

/**
 * Daily returns by the GIPS sub-period method: for a flow at the start of day t
 * `r_t = (E_t − E_{t−1} − CF_t) / (E_{t−1} + CF_t)` (the default); for a flow at its end
 * (`flowTiming: 'end'`) `r_t = (E_t − CF_t) / E_{t−1} − 1`. `startEquity` is E_0 (the close before day 1).
 * Each return is one quotient rounded half-to-even at 10^-18. A day with no capital and no gain
 * (base 0, numerator 0: an unfunded day) returns 0; trim such days off the front if they should
 * not count. Throws RangeError when a day's capital base is ≤ 0 otherwise (a return is undefined).
 */
export function dailyReturns(
  startEquity: Dec,
  days: readonly DayClose[],
  options: { readonly flowTiming?: FlowTiming } = {},
): Dec[] {
  const timing = options.flowTiming ?? 'start';
  const out: Dec[] = [];
  let previous = startEquity as bigint;
  days.forEach((day, i) => {
    const flow = (day.flow ?? ZERO) as bigint;
    const gain = day.equity - previous - flow;
    const base = timing === 'start' ? previous + flow : previous;
    if (base === 0n && gain === 0n) out.push(ZERO);
    else if (base <= 0n) {
      throw new RangeError(
        `day ${i + 1}: capital base ${base === 0n ? 'is 0' : 'is negative'}, the return is undefined`,
      );
    } else out.push(div(gain as Dec, base as Dec));
    previous = day.equity;
  });
  return out;
}

/** The cumulative growth curve C: C_0 = 1 prepended, C_t = C_{t−1} × (1 + r_t) (rounded per step). */
export function growthCurve(returns: readonly Dec[]): Dec[] {
  const curve: Dec[] = [ONE];
  let c = ONE;
  for (const r of returns) {
    c = mul(c, (ONE + r) as Dec);
    curve.push(c);
  }
  return curve;
}

/** Time-weighted return Π(1 + r_t) − 1 (geometric linking; empyrical `cum_returns_final`); 0 for no days. */
export function timeWeightedReturn(returns: readonly Dec[]): Dec {
  return sub(growthCurve(returns).at(-1)!, ONE);
}

/**
 * CAGR `(Π(1 + r_t))^(P/N) − 1` (empyrical `annual_return`), the root taken exactly from the
 * linked growth and rounded to the nearest 10^-18. Null when there are no returns or the growth
 * is negative (a loss beyond everything: no real root); −1 when the growth is exactly 0.
 */
export function annualReturn(returns: readonly Dec[], options: StatsOptions = {}): Dec | null {
  const n = BigInt(returns.length);
  if (n === 0n) return null;
  const g = growthCurve(returns).at(-1)! as bigint;
  if (g < 0n) return null;
  const periods = periodsPerYear(options);
  const d = gcd(periods, n);
  const p = periods / d;
  const q = n / d;
  // (g / S)^(p/q) × S = ((g^p × S^q) / S^p)^(1/q) with S = 10^18.
  return (rootNearest(g ** p * SCALE ** q, SCALE ** p, q) - SCALE) as Dec;
}

/**
 * Maximum drawdown `min_t (C_t / max_{s≤t} C_s − 1)` on the growth curve with C_0 = 1, so a
 * first-day loss counts (empyrical / quantstats `max_drawdown`). ≤ 0; 0 when there are no returns.
 */
export function maxDrawdown(returns: readonly Dec[]): Dec {
  let peak = ONE as bigint;
  let worst = ZERO;
  for (const c of growthCurve(returns)) {
    if (c > peak) peak = c;
    const dd = div((c - peak) as Dec, peak as Dec);
    if (dd < worst) worst = dd;
  }
  return worst;
}

/**
 * Sharpe `mean(r − rf) / std(r − rf, ddof = 1) × √P` (empyrical `sharpe_ratio`), computed as one
 * square root of the exact rational S1² · P · (N − 1) / (N · (N·S2 − S1²)) with S1 = Σx, S2 = Σx².
 * Null when there are fewer than 2 returns or the standard deviation is 0.
 */
export function sharpeRatio(returns: readonly Dec[], options: StatsOptions = {}): Dec | null {
  const n = BigInt(returns.length);
  if (n < 2n) return null;
  const { s1, s2 } = sums(returns, options.riskFree ?? ZERO);
  const spread = n * s2 - s1 * s1; // N² × population variance, in 10^-36 units; ≥ 0
  if (spread === 0n) return null;
  const root = rootNearest(s1 * s1 * periodsPerYear(options) * (n - 1n) * SCALE_SQUARED, n * spread, 2n);
  return (s1 < 0n ? -root : root) as Dec;
}

/**
 * Sortino `mean(r − MAR) × P / (√(mean(min(r − MAR, 0)²)) × √P)` with the downside mean over ALL N
 * periods (empyrical `sortino_ratio` + `downside_risk`; MAR = `riskFree`), as one square root of
 * the exact rational S1² · P / (N · Σ min(x, 0)²). Null when there are fewer than 2 returns or no
 * period is below MAR (empyrical gives +inf there, or NaN when the mean is 0 too).
 */
export function sortinoRatio(returns: readonly Dec[], options: StatsOptions = {}): Dec | null {
  const n = BigInt(returns.length);
  if (n < 2n) return null;
  const { s1, downside } = sums(returns, options.riskFree ?? ZERO);
  if (downside === 0n) return null;
  const root = rootNearest(s1 * s1 * periodsPerYear(options) * SCALE_SQUARED, n * downside, 2n);
  return (s1 < 0n ? -root : root) as Dec;
}

/** Period win rate: periods with r > 0 / periods with r ≠ 0 (quantstats `win_rate`). Null when no period moved (quantstats says 0). */
export function periodWinRate(returns: readonly Dec[]): Dec | null {
  const moved = returns.filter((r) => r !== 0n).length;
  return moved === 0 ? null : fraction(returns.filter((r) => r > 0n).length, moved);
}

/** A profit factor: a value, or explicitly infinite (gains and no losses). */
export type ProfitFactor =
  { readonly value: Dec; readonly infinite: false } | { readonly value: null; readonly infinite: true };

/**
 * Σ gains / |Σ losses| over returns or P&Ls (quantstats `profit_factor`), rounded at 10^-18;
 * infinite when there are gains and no losses, 0 when there are neither (ACCOUNTING.md §6).
 */
export function profitFactor(values: readonly Dec[]): ProfitFactor {
  let gains = 0n;
  let losses = 0n;
  for (const v of values) {
    if (v > 0n) gains += v;
    else losses -= v;
  }
  if (losses === 0n) return gains === 0n ? { value: ZERO, infinite: false } : { value: null, infinite: true };
  return { value: div(gains as Dec, losses as Dec), infinite: false };
}

/** Every return-based metric of §6 at once. */
export interface ReturnStats {
  readonly periods: number;
  readonly totalReturn: Dec;
  readonly annualReturn: Dec | null;
  readonly maxDrawdown: Dec;
  readonly sharpe: Dec | null;
  readonly sortino: Dec | null;
  readonly winRate: Dec | null;
  readonly profitFactor: ProfitFactor;
}

/** All return-based statistics of a daily return series (see each function for its guarantees). */
export function returnStats(returns: readonly Dec[], options: StatsOptions = {}): ReturnStats {
  return {
    periods: returns.length,
    totalReturn: timeWeightedReturn(returns),
    annualReturn: annualReturn(returns, options),
    maxDrawdown: maxDrawdown(returns),
    sharpe: sharpeRatio(returns, options),
    sortino: sortinoRatio(returns, options),
    winRate: periodWinRate(returns),
    profitFactor: profitFactor(returns),
  };
}

// ---------------------------------------------------------------------------------------------
// Trades, exposure, turnover

/** A closed round trip's net P&L: realized (average cost) − the fees of its fills. */
export const tradeNetPnl = (trip: RoundTrip): Dec => sub(trip.realized, trip.fees);

export interface TradeStats {
  readonly count: number;
  /** Trades with net P&L > 0, < 0 and = 0. */
  readonly wins: number;
  readonly losses: number;
  readonly breakeven: number;
  /** wins / count (our default win rate, breakeven trades count as not won); null with no trades. */
  readonly winRate: Dec | null;
  readonly profitFactor: ProfitFactor;
  /** Mean net P&L of the winning (> 0) and losing (< 0, so negative) trades; null when there are none. */
  readonly averageWin: Dec | null;
  readonly averageLoss: Dec | null;
  /** Σ net P&L, and its mean per trade (null with no trades). */
  readonly netPnl: Dec;
  readonly averageTrade: Dec | null;
}

/** Trade-level statistics over closed round trips (flat → flat), each net of its fees. Exact sums; means rounded at 10^-18. */
export function tradeStats(trips: readonly RoundTrip[]): TradeStats {
  const nets = trips.map(tradeNetPnl);
  const winners = nets.filter((v) => v > 0n);
  const losers = nets.filter((v) => v < 0n);
  const netPnl = nets.reduce((a, b) => a + b, 0n) as Dec;
  return {
    count: nets.length,
    wins: winners.length,
    losses: losers.length,
    breakeven: nets.length - winners.length - losers.length,
    winRate: nets.length === 0 ? null : fraction(winners.length, nets.length),
    profitFactor: profitFactor(nets),
    averageWin: mean(winners),
    averageLoss: mean(losers),
    netPnl,
    averageTrade: mean(nets),
  };
}

/**
 * Exposure: the fraction of days with any open position, from each day's gross exposure
 * (Σ |qty × mark|; any non-zero value counts as open). Null for no days.
 */
export function exposure(grossExposure: readonly Dec[]): Dec | null {
  if (grossExposure.length === 0) return null;
  return fraction(grossExposure.filter((g) => g !== 0n).length, grossExposure.length);
}

/**
 * Turnover: traded notional (Σ |qty × price| over buys AND sells of the period) ÷ the mean of the
 * period's equity values, rounded at 10^-18. Null when there is no equity value or the mean is ≤ 0.
 * Throws RangeError when the notional is negative.
 */
export function turnover(tradedNotional: Dec, equity: readonly Dec[]): Dec | null {
  if (tradedNotional < 0n) throw new RangeError('traded notional must be ≥ 0 (a sum of absolute values)');
  const total = equity.reduce((a, b) => a + b, 0n);
  if (equity.length === 0 || total <= 0n) return null;
  return div((tradedNotional * BigInt(equity.length)) as Dec, total as Dec);
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** S1 = Σ(r − rf) in 10^-18 units, S2 = Σ(r − rf)² and Σ min(r − rf, 0)² in 10^-36 units: exact. */
function sums(returns: readonly Dec[], riskFree: Dec): { s1: bigint; s2: bigint; downside: bigint } {
  let s1 = 0n;
  let s2 = 0n;
  let downside = 0n;
  for (const r of returns) {
    const x = r - riskFree;
    s1 += x;
    s2 += x * x;
    if (x < 0n) downside += x * x;
  }
  return { s1, s2, downside };
}

function mean(values: readonly Dec[]): Dec | null {
  if (values.length === 0) return null;
  return div(values.reduce((a, b) => a + b, 0n) as Dec, (BigInt(values.length) * SCALE) as Dec);
}

/** k / n as a Dec rounded at 10^-18 (n > 0). */
function fraction(k: number, n: number): Dec {
  return div((BigInt(k) * SCALE) as Dec, (BigInt(n) * SCALE) as Dec);
}

function periodsPerYear(options: StatsOptions): bigint {
  const p = options.periodsPerYear ?? PERIODS_PER_YEAR;
  if (!Number.isSafeInteger(p) || p <= 0) throw new RangeError(`periodsPerYear must be a positive integer, got ${p}`);
  return BigInt(p);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}
