/**
 * The multi-strategy engine end to end on the paper broker and a real SQLite file: internal
 * crossing, one net block order allocated pro rata, partial fills and cancels of a block, orders
 * recorded with the right strategy identifiers (seed 003 §7), and an execution summary whose
 * numbers equal the sleeves'.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dec, toPlain } from '../../src/core/decimal.js';
import type { DeploymentId, Symbol } from '../../src/core/ids.js';
import { replay } from '../../src/app/journal/replay.js';
import type { ManagerResult } from '../../src/engine/manager.js';
import { planRebalance } from '../../src/engine/planner.js';
import { executePlan, runRebalance } from '../../src/engine/rebalance.js';
import { sampleStrategies } from '../../src/engine/strategies/index.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

const AAPL = 'AAPL' as Symbol;
const id = (s: string) => s as DeploymentId;
const qtyOf = (t: TestApp, d: string) => t.app.positions(id(d)).find((p) => p.symbol === 'AAPL')?.qty ?? '0';
const wishes = (list: [string, string][]): ManagerResult => ({
  runs: [],
  unknownStrategies: [],
  attribution: new Map([
    [
      AAPL,
      list.map(([d, delta]) => ({ deployment: id(d), strategy: `strategy-${d}`, target: dec('0'), delta: dec(delta) })),
    ],
  ]),
});

async function reference(t: TestApp) {
  const q = (await t.broker.latest([AAPL])).get(AAPL)!;
  return new Map([[AAPL, { price: ((q.bid! + q.ask!) / 2n) as never, source: 'quote_mid' }]]);
}

describe('A +10, B −4, C +5 in one symbol', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ seed: 3 });
    for (const d of ['a', 'b', 'c'])
      await t.app.createDeployment({ id: id(d), initialCapital: dec('10000'), strategy: `strategy-${d}` });
    await t.app.submitOrder(id('b'), {
      symbol: 'AAPL',
      side: 'buy',
      qty: dec('4'),
      type: 'market',
      timeInForce: 'day',
    });
    await t.runUntil(() => qtyOf(t, 'b') === '4');
  });
  after(() => t.close());

  it('crosses 4 internally and sends +11 to the broker as one block (A 7, C 4)', async () => {
    const plan = planRebalance(
      wishes([
        ['a', '10'],
        ['b', '-4'],
        ['c', '5'],
      ]),
      await reference(t),
    );
    const brokerOrdersBefore = (await t.broker.openOrders()).length;
    const done = await executePlan(
      {
        app: t.app.engine,
        market: t.broker,
        clock: t.broker.clock,
        registry: new Map(),
        wait: async () => void (await t.broker.step()),
      },
      plan,
      'rb-test',
    );
    assert.equal(brokerOrdersBefore, 0);
    assert.equal(done.blocks.get(AAPL)!.length, 1);
    assert.deepEqual(done.refused, []);
    assert.deepEqual([qtyOf(t, 'a'), qtyOf(t, 'b'), qtyOf(t, 'c')], ['10', '0', '5']);
    const cross = (await t.app.trades(id('b'), { limit: 10 })).trades.find((x) => x.fill_id === 'cross:rb-test:AAPL')!;
    assert.equal(cross.side, 'sell');
    assert.equal(cross.qty, '4');
    assert.equal(cross.fee, '0');
    assert.equal(cross.price, toPlain(plan.symbols[0]!.reference.price));
    const blockId = done.blocks.get(AAPL)![0]!;
    const fromBroker = async (d: string) =>
      (await t.app.trades(id(d), { limit: 100 })).trades
        .filter((x) => x.order_id === blockId)
        .reduce((s, x) => s + Number(x.qty), 0);
    assert.deepEqual([await fromBroker('a'), await fromBroker('c')], [7, 4]);
    const account = await t.app.account();
    assert.equal(account.reconciled, true, JSON.stringify(account.differences));
    assert.deepEqual(account.broker.positions, [{ symbol: 'AAPL', qty: '15' }]);
  });

  it('records each order with the strategy that caused it', () => {
    for (const d of ['a', 'c']) {
      const orders = t.app.listOrders(id(d), { status: 'all', limit: 10 });
      assert.equal(orders.length, 1);
      assert.equal(orders[0]!.deployment_id, d);
      assert.equal(t.app.service.deploymentInfo(id(d))!.strategy, `strategy-${d}`);
      assert.equal(orders[0]!.status, 'filled');
    }
  });

  it('replays to the same projections', async () => {
    assert.deepEqual((await replay(t.store, { dryRun: true })).differences, []);
  });
});

describe('partial fills and cancels of a block', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ seed: 5, liquidity: { maxQtyPerStep: dec('5') } });
    for (const d of ['a', 'c']) await t.app.createDeployment({ id: id(d), initialCapital: dec('40000') });
  });
  after(() => t.close());

  it('allocates every partial execution at once and releases what a cancel leaves', async () => {
    const outcome = await t.app.router.submitBlock({
      symbol: AAPL,
      side: 'buy',
      participants: [
        { deployment: id('a'), qty: dec('20') },
        { deployment: id('c'), qty: dec('10') },
      ],
      type: 'market',
      timeInForce: 'day',
      increment: dec('1'),
    });
    const blockId = outcome.blockId!;
    await t.broker.step();
    await t.broker.step();
    const block = t.app.service.state.blocks.get(blockId)!;
    const booked = () => [...block.booked.values()].reduce((s, q) => s + q, 0n);
    assert.equal(booked(), dec('10'));
    // after every execution each participant is within one share of its exact 2:1 share
    assert.deepEqual([toPlain(block.booked.get(id('a'))!), toPlain(block.booked.get(id('c'))!)], ['7', '3']);
    assert.ok(Number(t.app.metrics(id('a')).reserved_cash) > 0);
    await t.app.router.cancelBlock(blockId);
    await t.runUntil(() => t.app.listOrders(id('a'), { status: 'open', limit: 5 }).length === 0, 5);
    assert.deepEqual(
      t.app.listOrders(id('a'), { status: 'all', limit: 5 }).map((o) => [o.status, o.filled_qty]),
      [['canceled', '7']],
    );
    assert.deepEqual(
      t.app.listOrders(id('c'), { status: 'all', limit: 5 }).map((o) => [o.status, o.filled_qty]),
      [['canceled', '3']],
    );
    assert.equal(t.app.metrics(id('a')).reserved_cash, '0');
    assert.equal(t.app.metrics(id('c')).reserved_cash, '0');
    assert.deepEqual([qtyOf(t, 'a'), qtyOf(t, 'c')], ['7', '3']);
    assert.equal((await t.app.account()).reconciled, true);
  });
});

describe('a scheduled multi-strategy rebalance with the sample strategies', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ seed: 9, symbols: 3 });
    await t.app.createDeployment({ id: id('fixed'), initialCapital: dec('20000'), strategy: 'fixed-weight' });
    await t.app.createDeployment({ id: id('mom'), initialCapital: dec('20000'), strategy: 'momentum' });
    await t.app.createDeployment({ id: id('mr'), initialCapital: dec('20000'), strategy: 'mean-reversion' });
  });
  after(() => t.close());

  it('runs every strategy on its own sleeve; the summary equals the sleeves and the account reconciles', async () => {
    const deps = {
      app: t.app.engine,
      market: t.broker,
      clock: t.broker.clock,
      registry: sampleStrategies(),
      wait: async () => void (await t.broker.step()),
    };
    const universe = [...t.broker.symbols];
    let last;
    for (let run = 0; run < 6; run++) {
      for (let s = 0; s < 8; s++) {
        await t.broker.step();
        await runRebalance(deps, { universe, dryRun: true }); // planning alone writes nothing
      }
      last = await runRebalance(deps, {
        universe,
        policy: run % 2 ? { kind: 'smart', repriceAfter: 1, maxReprices: 1 } : { kind: 'market' },
      });
    }
    const summary = last!.summary;
    assert.equal(summary.account!.reconciled, true, JSON.stringify(summary.account));
    for (const s of summary.strategies) {
      const m = t.app.metrics(id(s.deployment));
      assert.deepEqual(
        [s.realized_pnl, s.unrealized_pnl, s.total_pnl, s.equity],
        [m.realized_pnl, m.unrealized_pnl, m.total_pnl, m.virtual_portfolio_value],
      );
    }
    assert.deepEqual(
      summary.strategies.map((s) => s.strategy),
      ['fixed-weight', 'momentum', 'mean-reversion'],
    );
    assert.equal(summary.strategies[0]!.signal, 'HOLD: fixed weights AAPL 60%, MSFT 40%');
    assert.ok(
      Number(t.app.positions(id('fixed')).find((p) => p.symbol === 'AAPL')?.qty ?? 0) > 0,
      JSON.stringify(summary, null, 1),
    );
    assert.deepEqual(t.app.service.state.rebalances.get(last!.id)!.summary, JSON.parse(JSON.stringify(summary)));
    assert.deepEqual((await replay(t.store, { dryRun: true })).differences, []);
  });
});
