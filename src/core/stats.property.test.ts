/**
 * Laws of the statistics for any return series: the exact roots are floors / nearest, the ratios
 * are scale-invariant exactly, and every metric agrees with a plain float (numpy-style)
 * implementation of the empyrical formula to float precision.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Dec, ONE, dec, div, mul, toPlain } from './decimal.js';
import {
  annualReturn,
  dailyReturns,
  iroot,
  isqrt,
  maxDrawdown,
  sharpeRatio,
  sortinoRatio,
  sqrtDec,
  timeWeightedReturn,
} from './stats.js';

const runs = { numRuns: 200 };
/** Daily returns between −20 % and +20 % with 6 decimals. */
const returnsArb = (minLength: number) =>
  fc
    .array(fc.integer({ min: -200_000, max: 200_000 }), { minLength, maxLength: 300 })
    .map((micros) => micros.map((m) => (BigInt(m) * 10n ** 12n) as Dec));
const toFloat = (x: Dec): number => Number(toPlain(x));
const close = (actual: Dec | null, expected: number, what: string): void => {
  assert.notEqual(actual, null, what);
  const a = toFloat(actual!);
  assert.ok(Math.abs(a - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${a} vs float ${expected}`);
};

/** The empyrical formulas in floats, as a reference. */
function floatStats(returns: readonly Dec[]) {
  const r = returns.map(toFloat);
  const n = r.length;
  const mean = r.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const downside = Math.sqrt(r.reduce((a, b) => a + Math.min(b, 0) ** 2, 0) / n);
  let c = 1;
  let peak = 1;
  let mdd = 0;
  for (const x of r) {
    c *= 1 + x;
    peak = Math.max(peak, c);
    mdd = Math.min(mdd, c / peak - 1);
  }
  return {
    sharpe: (mean / std) * Math.sqrt(252),
    sortino: (mean * 252) / (downside * Math.sqrt(252)),
    twr: c - 1,
    annual: c ** (252 / n) - 1,
    mdd,
    std,
    downside,
  };
}

describe('stats laws', () => {
  it('isqrt and iroot are exact floors', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 400n }), fc.integer({ min: 1, max: 60 }), (n, kn) => {
        const s = isqrt(n);
        assert.ok(s * s <= n && n < (s + 1n) ** 2n);
        const k = BigInt(kn);
        const y = iroot(n, k);
        assert.ok(y ** k <= n && n < (y + 1n) ** k);
      }),
      runs,
    );
  });

  it('sqrtDec is √x rounded to the nearest 10^-18', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), (units) => {
        const y = sqrtDec(units as Dec) as bigint;
        const target = 4n * units * 10n ** 18n; // (2√x)² in 10^-36 units
        assert.ok((2n * y - 1n) ** 2n <= target || y === 0n);
        assert.ok(target <= (2n * y + 1n) ** 2n);
      }),
      runs,
    );
  });

  it('Sharpe and Sortino are exactly invariant under scaling the returns; Sharpe is odd', () => {
    fc.assert(
      fc.property(returnsArb(2), fc.integer({ min: 2, max: 1000 }), (returns, k) => {
        const scaled = returns.map((r) => (r * BigInt(k)) as Dec);
        assert.equal(sharpeRatio(scaled), sharpeRatio(returns));
        assert.equal(sortinoRatio(scaled), sortinoRatio(returns));
        const sharpe = sharpeRatio(returns);
        const negated = sharpeRatio(returns.map((r) => -r as Dec));
        assert.equal(negated, sharpe === null ? null : -sharpe);
      }),
      runs,
    );
  });

  it('every metric agrees with the float formulas of empyrical', () => {
    fc.assert(
      fc.property(returnsArb(2), (returns) => {
        const f = floatStats(returns);
        close(timeWeightedReturn(returns), f.twr, 'twr');
        close(maxDrawdown(returns), f.mdd, 'max drawdown');
        if (f.std > 1e-12) close(sharpeRatio(returns), f.sharpe, 'sharpe');
        if (f.downside > 1e-12) close(sortinoRatio(returns), f.sortino, 'sortino');
        close(annualReturn(returns), f.annual, 'annual return');
      }),
      { numRuns: 100 },
    );
  });

  it('CAGR over exactly one year is the TWR; over half a year it is the squared growth (same rounding as mul)', () => {
    fc.assert(
      fc.property(returnsArb(1), (returns) => {
        const n = returns.length;
        const twr = timeWeightedReturn(returns);
        assert.equal(annualReturn(returns, { periodsPerYear: n }), twr);
        const growth = (ONE + twr) as Dec;
        if (growth >= 0n) assert.equal(annualReturn(returns, { periodsPerYear: 2 * n }), mul(growth, growth) - ONE);
      }),
      runs,
    );
  });

  it('without flows, linked daily returns give end ÷ start − 1 (to the rounding of one step a day)', () => {
    fc.assert(
      // Equity between 10,000 and 20,000, so no later growth amplifies a rounding more than 2×.
      fc.property(
        fc.array(fc.integer({ min: 1_000_000, max: 2_000_000 }), { minLength: 2, maxLength: 100 }),
        (cents) => {
          const equity = cents.map((c) => dec((c / 100).toFixed(2)));
          const returns = dailyReturns(
            equity[0]!,
            equity.slice(1).map((e) => ({ equity: e })),
          );
          const exact = div((equity.at(-1)! - equity[0]!) as Dec, equity[0]!);
          const gap = timeWeightedReturn(returns) - exact;
          // Each daily quotient and each link is off by ≤ ½ · 10^-18, then scaled by the later growth (≤ 2).
          const bound = BigInt(returns.length) * 4n;
          assert.ok(gap <= bound && gap >= -bound, `gap ${gap}`);
        },
      ),
      runs,
    );
  });
});
