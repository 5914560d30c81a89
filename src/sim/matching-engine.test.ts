/** The matching engine: exact fill prices and fees, partial fills, time in force, Alpaca's rules. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExecutionReport, OrderRequest } from '../app/ports/broker-port.js';
import { dec, toPlain } from '../core/decimal.js';
import type { ClientOrderId, Symbol } from '../core/ids.js';
import { stepClock } from './clock.js';
import { SimulatedMarket } from './market.js';
import { MatchingEngine, type MatchingEngineOptions, type SubmitOutcome } from './matching-engine.js';
import { NO_RULES } from './rules.js';

const X = 'X' as Symbol;
let n = 0;

/** An engine on one flat symbol X at mid 100 (bid 99.99, ask 100.01) unless moved. */
function engine(options: Partial<MatchingEngineOptions> = {}, clock = stepClock('2025-01-02T14:30:00Z', 60)) {
  const market = new SimulatedMarket({
    seed: 1,
    symbols: [{ symbol: 'X', start: '100', volatilityBps: 0, spreadBps: 0, volume: 1000 }],
    clock,
  });
  const e = new MatchingEngine({ market, startingCash: dec('100000'), ...options });
  const reports: ExecutionReport[] = [];
  const submit = (fields: Partial<OrderRequest>): SubmitOutcome => {
    const outcome = e.submit({
      clientOrderId: `c${++n}` as ClientOrderId,
      symbol: X,
      side: 'buy',
      qty: dec('10'),
      type: 'market',
      timeInForce: 'gtc',
      ...fields,
    });
    if (outcome.accepted) reports.push(outcome.report);
    return outcome;
  };
  const step = () => reports.push(...e.advance()!.reports);
  return { e, market, reports, submit, step };
}
const brief = (r: ExecutionReport) =>
  [
    r.kind,
    r.order.clientOrderId,
    toPlain(r.order.filledQty),
    r.execution && `${toPlain(r.execution.qty)}@${toPlain(r.execution.price)}`,
  ]
    .filter(Boolean)
    .join(' ');
const rejected = (o: SubmitOutcome) => (o.accepted ? 'accepted' : `${o.rejection.code}: ${o.rejection.message}`);

describe('MatchingEngine fills', () => {
  it('fills a market order at the next step, at the slipped touch, with exact fees and cash', () => {
    const t = engine({ slippageBps: dec('5'), fees: { perShare: dec('0.005'), bps: dec('2') } });
    t.submit({ side: 'buy' });
    assert.equal(t.e.positions().length, 0, 'nothing fills at submission');
    t.step();
    const buy = t.reports.at(-1)!.execution!;
    // ask 100.01 × 1.0005 = 100.0600005 → up to 100.07; fee 10 × 0.005 + 1000.70 × 0.0002 = 0.25014 → 0.25
    assert.deepEqual([buy.price, buy.fee, buy.ts], [dec('100.07'), dec('0.25'), '2025-01-02T14:31:00.000Z']);
    assert.equal(t.e.accountView().cash, dec('98999.05'));
    t.submit({ side: 'sell' });
    t.step();
    const sell = t.reports.at(-1)!.execution!;
    // bid 99.99 − 0.049995 = 99.940005 → down to 99.94; fee 0.05 + 999.40 × 0.0002 = 0.24988 → 0.25
    assert.deepEqual([sell.price, sell.fee], [dec('99.94'), dec('0.25')]);
    assert.equal(t.e.accountView().cash, dec('99998.20'));
    assert.deepEqual(t.e.positions(), []);
  });

  it('fills a limit order only once the touch reaches it, at the limit or better', () => {
    const t = engine({ slippageBps: dec('50') });
    t.submit({ type: 'limit', limitPrice: dec('95') });
    t.step();
    assert.equal(t.e.openOrders().length, 1);
    t.market.setPrice(X, dec('95.01')); // ask 95.02: not yet
    t.step();
    assert.equal(t.e.openOrders().length, 1);
    t.market.setPrice(X, dec('94.98')); // ask 94.99, slipped 95.47 → capped at the limit
    t.step();
    assert.deepEqual(t.reports.map(brief).slice(-1), [`fill c${n} 10 10@95`]);
    t.submit({ type: 'limit', side: 'sell', qty: dec('10'), limitPrice: dec('90') });
    t.step(); // bid 94.97 ≥ 90: fills at the slipped bid 94.49
    assert.equal(t.reports.at(-1)!.execution!.price, dec('94.49'));
  });

  it('fills a large order in pieces under a fixed cap, sharing liquidity oldest first', () => {
    const t = engine({ liquidity: { maxQtyPerStep: dec('100') } });
    t.submit({ qty: dec('250') });
    t.submit({ qty: dec('30') });
    t.step();
    t.step();
    t.step();
    t.step();
    assert.deepEqual(t.reports.map(brief).slice(2), [
      `partial_fill c${n - 1} 100 100@100.01`,
      `partial_fill c${n - 1} 200 100@100.01`,
      `fill c${n - 1} 250 50@100.01`,
      `fill c${n} 30 30@100.01`,
    ]);
    assert.equal(t.e.orderByClientId(`c${n - 1}` as ClientOrderId)!.filledAvgPrice, dec('100.01'));
  });

  it('caps fills at a share of the step volume', () => {
    const t = engine({ liquidity: { volumeShare: dec('0.01'), qtyIncrement: dec('1') } });
    t.submit({ qty: dec('40') });
    for (let i = 0; i < 10 && t.e.openOrders().length; i++) t.step();
    const fills = t.reports.filter((r) => r.execution).map((r) => r.execution!.qty);
    assert.ok(fills.length >= 3, `${fills.length} pieces`);
    assert.ok(
      fills.every((q) => q <= dec('15')),
      'at most 1 % of ≤ 1,500 shares per step',
    );
    assert.equal(t.e.orderByClientId(`c${n}` as ClientOrderId)!.status, 'filled');
  });

  it('reports cumulative filled qty and the average price over pieces at different prices', () => {
    const t = engine({ liquidity: { maxQtyPerStep: dec('3') } });
    t.submit({ qty: dec('4') });
    t.step(); // 3 @ 100.01
    t.market.setPrice(X, dec('101'));
    t.step(); // 1 @ 101.01
    const last = t.reports.at(-1)!;
    assert.deepEqual([last.kind, last.order.filledQty], ['fill', dec('4')]);
    // (3 × 100.01 + 1 × 101.01) ÷ 4 = 401.04 ÷ 4
    assert.equal(last.order.filledAvgPrice, dec('100.26'));
    assert.deepEqual(t.e.positions(), [{ symbol: X, qty: dec('4'), avgEntryPrice: dec('100.26') }]);
  });

  it('gives unique, deterministic order and execution ids', () => {
    const ids = () => {
      const t = engine({ liquidity: { maxQtyPerStep: dec('4') }, idPrefix: 'run1' });
      t.submit({ qty: dec('10') });
      for (let i = 0; i < 3; i++) t.step();
      return t.reports.map((r) => `${r.order.brokerOrderId}/${r.execution?.id ?? ''}`);
    };
    assert.deepEqual(ids(), ids());
    const xs = ids()
      .map((s) => s.split('/')[1])
      .filter(Boolean);
    assert.equal(new Set(xs).size, 3);
    assert.ok(xs.every((x) => x!.startsWith('run1-x')));
  });
});

describe('MatchingEngine time in force and cancel', () => {
  it('expires a day order at the first step of a new UTC date; gtc stays', () => {
    const t = engine({}, stepClock('2025-01-02T21:00:00Z', 3600));
    t.submit({ type: 'limit', limitPrice: dec('50'), timeInForce: 'day' });
    t.submit({ type: 'limit', limitPrice: dec('50'), timeInForce: 'gtc' });
    for (let i = 0; i < 3; i++) t.step(); // 22:00, 23:00, 00:00 (Jan 3)
    assert.deepEqual(
      t.reports.map((r) => r.kind),
      ['new', 'new', 'expired'],
    );
    assert.equal(t.reports.at(-1)!.ts, '2025-01-03T00:00:00.000Z');
    assert.deepEqual(
      t.e.openOrders().map((o) => o.timeInForce),
      ['gtc'],
    );
  });

  it('cancels the unfilled remainder of an ioc order after its one step', () => {
    const t = engine({ liquidity: { maxQtyPerStep: dec('6') } });
    t.submit({ timeInForce: 'ioc' });
    t.submit({ type: 'limit', limitPrice: dec('50'), timeInForce: 'ioc' });
    t.step();
    assert.deepEqual(t.reports.slice(2).map(brief), [
      `partial_fill c${n - 1} 6 6@100.01`,
      `canceled c${n - 1} 6`,
      `canceled c${n} 0`,
    ]);
    assert.equal(t.e.openOrders().length, 0);
  });

  it('cancels an open order once; cancelling a finished or unknown order is a rejection', () => {
    const t = engine();
    const o = t.submit({ type: 'limit', limitPrice: dec('50') });
    assert.ok(o.accepted);
    const first = t.e.cancel(o.order.brokerOrderId);
    assert.ok(first.accepted && first.report.kind === 'canceled' && first.report.order.status === 'canceled');
    const again = t.e.cancel(o.order.brokerOrderId);
    assert.ok(!again.accepted && again.rejection.code === 'order_not_cancelable');
    const unknown = t.e.cancel('nope' as never);
    assert.ok(!unknown.accepted && unknown.rejection.httpStatus === 404);
  });
});

describe('MatchingEngine validation and Alpaca rules', () => {
  it('rejects malformed orders with the broker words', () => {
    const t = engine();
    assert.equal(
      rejected(t.submit({ type: 'limit', limitPrice: dec('290.123') })),
      'sub_penny_price: invalid limit_price 290.123. sub-penny increment does not fulfill minimum pricing criteria',
    );
    assert.equal(
      rejected(t.submit({ qty: dec('0.0000000001') })),
      'invalid_order: qty must have at most 9 decimal places',
    );
    assert.equal(rejected(t.submit({ symbol: 'ZZZ' as Symbol })), 'unknown_symbol: asset "ZZZ" not found');
    t.submit({ clientOrderId: 'same' as ClientOrderId, type: 'limit', limitPrice: dec('1') });
    assert.equal(
      rejected(t.submit({ clientOrderId: 'same' as ClientOrderId })),
      'duplicate_client_order_id: client_order_id must be unique',
    );
  });

  it('rejects an opposite order that could trade against an open one (wash trade)', () => {
    const t = engine();
    t.submit({ type: 'limit', side: 'sell', qty: dec('1'), limitPrice: dec('105') });
    const wash = 'wash_trade: potential wash trade detected. use complex orders';
    assert.equal(rejected(t.submit({ side: 'buy' })), wash, 'a market buy against a resting limit sell');
    assert.equal(rejected(t.submit({ type: 'limit', limitPrice: dec('105') })), wash, 'buy limit ≥ sell limit');
    assert.equal(
      rejected(t.submit({ type: 'limit', limitPrice: dec('104.99') })),
      'opposite_order_open: cannot open a long buy while a short sell order is open',
    );
  });

  it('rejects a sell beyond the quantity available and a cover that would flip to long', () => {
    const t = engine();
    t.submit({ qty: dec('10') });
    t.step();
    t.submit({ side: 'sell', type: 'limit', qty: dec('6'), limitPrice: dec('200') });
    assert.equal(
      rejected(t.submit({ side: 'sell', type: 'limit', qty: dec('5'), limitPrice: dec('200') })),
      'insufficient_qty: insufficient qty available for order (requested: 5, available: 4)',
    );
    assert.equal(
      rejected(t.submit({ side: 'sell', type: 'limit', qty: dec('4'), limitPrice: dec('200') })),
      'accepted',
    );
    const short = engine();
    short.submit({ side: 'sell', qty: dec('10') });
    short.step();
    assert.equal(
      rejected(short.submit({ qty: dec('11') })),
      'position_flip: order would flip the position from short to long; close the position first',
    );
    assert.equal(rejected(short.submit({ qty: dec('10') })), 'accepted');
  });

  it('rejects a buy beyond buying power, counting what open buys reserve', () => {
    const t = engine({ startingCash: dec('1000') });
    assert.equal(rejected(t.submit({ type: 'limit', qty: dec('6'), limitPrice: dec('100') })), 'accepted');
    assert.equal(
      rejected(t.submit({ type: 'limit', qty: dec('5'), limitPrice: dec('100') })),
      'insufficient_buying_power: insufficient buying power',
    );
    assert.equal(t.e.accountView().buyingPower, dec('400'));
  });

  it('with the rules off, one order may flip the position: the remainder opens at the fill price', () => {
    const t = engine({ rules: NO_RULES });
    t.submit({ qty: dec('10') });
    t.step();
    t.submit({ side: 'sell', qty: dec('15') });
    t.step();
    assert.deepEqual(t.e.positions(), [{ symbol: X, qty: dec('-5'), avgEntryPrice: dec('99.99') }]);
    const v = t.e.accountView();
    // 100000 − 10 × 100.01 + 15 × 99.99 = 100499.75; short 5 marked at 100
    assert.deepEqual([v.cash, v.equity], [dec('100499.75'), dec('99999.75')]);
  });
});
