/** Loss limits with exact numbers: the daily loss and the drawdown from the peak, at and around the limit. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dec, toPlain } from './decimal.js';
import { type PnlTrack, breachOf, figuresOn, followPnl, lossLimitsOf, startTrack } from './loss-limits.js';

const figures = (pnl: string, dayStart: string, peak: string, capital = '10000') => ({
  pnl: dec(pnl),
  dayStartPnl: dec(dayStart),
  peakPnl: dec(peak),
  capital: dec(capital),
});
const plainTrack = (t: PnlTrack) => ({
  day: t.day,
  pnl: toPlain(t.pnl),
  dayStartPnl: toPlain(t.dayStartPnl),
  peakPnl: toPlain(t.peakPnl),
});
const plain = (b: ReturnType<typeof breachOf>) =>
  b && { limit: b.limit, value: toPlain(b.value), threshold: toPlain(b.threshold) };

describe('breachOf', () => {
  it('max_daily_loss 500: a loss of 499.99 is within it, 500 reaches it', () => {
    const limits = { maxDailyLoss: dec('500'), onBreach: 'pause' as const };
    assert.equal(breachOf(figures('-299.99', '200', '200'), limits), undefined);
    assert.deepEqual(plain(breachOf(figures('-300', '200', '200'), limits)), {
      limit: 'max_daily_loss',
      value: '500',
      threshold: '500',
    });
  });

  it('max_drawdown_pct 10 from the peak: equity 11,000 → 9,900 is exactly 10 %', () => {
    const limits = { maxDrawdownPct: dec('10'), onBreach: 'flatten' as const };
    assert.equal(breachOf(figures('-99.99', '0', '1000'), limits), undefined);
    assert.deepEqual(plain(breachOf(figures('-100', '0', '1000'), limits)), {
      limit: 'max_drawdown_pct',
      value: '10',
      threshold: '10',
    });
    // 1,050 down from a peak equity of 11,000: 9.545454… %, an exact quotient at 18 places.
    assert.deepEqual(plain(breachOf(figures('-50', '0', '1000'), { ...limits, maxDrawdownPct: dec('9.5') })), {
      limit: 'max_drawdown_pct',
      value: '9.545454545454545455',
      threshold: '9.5',
    });
  });

  it('the daily loss is checked first; no limit set: no breach', () => {
    const both = { maxDailyLoss: dec('100'), maxDrawdownPct: dec('1'), onBreach: 'pause' as const };
    assert.equal(breachOf(figures('-500', '0', '0'), both)?.limit, 'max_daily_loss');
    assert.equal(breachOf(figures('-5000', '0', '0'), { onBreach: 'pause' }), undefined);
  });

  it('followPnl / figuresOn: the day opens at the last value before it; the peak follows P&L up, never down', () => {
    let track = startTrack('2025-03-03');
    track = followPnl(track, '2025-03-03', dec('250'));
    track = followPnl(track, '2025-03-03', dec('-20'));
    assert.deepEqual(plainTrack(track), { day: '2025-03-03', pnl: '-20', dayStartPnl: '0', peakPnl: '250' });
    // The next day opens at -20 (the last value of the day before); an older event never turns it back.
    track = followPnl(track, '2025-03-04', dec('-50'));
    track = followPnl(track, '2025-03-02', dec('-60'));
    assert.deepEqual(plainTrack(track), { day: '2025-03-04', pnl: '-60', dayStartPnl: '-20', peakPnl: '250' });
    // Read on the same day, and on a later day when nothing moved P&L yet (the day opens at -60).
    const f = (day: string) => figuresOn(track, day, dec('-60'), dec('10000'));
    assert.deepEqual([toPlain(f('2025-03-04').dayStartPnl), toPlain(f('2025-03-05').dayStartPnl)], ['-20', '-60']);
    assert.equal(toPlain(f('2025-03-05').peakPnl), '250');
  });

  it('lossLimitsOf: none without a loss limit; on_breach defaults to pause', () => {
    assert.equal(lossLimitsOf({ max_order_notional: '100' }), undefined);
    assert.deepEqual(lossLimitsOf({ max_drawdown_pct: '12.5' }), { maxDrawdownPct: dec('12.5'), onBreach: 'pause' });
    assert.deepEqual(lossLimitsOf({ max_daily_loss: '100', on_breach: 'flatten' }), {
      maxDailyLoss: dec('100'),
      onBreach: 'flatten',
    });
  });
});
