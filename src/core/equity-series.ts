/**
 * Equity time series for charts: the drawdown curve and downsampling to a point budget.
 *
 * Entry points: `drawdownSeries` (equity ÷ running max − 1 per point), `downsampleMinMax`
 * (generic, any value) and its shorthand `downsampleEquity`.
 * Guarantees: pure and deterministic; values are exact `Dec`s taken from (or, for drawdowns,
 * one quotient rounded half-to-even at 10^-18 of) the input — nothing is interpolated.
 * Downsampling is min/max bucketing (not LTTB): the output is a subsequence of the input, in
 * order, that keeps the first and last points and the minimum and maximum of every bucket, hence
 * the global extremes, so a chart never hides a peak or a trough.
 * Inputs must be time-ordered (ISO-8601 timestamps, non-decreasing); a decreasing or unparseable
 * timestamp throws RangeError.
 */
import { type Dec, ZERO, div } from './decimal.js';

export interface EquityPoint {
  /** ISO-8601 timestamp. */
  readonly ts: string;
  readonly equity: Dec;
}

export interface DrawdownPoint {
  readonly ts: string;
  /** equity ÷ running maximum − 1: ≤ 0, and 0 at every new high. */
  readonly drawdown: Dec;
}

/**
 * The drawdown at every point: `equity_t / max_{s≤t} equity_s − 1`, one quotient rounded
 * half-to-even at 10^-18. While the running maximum is not positive (an unfunded or negative
 * sleeve) there is no peak to fall from and the drawdown is 0. This is the drawdown of raw
 * equity, so a withdrawal shows as a fall: for the performance drawdown, pass the growth curve
 * of the time-weighted returns (stats.ts `growthCurve`) as the equity.
 * Throws RangeError when the timestamps are not in order.
 */
export function drawdownSeries(points: readonly EquityPoint[]): DrawdownPoint[] {
  assertTimeOrdered(points);
  let peak: Dec | null = null;
  return points.map(({ ts, equity }) => {
    if (peak === null || equity > peak) peak = equity;
    const drawdown = peak > 0n ? div((equity - peak) as Dec, peak) : ZERO;
    return { ts, drawdown };
  });
}

/**
 * At most `maxPoints` of `points` by min/max bucketing: the first and last points are kept, the
 * points between them are cut by index into ⌊(maxPoints − 2) / 2⌋ buckets of equal size (±1), and
 * each bucket contributes its minimum and its maximum by `valueOf` (the earliest on a tie; one
 * point when they coincide). The result is a subsequence of the input in its order, containing the
 * global minimum and maximum; the input itself (copied) when it already fits.
 * Throws RangeError when `maxPoints` is not an integer ≥ 4 (first, last, minimum and maximum), or
 * when the timestamps are not in order.
 */
export function downsampleMinMax<T extends { readonly ts: string }>(
  points: readonly T[],
  maxPoints: number,
  valueOf: (point: T) => Dec,
): T[] {
  if (!Number.isSafeInteger(maxPoints) || maxPoints < 4) {
    throw new RangeError(`maxPoints must be an integer ≥ 4, got ${maxPoints}`);
  }
  assertTimeOrdered(points);
  if (points.length <= maxPoints) return points.slice();
  const inner = points.length - 2; // indices 1 .. length − 2
  const buckets = Math.floor((maxPoints - 2) / 2);
  const out: T[] = [points[0]!];
  for (let b = 0; b < buckets; b++) {
    // Integer bucket bounds: [from, to) over the inner points, sizes differing by at most 1.
    const from = 1 + Math.floor((b * inner) / buckets);
    const to = 1 + Math.floor(((b + 1) * inner) / buckets);
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      const v = valueOf(points[i]!);
      if (v < valueOf(points[lo]!)) lo = i;
      if (v > valueOf(points[hi]!)) hi = i;
    }
    if (lo === hi) out.push(points[lo]!);
    else out.push(points[Math.min(lo, hi)]!, points[Math.max(lo, hi)]!);
  }
  out.push(points[points.length - 1]!);
  return out;
}

/** `downsampleMinMax` on equity values. */
export function downsampleEquity(points: readonly EquityPoint[], maxPoints: number): EquityPoint[] {
  return downsampleMinMax(points, maxPoints, (p) => p.equity);
}

/** Throws RangeError naming the first timestamp that does not parse or goes back in time. */
function assertTimeOrdered(points: readonly { readonly ts: string }[]): void {
  let previous = -Infinity;
  points.forEach(({ ts }, i) => {
    const t = Date.parse(ts);
    if (Number.isNaN(t)) throw new RangeError(`point ${i}: "${ts}" is not an ISO-8601 timestamp`);
    if (t < previous) throw new RangeError(`point ${i}: ${ts} is earlier than the point before it`);
    previous = t;
  });
}
