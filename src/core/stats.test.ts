/** Pinned statistics (ACCOUNTING.md §6 worked examples) and the edge cases of every metric. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Dec, dec, toFixedString, toPlain } from './decimal.js';
import type { Symbol } from './ids.js';
import type { RoundTrip } from './position.js';
import {
  annualReturn,
  dailyReturns,
  exposure,
  growthCurve,
  iroot,
  isqrt,
  maxDrawdown,
  periodWinRate,
  profitFactor,
  returnStats,
  sharpeRatio,
  sortinoRatio,
  sqrtDec,
  timeWeightedReturn,
  tradeNetPnl,
  tradeStats,
  turnover,
} from './stats.js';

const decs = (...values: string[]): Dec[] => values.map((v) => dec(v));
const fixed = (value: Dec | null, places: number): string | null =>
  value === null ? null : toFixedString(value, places);

/** ACCOUNTING.md §6: returns [1 %, −2 %, 1.5 %, −0.5 %, 2 %, −1 %]. */
const WORKED = decs('0.01', '-0.02', '0.015', '-0.005', '0.02', '-0.01');

describe('stats: the worked examples of ACCOUNTING.md §6', () => {
  it('returns [1, −2, 1.5, −0.5, 2, −1] % give Sharpe 1.6846, Sortino 2.8284, max drawdown −2.00 %, win rate 50 %, profit factor 1.2857', () => {
    const s = returnStats(WORKED);
    assert.equal(fixed(s.sharpe, 4), '1.6846');
    assert.equal(fixed(s.sortino, 4), '2.8284');
    assert.equal(toFixedString(s.maxDrawdown, 4), '-0.0200');
    assert.equal(fixed(s.winRate, 4), '0.5000');
    assert.equal(s.profitFactor.infinite, false);
    assert.equal(fixed(s.profitFactor.value, 4), '1.2857');
    assert.equal(s.periods, 6);
  });

  it('each value is the exact one rounded once at 10^-18', () => {
    // √(0.01² · 252 · 5 / (6 · 0.0074)) = √2.837837… and √8 = 2.82842712474619009760…
    assert.equal(toPlain(sharpeRatio(WORKED)!), '1.684588328891613162');
    assert.equal(toPlain(sortinoRatio(WORKED)!), '2.828427124746190098');
    assert.equal(toPlain(maxDrawdown(WORKED)), '-0.02'); // 0.9898 / 1.01 − 1, exactly
    assert.equal(toPlain(profitFactor(WORKED).value!), '1.285714285714285714');
  });

  it('a 5,000 deposit at the start of day 2 is revalued, not counted as performance: TWR 0.6579 %', () => {
    const returns = dailyReturns(dec('10000'), [
      { equity: dec('10200') },
      { equity: dec('15300'), flow: dec('5000') },
      { equity: dec('15000') },
    ]);
    assert.deepEqual(returns.map(toPlain), ['0.02', '0.006578947368421053', '-0.019607843137254902']);
    assert.equal(toFixedString(timeWeightedReturn(returns), 6), '0.006579');
    assert.equal(toFixedString(timeWeightedReturn(returns), 4), '0.0066');
  });

  it('an end-of-day flow is taken out of the day it arrives on', () => {
    const returns = dailyReturns(
      dec('10000'),
      [{ equity: dec('10200') }, { equity: dec('15300'), flow: dec('5000') }],
      {
        flowTiming: 'end',
      },
    );
    // (15,300 − 5,000) / 10,200 − 1
    assert.deepEqual(returns.map(toPlain), ['0.02', '0.009803921568627451']);
  });

  it('a withdrawal at the start of a day shrinks the base', () => {
    const returns = dailyReturns(dec('10000'), [{ equity: dec('4040'), flow: dec('-6000') }]);
    assert.deepEqual(returns.map(toPlain), ['0.01']); // 40 earned on 4,000
  });
});

describe('stats: returns and linking', () => {
  it('an unfunded day returns 0; a day with no capital base otherwise throws', () => {
    assert.deepEqual(
      dailyReturns(dec('0'), [{ equity: dec('0') }, { equity: dec('1010'), flow: dec('1000') }]).map(toPlain),
      ['0', '0.01'],
    );
    assert.throws(() => dailyReturns(dec('0'), [{ equity: dec('5') }]), /day 1: capital base is 0/);
    assert.throws(
      () => dailyReturns(dec('100'), [{ equity: dec('-10') }, { equity: dec('-5') }]),
      /day 2: capital base is negative/,
    );
  });

  it('the growth curve starts at 1 and TWR of no days is 0', () => {
    assert.deepEqual(growthCurve(decs('0.1', '-0.5')).map(toPlain), ['1', '1.1', '0.55']);
    assert.equal(timeWeightedReturn([]), 0n);
  });

  it('CAGR annualizes over 252 periods', () => {
    // 252 periods: the annual return is the total return.
    const year = Array.from({ length: 252 }, () => dec('0.001'));
    assert.equal(annualReturn(year), timeWeightedReturn(year));
    // 6 periods: 1.009420077897^42 − 1.
    assert.equal(toFixedString(annualReturn(WORKED)!, 10), '0.4825912438');
    // 504 periods at a growth of 1.21: √1.21 − 1 = 0.1 exactly.
    const twoYears = [dec('0.21'), ...Array.from({ length: 503 }, () => dec('0'))];
    assert.equal(toPlain(annualReturn(twoYears)!), '0.1');
    assert.equal(toPlain(annualReturn(twoYears, { periodsPerYear: 1008 })!), '0.4641'); // 1.21² − 1
    assert.equal(annualReturn([]), null);
    assert.equal(toPlain(annualReturn(decs('-1', '0.5'))!), '-1'); // everything lost
    assert.equal(annualReturn(decs('-1.5')), null); // more than everything: no real root
    assert.throws(() => annualReturn(WORKED, { periodsPerYear: 0 }), RangeError);
    assert.throws(() => sharpeRatio(WORKED, { periodsPerYear: 2.5 }), RangeError);
  });
});

describe('stats: edge cases', () => {
  it('fewer than 2 returns: Sharpe and Sortino are null, not NaN', () => {
    for (const returns of [[], decs('0.01')]) {
      assert.equal(sharpeRatio(returns), null);
      assert.equal(sortinoRatio(returns), null);
    }
  });

  it('zero standard deviation: Sharpe is null', () => {
    assert.equal(sharpeRatio(decs('0.01', '0.01', '0.01')), null);
    assert.equal(toFixedString(sortinoRatio(decs('-0.01', '-0.01'))!, 4), '-15.8745'); // −√252
  });

  it('no downside: Sortino is null, Sharpe still defined', () => {
    const up = decs('0.01', '0.02', '0', '0.03');
    assert.equal(sortinoRatio(up), null);
    assert.notEqual(sharpeRatio(up), null);
    assert.deepEqual(profitFactor(up), { value: null, infinite: true });
  });

  it('all-zero returns: nothing is defined but the drawdown (0) and the profit factor (0)', () => {
    const s = returnStats(decs('0', '0', '0'));
    assert.equal(s.sharpe, null);
    assert.equal(s.sortino, null);
    assert.equal(s.winRate, null);
    assert.equal(s.maxDrawdown, 0n);
    assert.equal(s.totalReturn, 0n);
    assert.equal(s.annualReturn, 0n);
    assert.deepEqual(s.profitFactor, { value: 0n, infinite: false });
  });

  it('a first-day loss counts in the drawdown (the curve starts at 1)', () => {
    assert.equal(toPlain(maxDrawdown(decs('-0.05', '0.01'))), '-0.05');
    assert.equal(maxDrawdown(decs('0.05', '0.01')), 0n);
    assert.equal(maxDrawdown([]), 0n);
    assert.equal(toPlain(maxDrawdown(decs('0.1', '-0.5', '0.2'))), '-0.5');
  });

  it('a negative mean gives negative Sharpe and Sortino; a risk-free rate shifts the returns', () => {
    const down = WORKED.map((r) => -r as Dec);
    assert.equal(sharpeRatio(down), -sharpeRatio(WORKED)!);
    assert.equal(toFixedString(sortinoRatio(down)!, 4), '-2.4069');
    // numpy: x = r − 0.001; x.mean() / x.std(ddof=1) · √252 and the Sortino with MAR 0.001.
    assert.equal(toFixedString(sharpeRatio(WORKED, { riskFree: dec('0.001') })!, 10), '0.6738353316');
    assert.equal(toFixedString(sortinoRatio(WORKED, { riskFree: dec('0.001') })!, 10), '1.0600687805');
  });

  it('period win rate counts only the periods that moved', () => {
    assert.equal(toPlain(periodWinRate(decs('0.01', '0', '-0.01', '0.02'))!), '0.666666666666666667');
    assert.equal(periodWinRate([]), null);
  });
});

describe('stats: trades, exposure, turnover', () => {
  const trip = (realized: string, fees: string): RoundTrip => ({
    symbol: 'AAPL' as Symbol,
    openedAt: '2024-01-02T14:30:00Z',
    closedAt: '2024-01-03T15:00:00Z',
    realized: dec(realized),
    fees: dec(fees),
  });

  it('a trade is judged net of its fees', () => {
    const trips = [trip('100', '3'), trip('2', '2'), trip('-50', '1'), trip('40', '0'), trip('1', '2')];
    assert.deepEqual(
      trips.map((t) => toPlain(tradeNetPnl(t))),
      ['97', '0', '-51', '40', '-1'],
    );
    const s = tradeStats(trips);
    assert.deepEqual([s.count, s.wins, s.losses, s.breakeven], [5, 2, 2, 1]);
    assert.equal(toPlain(s.winRate!), '0.4'); // breakeven counts as a closed trade not won
    assert.equal(toPlain(s.profitFactor.value!), '2.634615384615384615'); // 137 / 52
    assert.equal(toPlain(s.averageWin!), '68.5');
    assert.equal(toPlain(s.averageLoss!), '-26');
    assert.equal(toPlain(s.netPnl), '85');
    assert.equal(toPlain(s.averageTrade!), '17');
  });

  it('wins and no losses: the profit factor is infinite, flagged; no trades: nothing is defined', () => {
    const s = tradeStats([trip('10', '1')]);
    assert.deepEqual(s.profitFactor, { value: null, infinite: true });
    assert.equal(s.averageLoss, null);
    const none = tradeStats([]);
    assert.deepEqual([none.count, none.winRate, none.averageWin, none.averageTrade], [0, null, null, null]);
    assert.deepEqual(none.profitFactor, { value: 0n, infinite: false });
    assert.deepEqual(tradeStats([trip('-10', '1')]).profitFactor, { value: 0n, infinite: false });
  });

  it('exposure is the share of days with an open position', () => {
    assert.equal(toPlain(exposure(decs('0', '1500', '1520.5', '0'))!), '0.5');
    assert.equal(exposure([]), null);
  });

  it('turnover is traded notional over mean equity', () => {
    assert.equal(toPlain(turnover(dec('30000'), decs('10000', '10200', '9800'))!), '3');
    assert.equal(turnover(dec('100'), []), null);
    assert.equal(turnover(dec('100'), decs('0', '0')), null);
    assert.throws(() => turnover(dec('-1'), decs('1')), RangeError);
  });
});

describe('stats: exact roots', () => {
  it('isqrt and iroot are floors; sqrtDec rounds to nearest', () => {
    assert.equal(isqrt(0n), 0n);
    assert.equal(isqrt(15n), 3n);
    assert.equal(isqrt(16n), 4n);
    assert.equal(isqrt(10n ** 40n), 10n ** 20n);
    assert.equal(iroot(26n, 3n), 2n);
    assert.equal(iroot(27n, 3n), 3n);
    assert.equal(iroot(2n ** 5000n, 1000n), 32n);
    assert.equal(iroot(2n ** 5000n - 1n, 1000n), 31n);
    assert.equal(toPlain(sqrtDec(dec('2'))), '1.414213562373095049'); // 1.41421356237309504880…
    assert.equal(toPlain(sqrtDec(dec('0.0001'))), '0.01');
    assert.equal(toPlain(sqrtDec(dec('0.000000000000000002'))), '0.000000001414213562');
    assert.throws(() => isqrt(-1n), RangeError);
    assert.throws(() => sqrtDec(dec('-0.5')), RangeError);
    assert.throws(() => iroot(8n, 0n), RangeError);
  });
});
