/**
 * The kill switch of one sleeve on the real app (SQLite file, paper broker): three sleeves hold
 * the same symbol; flattening one cancels its working orders and closes exactly its positions,
 * the other two keep theirs to the share (and their orders), the broker sees only the closing
 * orders, the account reconciles, and the steps are journaled with who asked and why.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { Flattener } from '../../src/app/risk/flatten.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

const A = 'alpha' as DeploymentId;
const B = 'beta' as DeploymentId;
const C = 'gamma' as DeploymentId;
const qtyOf = (t: TestApp, d: DeploymentId) => Object.fromEntries(t.app.positions(d).map((p) => [p.symbol, p.qty]));
const openOf = (t: TestApp, d: DeploymentId) => t.app.listOrders(d, { status: 'open', limit: 50 });
const market = (symbol: string, side: 'buy' | 'sell', qty: string) =>
  ({ symbol, side, qty: dec(qty), type: 'market', timeInForce: 'day' }) as const;

describe('flatten one sleeve of three holding the same symbol', () => {
  let t: TestApp;
  let flattener: Flattener;
  beforeEach(async () => {
    t = await startTestApp({ seed: 4 });
    flattener = new Flattener(t.app, t.broker.clock);
    for (const d of [A, B, C]) await t.app.createDeployment({ id: d, initialCapital: dec('20000') });
    await t.app.submitOrder(A, market('AAPL', 'buy', '10'));
    await t.app.submitOrder(A, market('MSFT', 'buy', '3'));
    await t.app.submitOrder(B, market('AAPL', 'buy', '7'));
    await t.app.submitOrder(C, market('AAPL', 'buy', '5'));
    await t.runUntil(() => [A, B, C].every((d) => openOf(t, d).length === 0));
  });
  afterEach(() => t.close());

  it('closes exactly its positions, cancels its orders, leaves the others to the share; the account reconciles', async () => {
    // Working orders: A's far-away limit buy (to be cancelled), B's far-away limit buy (kept).
    const limit = (qty: string) =>
      ({
        symbol: 'AAPL',
        side: 'buy',
        qty: dec(qty),
        type: 'limit',
        limitPrice: dec('1'),
        timeInForce: 'gtc',
      }) as const;
    const aOrder = await t.app.submitOrder(A, limit('2'));
    const bOrder = await t.app.submitOrder(B, limit('1'));
    const brokerBefore = (await t.broker.allOrders()).length;
    const before = { B: qtyOf(t, B), C: qtyOf(t, C) };
    assert.deepEqual(qtyOf(t, A), { AAPL: '10', MSFT: '3' });

    const result = await flattener.flatten(A, { by: 'admin', reason: 'bot misbehaving' });
    assert.deepEqual(
      result.orders.map((o) => [o.symbol, o.side, o.qty, o.type]),
      [
        ['AAPL', 'sell', '10', 'market'],
        ['MSFT', 'sell', '3', 'market'],
      ],
    );
    await t.runUntil(() => openOf(t, A).length === 0);
    await t.app.router.book.idle();
    await flattener.settle();

    assert.deepEqual(qtyOf(t, A), {});
    assert.deepEqual({ B: qtyOf(t, B), C: qtyOf(t, C) }, before);
    assert.equal(t.app.getDeployment(A).status, 'stopped');
    assert.equal(t.app.getDeployment(B).status, 'active');
    const aAll = t.app.listOrders(A, { status: 'all', limit: 50 });
    assert.equal(aAll.find((o) => o.id === aOrder.id)!.status, 'canceled');
    assert.deepEqual(
      openOf(t, B).map((o) => o.id),
      [bOrder.id],
    );
    // The broker saw only A's two closing orders (B's limit may be withdrawn and restored by the
    // internal book while A's sell goes: that is B's own order, carried again).
    const state = t.app.service.state;
    const ownerOf = (cid: string) => state.orders.get(state.carriers.get(cid) ?? cid)?.deployment;
    const brokerNew = (await t.broker.allOrders()).slice(brokerBefore);
    assert.deepEqual(
      brokerNew
        .filter((o) => ownerOf(o.clientOrderId) !== B)
        .map((o) => [ownerOf(o.clientOrderId), o.symbol, o.side, o.qty.toString()]),
      [
        [A, 'AAPL', 'sell', dec('10').toString()],
        [A, 'MSFT', 'sell', dec('3').toString()],
      ],
    );
    assert.ok(brokerNew.filter((o) => ownerOf(o.clientOrderId) === B).every((o) => o.side === 'buy'));
    const account = await t.app.account();
    assert.equal(account.reconciled, true, JSON.stringify(account.differences));

    const latest = flattener.latest(A)!;
    assert.equal(latest.status, 'done');
    assert.deepEqual(
      t.app.service.state.controls.get(A)!.lastFlatten.map((s) => [s.step, s.by, s.orders.length]),
      [
        ['requested', 'admin', 0],
        ['orders_sent', 'admin', 2],
        ['done', 'admin', 0],
      ],
    );
    assert.equal(t.app.service.state.controls.get(A)!.lastFlatten[0]!.reason, 'bot misbehaving');
  });

  it('a second flatten while one runs does not close twice', async () => {
    const [first, second] = await Promise.all([
      flattener.flatten(A, { by: 'admin', reason: 'one' }),
      flattener.flatten(A, { by: 'admin', reason: 'two' }),
    ]);
    assert.equal(first.id, second.id);
    // Asked again before the closing orders filled: they keep working, nothing more is sent.
    const third = await flattener.flatten(A, { by: 'deployment:alpha', reason: 'three' });
    assert.deepEqual(third.orders, []);
    await t.runUntil(() => openOf(t, A).length === 0);
    assert.deepEqual(qtyOf(t, A), {});
    assert.deepEqual(qtyOf(t, B), { AAPL: '7' });
    assert.deepEqual(qtyOf(t, C), { AAPL: '5' });
    const sells = t.app.listOrders(A, { status: 'all', limit: 50 }).filter((o) => o.side === 'sell');
    assert.deepEqual(sells.map((o) => [o.symbol, o.filled_qty]).sort(), [
      ['AAPL', '10'],
      ['MSFT', '3'],
    ]);
    const account = await t.app.account();
    assert.equal(account.reconciled, true, JSON.stringify(account.differences));
  });

  it('an unknown deployment or the house: NOT_FOUND', async () => {
    await assert.rejects(flattener.flatten('nobody' as DeploymentId, { by: 'admin', reason: 'x' }), {
      code: 'NOT_FOUND',
    });
    await assert.rejects(flattener.flatten('house' as DeploymentId, { by: 'admin', reason: 'x' }), {
      code: 'NOT_FOUND',
    });
  });
});
