/** Drawdown curve and min/max downsampling of equity series, pinned and as laws. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Dec, dec, toPlain } from './decimal.js';
import { type EquityPoint, downsampleEquity, downsampleMinMax, drawdownSeries } from './equity-series.js';
import { growthCurve, maxDrawdown } from './stats.js';

const day = (i: number): string => new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString();
const series = (...equity: string[]): EquityPoint[] => equity.map((e, i) => ({ ts: day(i), equity: dec(e) }));
const seriesArb = fc
  .array(fc.integer({ min: -5_000_000, max: 5_000_000 }), { minLength: 0, maxLength: 400 })
  .map((cents) => cents.map((c, i) => ({ ts: day(i), equity: (BigInt(c) * 10n ** 16n) as Dec })));

describe('drawdownSeries', () => {
  it('is equity ÷ running max − 1, 0 at every new high', () => {
    const dd = drawdownSeries(series('10000', '10200', '9690', '10404', '10000'));
    assert.deepEqual(
      dd.map((p) => toPlain(p.drawdown)),
      ['0', '0', '-0.05', '0', '-0.03883121876201461'],
    );
    assert.deepEqual(
      dd.map((p) => p.ts),
      [0, 1, 2, 3, 4].map(day),
    );
  });

  it('is 0 while there is no positive peak, and may fall below −1 once equity turns negative', () => {
    assert.deepEqual(
      drawdownSeries(series('0', '-5', '100', '-50')).map((p) => toPlain(p.drawdown)),
      ['0', '0', '0', '-1.5'],
    );
    assert.deepEqual(drawdownSeries([]), []);
  });

  it('on the growth curve its minimum is the max drawdown of stats.ts', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -200_000, max: 200_000 }), { maxLength: 200 }), (micros) => {
        const returns = micros.map((m) => (BigInt(m) * 10n ** 12n) as Dec);
        const points = growthCurve(returns).map((c, i) => ({ ts: day(i), equity: c }));
        const worst = drawdownSeries(points).reduce((a, p) => (p.drawdown < a ? p.drawdown : a), 0n);
        assert.equal(worst, maxDrawdown(returns));
      }),
      { numRuns: 200 },
    );
  });

  it('rejects timestamps out of order or not parseable', () => {
    const points = series('1', '2');
    assert.throws(() => drawdownSeries([points[1]!, points[0]!]), /point 1: .* is earlier/);
    assert.throws(
      () => drawdownSeries([{ ts: 'yesterday', equity: dec('1') }]),
      /point 0: "yesterday" is not an ISO-8601/,
    );
  });
});

describe('downsampleMinMax', () => {
  it('keeps the first and last points and each bucket’s min and max, in time order', () => {
    const points = series('100', '90', '110', '105', '95', '120', '80', '100', '101', '99');
    // 8 inner points, 2 buckets: [90, 110, 105, 95] → 90, 110; [120, 80, 100, 101] → 120, 80.
    assert.deepEqual(
      downsampleEquity(points, 6).map((p) => toPlain(p.equity)),
      ['100', '90', '110', '120', '80', '99'],
    );
    assert.deepEqual(
      downsampleEquity(points, 4).map((p) => toPlain(p.equity)),
      ['100', '120', '80', '99'],
    );
  });

  it('returns a copy when the series fits, and one point for a flat bucket', () => {
    const points = series('1', '2', '3');
    const out = downsampleEquity(points, 4);
    assert.deepEqual(out, points);
    assert.notEqual(out, points);
    assert.deepEqual(
      downsampleEquity(series('5', '7', '7', '7', '7', '6'), 4).map((p) => toPlain(p.equity)),
      ['5', '7', '6'],
    );
  });

  it('works on any value, e.g. the drawdown series', () => {
    const dd = drawdownSeries(series('100', '80', '90', '70', '100', '95', '96'));
    const out = downsampleMinMax(dd, 4, (p) => p.drawdown);
    assert.deepEqual(
      out.map((p) => toPlain(p.drawdown)),
      ['0', '-0.3', '0', '-0.04'],
    );
  });

  it('rejects a budget below 4', () => {
    assert.throws(() => downsampleEquity(series('1'), 3), /maxPoints must be an integer ≥ 4/);
    assert.throws(() => downsampleEquity(series('1'), 4.5), RangeError);
  });

  it('laws: at most maxPoints, an ordered subsequence, first, last, global min and max kept, deterministic', () => {
    fc.assert(
      fc.property(seriesArb, fc.integer({ min: 4, max: 60 }), (points, maxPoints) => {
        const out = downsampleEquity(points, maxPoints);
        assert.ok(out.length <= maxPoints);
        assert.deepEqual(downsampleEquity(points, maxPoints), out);
        if (points.length === 0) return assert.deepEqual(out, []);
        // A subsequence: every output point is an input point, at strictly increasing indices.
        let at = -1;
        for (const p of out) {
          const i = points.indexOf(p, at + 1);
          assert.ok(i > at);
          at = i;
        }
        assert.equal(out[0], points[0]);
        assert.equal(out.at(-1), points.at(-1));
        const values = points.map((p) => p.equity);
        const kept = out.map((p) => p.equity);
        assert.ok(kept.includes(values.reduce((a, b) => (b < a ? b : a))));
        assert.ok(kept.includes(values.reduce((a, b) => (b > a ? b : a))));
      }),
      { numRuns: 300 },
    );
  });
});
