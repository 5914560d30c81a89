/**
 * The fill path's attribution when the journal has never seen the order (a fresh store against an
 * account with history, or an order sent by another tool): our ids name their deployment; anything
 * else goes to the house. Re-delivering the same report changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dec } from '../../src/core/decimal.js';
import type { BrokerOrderId, ClientOrderId, DeploymentId, FillId, Symbol } from '../../src/core/ids.js';
import { HOUSE } from '../../src/core/ids.js';
import type { ExecutionReport } from '../../src/app/ports/broker-port.js';
import { makeClientOrderId } from '../../src/app/trading/client-order-id.js';
import { bookReport } from '../../src/app/trading/fill-path.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

const report = (clientOrderId: string, execution: string, qty: string): ExecutionReport => {
  const ts = '2025-01-02T15:00:00.000Z';
  return {
    kind: 'fill',
    ts,
    order: {
      brokerOrderId: `broker-${execution}` as BrokerOrderId,
      clientOrderId: clientOrderId as ClientOrderId,
      symbol: 'AAPL' as Symbol,
      side: 'buy',
      qty: dec(qty),
      type: 'market',
      timeInForce: 'day',
      status: 'filled',
      filledQty: dec(qty),
      filledAvgPrice: dec('150'),
      submittedAt: ts,
      updatedAt: ts,
    },
    execution: { id: execution as FillId, qty: dec(qty), price: dec('150'), fee: dec('0'), ts },
  };
};

describe('attribution of orders the journal has not seen', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    await t.app.createDeployment({ id: 'momentum' as DeploymentId, initialCapital: dec('10000') });
  });
  after(() => t.close());

  it('reads the deployment from our client order id', async () => {
    const id = makeClientOrderId('momentum' as DeploymentId, Date.UTC(2025, 0, 2), 77);
    await bookReport(t.app.service, report(id, 'x-1', '3'));
    assert.deepEqual(
      t.app.positions('momentum' as DeploymentId).map((p) => [p.symbol, p.qty]),
      [['AAPL', '3']],
    );
  });

  it('books an order nobody here sent to the house, once', async () => {
    await bookReport(t.app.service, report('manual-order-7', 'x-2', '2'));
    await bookReport(t.app.service, report('manual-order-7', 'x-2', '2'));
    const house = t.app.service.ledger.sleeves.get(HOUSE)!;
    assert.equal(house.positions.get('AAPL' as Symbol)!.qty, dec('2'));
  });
});
