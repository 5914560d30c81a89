/**
 * The internal book on the real app (SQLite file, paper broker enforcing Alpaca's wash-trade rule):
 * another sleeve's resting order never gets a bot's order refused. A far-away resting limit is
 * withdrawn at the broker while the other order goes through, and restored after, staying
 * working in its own sleeve; an order that meets a resting one at a price both accept is crossed
 * inside at the quote midpoint, with no broker order and no fee.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { dec, toPlain } from '../../src/core/decimal.js';
import type { DeploymentId, Symbol } from '../../src/core/ids.js';
import { quoteMid } from '../../src/app/ports/broker-port.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

const A = 'alpha' as DeploymentId;
const B = 'beta' as DeploymentId;
const S = 'shorter' as DeploymentId;
const AAPL = 'AAPL' as Symbol;
const open = (t: TestApp) => [A, B].flatMap((d) => t.app.listOrders(d, { status: 'open', limit: 50 }));

describe('two sleeves on one symbol', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ seed: 4 });
    await t.app.createDeployment({ id: A, initialCapital: dec('20000') });
    await t.app.createDeployment({ id: B, initialCapital: dec('20000') });
    await t.app.submitOrder(B, { symbol: 'AAPL', side: 'buy', qty: dec('10'), type: 'market', timeInForce: 'day' });
    await t.runUntil(() => open(t).length === 0);
  });
  afterEach(() => t.close());

  it("B's market sell goes through A's far-away resting buy; A's order stays working and comes back", async () => {
    const rest = await t.app.submitOrder(A, {
      symbol: 'AAPL',
      side: 'buy',
      qty: dec('1'),
      type: 'limit',
      limitPrice: dec('1'),
      timeInForce: 'gtc',
    });
    assert.equal(rest.at_broker, true);
    const sell = await t.app.submitOrder(B, {
      symbol: 'AAPL',
      side: 'sell',
      qty: dec('4'),
      type: 'market',
      timeInForce: 'day',
    });
    assert.notEqual(sell.status, 'rejected');
    const during = t.app.listOrders(A, { status: 'open', limit: 5 });
    assert.deepEqual(
      during.map((o) => [o.id, o.status, o.limit_price, o.qty, o.at_broker]),
      [[rest.id, 'new', '1', '1', false]],
    );
    await t.runUntil(() => t.app.listOrders(B, { status: 'open', limit: 5 }).length === 0);
    await t.app.router.book.idle();
    const after = t.app.listOrders(A, { status: 'open', limit: 5 });
    assert.deepEqual(
      after.map((o) => [o.id, o.status, o.limit_price, o.qty, o.filled_qty, o.at_broker]),
      [[rest.id, 'new', '1', '1', '0', true]],
    );
    assert.deepEqual(
      t.app.listOrders(B, { status: 'all', limit: 5 }).map((o) => [o.side, o.status, o.filled_qty, o.crossed_qty]),
      [
        ['sell', 'filled', '4', '0'],
        ['buy', 'filled', '10', '0'],
      ],
    );
    // At the broker: A's first order canceled (withdrawn), B's sell filled, A's order again under a new id.
    const atBroker = await t.broker.openOrders();
    assert.deepEqual(
      atBroker.map((o) => [o.symbol, o.side, toPlain(o.qty), toPlain(o.limitPrice!)]),
      [['AAPL', 'buy', '1', '1']],
    );
    assert.notEqual(atBroker[0]!.clientOrderId, rest.id);
    // Withdrawn once, restored once: two broker orders in all (a report delivered from inside the
    // lane once restored A at once, and B withdrew it again, up to 20 times).
    const carriers = [...t.app.service.state.carriers.entries()].filter(([, order]) => order === rest.id);
    assert.deepEqual(
      carriers.map(([carrier]) => carrier === rest.id),
      [true, false],
    );
    const account = await t.app.account();
    assert.equal(account.reconciled, true, JSON.stringify(account.differences));
  });

  it('a market sell meeting a resting buy at the midpoint is crossed inside: no broker order, no fee', async () => {
    const quote = (await t.broker.latest([AAPL])).get(AAPL)!;
    const mid = quoteMid(quote)!;
    const rest = await t.app.submitOrder(A, {
      symbol: 'AAPL',
      side: 'buy',
      qty: dec('3'),
      type: 'limit',
      limitPrice: mid,
      timeInForce: 'gtc',
    });
    const brokerOrdersBefore = (await t.broker.openOrders()).length;
    const sell = await t.app.submitOrder(B, {
      symbol: 'AAPL',
      side: 'sell',
      qty: dec('2'),
      type: 'market',
      timeInForce: 'day',
    });
    assert.deepEqual(
      [sell.status, sell.filled_qty, sell.crossed_qty, sell.filled_avg_price, sell.at_broker],
      ['filled', '2', '2', toPlain(mid), false],
    );
    const [a] = t.app.listOrders(A, { status: 'open', limit: 5 });
    assert.deepEqual([a!.id, a!.status, a!.filled_qty, a!.crossed_qty], [rest.id, 'partially_filled', '2', '2']);
    await t.app.router.book.idle();
    assert.equal((await t.broker.openOrders()).length, brokerOrdersBefore, "A's remainder is back at the broker");
    const [remainder] = await t.broker.openOrders();
    assert.equal(toPlain(remainder!.qty), '1');
    const trades = await t.app.trades(B, { limit: 10 });
    const crossed = trades.trades.find((x) => x.side === 'sell');
    assert.deepEqual([crossed?.qty, crossed?.price, crossed?.fee], ['2', toPlain(mid), '0']);
    const account = await t.app.account();
    assert.equal(account.reconciled, true, JSON.stringify(account.differences));
  });

  it("a short sale beside another sleeve's resting sell: never refused for the account's quantity available", async () => {
    await t.app.createDeployment({ id: S, initialCapital: dec('20000'), limits: { allowShort: true } });
    // B holds 10 and rests a far sell of all 10: the account's whole long is spoken for at the broker.
    const rest = await t.app.submitOrder(B, {
      symbol: 'AAPL',
      side: 'sell',
      qty: dec('10'),
      type: 'limit',
      limitPrice: dec('100000'),
      timeInForce: 'gtc',
    });
    const short = await t.app.submitOrder(S, {
      symbol: 'AAPL',
      side: 'sell',
      qty: dec('4'),
      type: 'market',
      timeInForce: 'day',
    });
    assert.notEqual(short.status, 'rejected', short.reason ?? '');
    await t.runUntil(() => t.app.listOrders(S, { status: 'open', limit: 5 }).length === 0);
    await t.app.router.book.idle();
    assert.deepEqual(
      t.app.listOrders(S, { status: 'all', limit: 5 }).map((o) => [o.status, o.filled_qty]),
      [['filled', '4']],
    );
    // B's sell is back at the broker for what the account can now sell (6); its other 4 wait.
    const [b] = t.app.listOrders(B, { status: 'open', limit: 5 });
    assert.deepEqual([b!.id, b!.status, b!.qty, b!.filled_qty, b!.at_broker], [rest.id, 'new', '10', '0', true]);
    const atBroker = await t.broker.openOrders();
    assert.deepEqual(
      atBroker.map((o) => [o.side, toPlain(o.qty), toPlain(o.limitPrice!)]),
      [['sell', '6', '100000']],
    );
    const account = await t.app.account();
    assert.equal(account.reconciled, true, JSON.stringify(account.differences));
  });

  it('a day order held in the book expires when its session closes, as the broker would expire it', async () => {
    await t.app.createDeployment({ id: S, initialCapital: dec('20000'), limits: { allowShort: true } });
    // The account holds no MSFT: with S's far short sale resting at the broker, Alpaca would refuse
    // any opening buy, so A's far buy (not marketable) waits in the book.
    await t.app.submitOrder(S, {
      symbol: 'MSFT',
      side: 'sell',
      qty: dec('1'),
      type: 'limit',
      limitPrice: dec('1000'),
      timeInForce: 'gtc',
    });
    const held = await t.app.submitOrder(A, {
      symbol: 'MSFT',
      side: 'buy',
      qty: dec('1'),
      type: 'limit',
      limitPrice: dec('1'),
      timeInForce: 'day',
    });
    assert.deepEqual([held.status, held.at_broker], ['new', false]);
    const day = t.broker.clock.now().toISOString().slice(0, 10);
    await t.runUntil(() => t.broker.clock.now().toISOString().slice(0, 10) !== day, 1000);
    await t.app.resolveAllOrders(); // what serve does every 30 s
    const [order] = t.app.listOrders(A, { status: 'all', limit: 1 });
    assert.deepEqual(
      [order!.id, order!.status, order!.reason, order!.reserved_cash],
      [held.id, 'expired', 'day order: its session closed while it was off the broker (held or withdrawn)', '0'],
    );
    assert.equal(t.app.listOrders(S, { status: 'open', limit: 5 }).length, 1, "S's gtc order is untouched");
  });

  it("a sleeve's order against its own resting order is refused as Alpaca would, naming it", async () => {
    const rest = await t.app.submitOrder(B, {
      symbol: 'AAPL',
      side: 'sell',
      qty: dec('1'),
      type: 'limit',
      limitPrice: dec('100000'),
      timeInForce: 'gtc',
    });
    await assert.rejects(
      t.app.submitOrder(B, { symbol: 'AAPL', side: 'buy', qty: dec('1'), type: 'market', timeInForce: 'day' }),
      (error: Error & { code?: string }) =>
        error.code === 'WASH_TRADE' && error.message.includes(rest.id) && error.message.includes('limit 100000'),
    );
  });
});
