/**
 * Seed 000's test plan on the application itself (real SQLite file, real paper broker): two
 * deployments trade the same symbol; each sees only its own numbers; the account shows the sum.
 * Plus every risk rule with its exact message, idempotent submit, and reservation release.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dec, toPlain, mul } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { AppError } from '../../src/app/errors.js';
import { replay } from '../../src/app/journal/replay.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

const A = 'a' as DeploymentId;
const B = 'b' as DeploymentId;
const rejects = (code: string, message?: string) => (e: unknown) => {
  assert.ok(e instanceof AppError, String(e));
  assert.equal(e.code, code);
  if (message !== undefined) assert.equal(e.message, message);
  return true;
};

describe('two deployments on one account (seed 000)', () => {
  let t: TestApp;
  const errors: unknown[] = [];
  before(async () => {
    t = await startTestApp({ errors });
    await t.app.createDeployment({ id: A, initialCapital: dec('10000'), strategy: 'momentum' });
    await t.app.createDeployment({ id: B, initialCapital: dec('10000'), strategy: 'mean-reversion' });
    await t.app.submitOrder(A, { symbol: 'AAPL', side: 'buy', qty: dec('10'), type: 'market', timeInForce: 'day' });
    await t.app.submitOrder(B, { symbol: 'AAPL', side: 'buy', qty: dec('5'), type: 'market', timeInForce: 'day' });
    await t.runUntil(
      () =>
        t.app.listOrders(A, { status: 'open', limit: 10 }).length +
          t.app.listOrders(B, { status: 'open', limit: 10 }).length ===
        0,
    );
  });
  after(() => t.close());

  it('books each fill to the deployment that caused it', async () => {
    assert.deepEqual(errors, []);
    const [pa] = t.app.positions(A);
    const [pb] = t.app.positions(B);
    assert.equal(pa!.qty, '10');
    assert.equal(pb!.qty, '5');
    const ta = await t.app.trades(A, { limit: 100 });
    const tb = await t.app.trades(B, { limit: 100 });
    assert.ok(ta.trades.every((x) => x.order_id?.startsWith('s.a.')));
    assert.ok(tb.trades.every((x) => x.order_id?.startsWith('s.b.')));
    // cash = capital − Σ qty × price − fees, exactly, from each deployment's own trades
    for (const [id, page] of [
      [A, ta],
      [B, tb],
    ] as const) {
      const spent = page.trades.reduce((s, x) => s + mul(dec(x.qty), dec(x.price)) + dec(x.fee), 0n);
      assert.equal(t.app.metrics(id).virtual_cash, toPlain((dec('10000') - spent) as never));
    }
  });

  it('gives independent metrics, and the account is the sum', async () => {
    const ma = t.app.metrics(A);
    const mb = t.app.metrics(B);
    assert.notEqual(ma.virtual_cash, mb.virtual_cash);
    assert.notEqual(ma.virtual_positions_value, mb.virtual_positions_value);
    await t.broker.run(5);
    await t.app.markToMarket();
    const [ma2, mb2] = [t.app.metrics(A), t.app.metrics(B)];
    assert.notEqual(ma2.virtual_portfolio_value, mb2.virtual_portfolio_value);
    assert.notEqual(ma2.unrealized_pnl, mb2.unrealized_pnl);
    const account = await t.app.account();
    assert.equal(account.reconciled, true, JSON.stringify(account.differences));
    assert.deepEqual(account.sleeves.positions, [{ symbol: 'AAPL', qty: '15' }]);
    assert.deepEqual(account.broker.positions, [{ symbol: 'AAPL', qty: '15' }]);
    assert.equal(toPlain((dec(ma.virtual_cash) + dec(mb.virtual_cash)) as never), account.sleeves.cash);
  });

  it('replays the journal to exactly the live projections', async () => {
    assert.deepEqual((await replay(t.store, { dryRun: true })).differences, []);
  });
});

describe('risk checks use the sleeve, with messages a person can act on', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    await t.app.createDeployment({ id: 'momentum' as DeploymentId, initialCapital: dec('2000') });
    await t.app.createDeployment({
      id: 'capped' as DeploymentId,
      initialCapital: dec('10000'),
      limits: { maxOrderNotional: dec('1000'), maxPositionValue: dec('1500'), allowedSymbols: ['AAPL', 'MSFT'] },
    });
    await t.app.createDeployment({
      id: 'pct' as DeploymentId,
      initialCapital: dec('10000'),
      limits: { maxPositionPct: dec('10') },
    });
  });
  after(() => t.close());
  const M = 'momentum' as DeploymentId;
  const limit = (side: 'buy' | 'sell', qty: string, price: string, symbol = 'AAPL') =>
    ({ symbol, side, qty: dec(qty), type: 'limit', limitPrice: dec(price), timeInForce: 'gtc' }) as const;

  it('INSUFFICIENT_BUYING_POWER counts the reservations of open orders', async () => {
    await t.app.submitOrder(M, limit('buy', '4', '1.11')); // rests far below the market
    await t.app.submitOrder(M, limit('buy', '10', '76.10'));
    await assert.rejects(
      t.app.submitOrder(M, limit('buy', '10', '150')),
      rejects(
        'INSUFFICIENT_BUYING_POWER',
        "INSUFFICIENT_BUYING_POWER: deployment 'momentum' has $1,234.56 available (cash $2,000.00 − $765.44 reserved by 2 open orders); this order needs $1,500.00",
      ),
    );
  });

  it('reservations are released on cancel', async () => {
    const open = t.app.listOrders(M, { status: 'open', limit: 10 });
    for (const o of open) await t.app.cancelOrder(M, o.id);
    await t.runUntil(() => t.app.listOrders(M, { status: 'open', limit: 10 }).length === 0, 3);
    assert.equal(t.app.metrics(M).reserved_cash, '0');
    assert.equal(t.app.metrics(M).buying_power, '2000');
    assert.deepEqual(
      t.app.listOrders(M, { status: 'closed', limit: 10 }).map((o) => o.status),
      ['canceled', 'canceled'],
    );
  });

  it('INSUFFICIENT_POSITION and SHORTING_NOT_ALLOWED for sells', async () => {
    await assert.rejects(
      t.app.submitOrder(M, limit('sell', '1', '150')),
      rejects(
        'SHORTING_NOT_ALLOWED',
        "SHORTING_NOT_ALLOWED: deployment 'momentum' holds no AAPL and may not sell short; this order sells 1",
      ),
    );
    await t.app.submitOrder(M, { symbol: 'AAPL', side: 'buy', qty: dec('3'), type: 'market', timeInForce: 'day' });
    await t.runUntil(
      () => t.app.positions(M).length > 0 && t.app.listOrders(M, { status: 'open', limit: 10 }).length === 0,
    );
    await t.app.submitOrder(M, limit('sell', '2', '999'));
    await assert.rejects(
      t.app.submitOrder(M, limit('sell', '2', '999')),
      rejects(
        'INSUFFICIENT_POSITION',
        "INSUFFICIENT_POSITION: deployment 'momentum' can sell at most 1 AAPL (holds 3 − 2 reserved by 1 open sell); this order sells 2",
      ),
    );
  });

  it('limits: allowed symbols, max order notional, max position value and % of equity', async () => {
    const C = 'capped' as DeploymentId;
    await assert.rejects(
      t.app.submitOrder(C, limit('buy', '1', '10', 'NVDA')),
      rejects('SYMBOL_NOT_ALLOWED', "SYMBOL_NOT_ALLOWED: deployment 'capped' may trade only AAPL, MSFT; not NVDA"),
    );
    await assert.rejects(
      t.app.submitOrder(C, limit('buy', '11', '100')),
      rejects(
        'MAX_ORDER_NOTIONAL_EXCEEDED',
        "MAX_ORDER_NOTIONAL_EXCEEDED: deployment 'capped' allows at most $1,000.00 per order; this order is $1,100.00",
      ),
    );
    await t.app.submitOrder(C, limit('buy', '9', '100'));
    await assert.rejects(
      t.app.submitOrder(C, limit('buy', '9', '200', 'MSFT')),
      rejects('MAX_ORDER_NOTIONAL_EXCEEDED'),
    );
    await assert.rejects(
      t.app.submitOrder('pct' as DeploymentId, limit('buy', '11', '100')),
      rejects(
        'MAX_POSITION_EXCEEDED',
        "MAX_POSITION_EXCEEDED: deployment 'pct' allows at most 10% of its equity ($1,000.00) in one symbol; AAPL would be worth $1,100.00 after this order",
      ),
    );
  });

  it('a paused deployment may not open positions; UNKNOWN_SYMBOL has no price', async () => {
    await t.app.setDeploymentStatus('pct' as DeploymentId, 'paused');
    await assert.rejects(
      t.app.submitOrder('pct' as DeploymentId, limit('buy', '1', '100')),
      rejects(
        'DEPLOYMENT_NOT_ACTIVE',
        "DEPLOYMENT_NOT_ACTIVE: deployment 'pct' is not active: it may only reduce or close positions (holds 0 AAPL)",
      ),
    );
    await assert.rejects(t.app.submitOrder(M, limit('buy', '1', '100', 'ZZZZ')), rejects('UNKNOWN_SYMBOL'));
  });

  it('an idempotency key returns the original order instead of a second one', async () => {
    const C = 'capped' as DeploymentId;
    const request = { ...limit('buy', '1', '50'), idempotencyKey: 'retry-1' };
    const first = await t.app.submitOrder(C, request);
    const second = await t.app.submitOrder(C, request);
    assert.equal(second.id, first.id);
    assert.equal(
      t.app.listOrders(C, { status: 'all', limit: 100 }).filter((o) => o.idempotency_key === 'retry-1').length,
      1,
    );
    await assert.rejects(t.app.submitOrder(C, { ...request, qty: dec('2') }), rejects('IDEMPOTENCY_CONFLICT'));
  });

  it("a deployment cannot cancel another deployment's order", async () => {
    const order = t.app.listOrders('capped' as DeploymentId, { status: 'open', limit: 1 })[0]!;
    await assert.rejects(t.app.cancelOrder(M, order.id), rejects('NOT_FOUND'));
  });
});
