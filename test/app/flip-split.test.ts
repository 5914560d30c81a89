/**
 * Alpaca cannot flip the account's net position in one order (FACTS §3). When one sleeve's order
 * would take the account from long to short (or back), the router sends a close leg first and the
 * open leg once the close leg has filled; both legs are journaled before anything is sent, so a
 * restart in between still sends the open leg.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

const LONG = 'long' as DeploymentId;
const SHORT = 'short' as DeploymentId;
const qty = (t: TestApp, d: DeploymentId) => t.app.positions(d).find((p) => p.symbol === 'AAPL')?.qty ?? '0';
const open = (t: TestApp) => [LONG, SHORT].flatMap((d) => t.app.listOrders(d, { status: 'open', limit: 10 }));

describe('an order that would flip the account', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ seed: 4 });
    await t.app.createDeployment({ id: LONG, initialCapital: dec('20000') });
    await t.app.createDeployment({ id: SHORT, initialCapital: dec('20000'), limits: { allowShort: true } });
    await t.app.submitOrder(LONG, { symbol: 'AAPL', side: 'buy', qty: dec('10'), type: 'market', timeInForce: 'day' });
    await t.runUntil(() => open(t).length === 0);
  });
  after(() => t.close());

  it('is sent as a close leg, then an open leg, and the account reconciles', async () => {
    const first = await t.app.submitOrder(SHORT, {
      symbol: 'AAPL',
      side: 'sell',
      qty: dec('15'),
      type: 'market',
      timeInForce: 'day',
    });
    assert.equal(first.qty, '10');
    await t.runUntil(() => open(t).length === 0, 20);
    const legs = t.app.listOrders(SHORT, { status: 'all', limit: 10 }).reverse();
    assert.deepEqual(
      legs.map((o) => [o.qty, o.status, o.filled_qty]),
      [
        ['10', 'filled', '10'],
        ['5', 'filled', '5'],
      ],
    );
    assert.equal(legs[1]!.reason, `open leg of a split order, sent after ${first.id} closed the account's position`);
    assert.deepEqual([qty(t, LONG), qty(t, SHORT)], ['10', '-15']);
    const account = await t.app.account();
    assert.equal(account.reconciled, true, JSON.stringify(account.differences));
    assert.deepEqual(account.broker.positions, [{ symbol: 'AAPL', qty: '-5' }]);
  });
});
