/** Sums of figures are exact and keep the identities; the return rule is the one the views print. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Dec, dec, toPlain } from './decimal.js';
import { type Figures, NO_FIGURES, addFigures, returnPercent, sumFigures } from './figures.js';

/** Figures of a sleeve from its capital, cash, positions value, realized, fees and dividends. */
function sleeve(capital: string, cash: string, positions: string, realized: string, fees: string, dividends: string) {
  const equity = (dec(cash) + dec(positions)) as Dec;
  const totalPnl = (equity - dec(capital)) as Dec;
  const unrealized = (totalPnl - dec(realized) + dec(fees) - dec(dividends)) as Dec;
  return {
    capital: dec(capital),
    cash: dec(cash),
    positionsValue: dec(positions),
    equity,
    realized: dec(realized),
    unrealized,
    fees: dec(fees),
    dividends: dec(dividends),
    totalPnl,
  } satisfies Figures;
}

const plain = (f: Partial<Figures>) => Object.entries(f).map(([k, v]) => `${k}=${toPlain(v)}`);

describe('figures', () => {
  const a = sleeve('10000', '4000.000000000000000001', '6079.2', '180', '0.8', '0');
  const b = sleeve('5000', '-0.1', '5160', '100', '0.333333333333333333', '12.5');

  it('add exactly, figure by figure, and keep equity = cash + positions = capital + total P&L', () => {
    const s = addFigures(a, b);
    assert.deepEqual(plain(s), [
      'capital=15000',
      'cash=3999.900000000000000001',
      'positionsValue=11239.2',
      'equity=15239.100000000000000001',
      'realized=280',
      'unrealized=-52.266666666666666666',
      'fees=1.133333333333333333',
      'dividends=12.5',
      'totalPnl=239.100000000000000001',
    ]);
    assert.equal(s.equity, s.cash + s.positionsValue);
    assert.equal(s.equity, s.capital + s.totalPnl);
    assert.equal(s.totalPnl, s.realized + s.unrealized - s.fees + s.dividends);
  });

  it('sum a list (nothing is NO_FIGURES), and only the named figures when asked, in that order', () => {
    assert.deepEqual(sumFigures([a, b]), addFigures(a, b));
    assert.deepEqual(sumFigures([]), NO_FIGURES);
    const some = sumFigures([a, b], ['totalPnl', 'capital']);
    assert.deepEqual(Object.keys(some), ['totalPnl', 'capital']);
    assert.deepEqual(plain(some), ['totalPnl=239.100000000000000001', 'capital=15000']);
    assert.deepEqual(plain(sumFigures([], ['fees'])), ['fees=0']);
  });

  it('give the return in percent of capital to 4 dp, 0 on no capital', () => {
    assert.equal(returnPercent(dec('79.2'), dec('10000')), '0.7920');
    assert.equal(returnPercent(dec('-1'), dec('3')), '-33.3333');
    assert.equal(returnPercent(dec('5'), dec('0')), '0.0000');
  });
});
