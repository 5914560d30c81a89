/** The worked examples of DESIGN.md §4 and ACCOUNTING.md, with exact expected values. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dec, toPlain } from './decimal.js';
import type { CostMethod, FillBooked } from './events.js';
import type { DeploymentId, Symbol } from './ids.js';
import { type Ledger, applyEvent, markPrice, netQuantity, LedgerInvariantError, newLedger } from './ledger.js';
import { valueSleeve } from './valuation.js';
import { deployment, dividend, fill, flow, fold, mark, split } from '../../test/helpers/events.js';

const AAPL = 'AAPL' as Symbol;

/** The sleeve's figures as plain decimal strings. */
function figures(ledger: Ledger, who: string, method?: CostMethod) {
  const v = valueSleeve(ledger.sleeves.get(who as DeploymentId)!, ledger.marks, method);
  return {
    cash: toPlain(v.cash),
    realized: toPlain(v.realized),
    unrealized: toPlain(v.unrealized),
    fees: toPlain(v.fees),
    dividends: toPlain(v.dividends),
    total: toPlain(v.totalPnl),
    equity: toPlain(v.equity),
  };
}

function position(ledger: Ledger, who: string, symbol: string, method?: CostMethod) {
  const v = valueSleeve(ledger.sleeves.get(who as DeploymentId)!, ledger.marks, method);
  const p = v.positions.find((x) => x.symbol === symbol)!;
  return { qty: toPlain(p.qty), avg: p.avgCost, realized: toPlain(p.realized), unrealized: toPlain(p.unrealized) };
}

describe('seed 000 example: two deployments, one account', () => {
  const ledger = fold([
    deployment('a', '10000'),
    deployment('b', '10000'),
    fill('f1', 'a', 'AAPL', 'buy', '10', '150'),
    fill('f2', 'b', 'AAPL', 'buy', '5', '150'),
  ]);
  it('gives each deployment its own cash and position', () => {
    assert.equal(figures(ledger, 'a').cash, '8500');
    assert.equal(figures(ledger, 'b').cash, '9250');
    assert.deepEqual(position(ledger, 'a', 'AAPL'), { qty: '10', avg: '150', realized: '0', unrealized: '0' });
    assert.deepEqual(position(ledger, 'b', 'AAPL'), { qty: '5', avg: '150', realized: '0', unrealized: '0' });
  });
  it('adds up to the broker: 15 AAPL and cash −2,250', () => {
    assert.equal(toPlain(netQuantity(ledger, AAPL)), '15');
    const cashChange = [...ledger.sleeves.values()].reduce((s, x) => s + x.cash - x.initialCapital, 0n);
    assert.equal(cashChange, dec('-2250'));
  });
});

describe('average cost and FIFO: buy 10 @ 100, buy 10 @ 120, sell 15 @ 130, mark 125', () => {
  const ledger = fold([
    deployment('a', '10000'),
    fill('f1', 'a', 'X', 'buy', '10', '100'),
    fill('f2', 'a', 'X', 'buy', '10', '120'),
    fill('f3', 'a', 'X', 'sell', '15', '130'),
    mark('X', '125'),
  ]);
  it('average: realized 300, unrealized 75, 5 left at avg 110', () => {
    assert.deepEqual(position(ledger, 'a', 'X', 'average'), {
      qty: '5',
      avg: '110',
      realized: '300',
      unrealized: '75',
    });
  });
  it('FIFO: realized 350, unrealized 25, lot 5 @ 120', () => {
    assert.deepEqual(position(ledger, 'a', 'X', 'fifo'), { qty: '5', avg: '120', realized: '350', unrealized: '25' });
  });
  it('has the same total under both methods', () => {
    assert.equal(figures(ledger, 'a', 'average').total, '375');
    assert.equal(figures(ledger, 'a', 'fifo').total, '375');
  });
});

describe('flip with a fee: buy 10 @ 100, sell 15 @ 110 fee 3, mark 108', () => {
  const events = [
    deployment('a', '10000'),
    fill('f1', 'a', 'X', 'buy', '10', '100'),
    fill('f2', 'a', 'X', 'sell', '15', '110', '3'),
    mark('X', '108'),
  ];
  const ledger = fold(events);
  it('realizes 100, leaves short 5 @ 110, unrealized 10, fees 3, net 107', () => {
    assert.deepEqual(position(ledger, 'a', 'X'), { qty: '-5', avg: '110', realized: '100', unrealized: '10' });
    assert.equal(figures(ledger, 'a').fees, '3');
    assert.equal(figures(ledger, 'a').total, '107');
  });
  it('splits the fee 2 : 1 between the closing and opening legs', () => {
    const again = newLedger();
    for (const e of events.slice(0, 2)) applyEvent(again, e);
    const applied = applyEvent(again, events[2]!);
    assert.equal(applied.roundTrips.length, 1);
    assert.equal(toPlain(applied.roundTrips[0]!.realized), '100');
    assert.equal(toPlain(applied.roundTrips[0]!.fees), '2');
    const close = applyEvent(again, fill('f3', 'a', 'X', 'buy', '5', '105'));
    assert.equal(toPlain(close.trades[0]!.realizedPnl), '25');
    assert.equal(toPlain(close.roundTrips[0]!.fees), '1');
  });
});

describe('shorts (ACCOUNTING.md §1–2): sell 10 @ 50, sell 10 @ 60, buy 12 @ 45, mark 55', () => {
  const ledger = fold([
    deployment('a', '10000'),
    fill('f1', 'a', 'X', 'sell', '10', '50'),
    fill('f2', 'a', 'X', 'sell', '10', '60'),
    fill('f3', 'a', 'X', 'buy', '12', '45'),
    mark('X', '55'),
  ]);
  it('average: realized 120, unrealized 0', () => {
    assert.deepEqual(position(ledger, 'a', 'X'), { qty: '-8', avg: '55', realized: '120', unrealized: '0' });
  });
  it('FIFO: realized 80, lot −8 @ 60, unrealized 40', () => {
    assert.deepEqual(position(ledger, 'a', 'X', 'fifo'), { qty: '-8', avg: '60', realized: '80', unrealized: '40' });
  });
});

describe('crypto fee in the received asset', () => {
  it('buy 1 BTC @ 50,000 fee 0.001 BTC → 0.999 BTC, fee 50, mark 51,000 → net 949', () => {
    const ledger = fold([
      deployment('a', '100000'),
      fill('f1', 'a', 'BTC/USD', 'buy', '1', '50000', '0.001', 'base'),
      mark('BTC/USD', '51000'),
    ]);
    assert.deepEqual(position(ledger, 'a', 'BTC/USD'), {
      qty: '0.999',
      avg: '50000',
      realized: '0',
      unrealized: '999',
    });
    assert.deepEqual(figures(ledger, 'a'), {
      cash: '50000',
      realized: '0',
      unrealized: '999',
      fees: '50',
      dividends: '0',
      total: '949',
      equity: '100949',
    });
  });
});

describe('corporate actions', () => {
  it('2-for-1 split: 10 @ 150 → 20 @ 75; mark 80 → unrealized 100', () => {
    const ledger = fold([
      deployment('a', '10000'),
      fill('f1', 'a', 'AAPL', 'buy', '10', '150'),
      split('AAPL', '2'),
      mark('AAPL', '80'),
    ]);
    assert.deepEqual(position(ledger, 'a', 'AAPL'), { qty: '20', avg: '75', realized: '0', unrealized: '100' });
    assert.deepEqual(position(ledger, 'a', 'AAPL', 'fifo'), { qty: '20', avg: '75', realized: '0', unrealized: '100' });
  });
  it('3-for-2 split keeps the average exact: 10 @ 100 → 15 @ 66.666…', () => {
    const ledger = fold([deployment('a', '10000'), fill('f1', 'a', 'X', 'buy', '10', '100'), split('X', '1.5')]);
    assert.equal(position(ledger, 'a', 'X').avg, '66.666666666666666667');
    assert.equal(position(ledger, 'a', 'X').unrealized, '0');
  });
  it('restates the last mark after a split', () => {
    const ledger = fold([deployment('a', '10000'), fill('f1', 'a', 'AAPL', 'buy', '10', '150'), split('AAPL', '2')]);
    assert.equal(toPlain(markPrice(ledger.marks.get(AAPL)!)), '75');
    assert.equal(figures(ledger, 'a').equity, '10000');
  });
  it('cash dividend: long 10 gets +5.00, short 4 pays −2.00', () => {
    const ledger = fold([
      deployment('a', '10000'),
      deployment('b', '10000'),
      fill('f1', 'a', 'X', 'buy', '10', '20'),
      fill('f2', 'b', 'X', 'sell', '4', '20'),
      dividend('X', '0.5'),
    ]);
    assert.equal(figures(ledger, 'a').dividends, '5');
    assert.equal(figures(ledger, 'b').dividends, '-2');
    assert.equal(figures(ledger, 'a').cash, '9805');
    assert.equal(figures(ledger, 'b').cash, '10078');
  });
});

describe('capital flows and duplicates', () => {
  it('moves capital and counts it in the return base, not in P&L', () => {
    const ledger = fold([deployment('a', '10000'), flow('c1', 'a', '5000'), flow('c2', 'a', '-1000')]);
    const v = valueSleeve(ledger.sleeves.get('a' as DeploymentId)!, ledger.marks);
    assert.equal(toPlain(v.cash), '14000');
    assert.equal(toPlain(v.capital), '14000');
    assert.equal(toPlain(v.totalPnl), '0');
  });
  it('ignores a fill whose execution id was already applied', () => {
    const ledger = newLedger();
    applyEvent(ledger, deployment('a', '10000'));
    const f = fill('f1', 'a', 'X', 'buy', '10', '100');
    assert.equal(applyEvent(ledger, f).duplicate, false);
    assert.equal(applyEvent(ledger, { ...(f as FillBooked), price: dec('1') }).duplicate, true);
    assert.equal(figures(ledger, 'a').cash, '9000');
  });
  it('refuses to fold a fill for an unknown deployment', () => {
    assert.throws(() => fold([fill('f1', 'ghost', 'X', 'buy', '1', '1')]), LedgerInvariantError);
  });
});
