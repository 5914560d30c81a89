/**
 * Seed 000's "Testing" section, end to end over HTTP on the real application (SQLite file, paper
 * broker): create 2 deployments with the same symbol, let them trade, check metrics, positions and
 * trades are each deployment's own, the account shows the sum, tokens see only their own sleeve,
 * and reservations are released on every terminal status.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.js';
import { deploymentToken } from '../../src/http/auth.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

const auth = { adminToken: 'admin-token-0123456789', tokenSecret: 'secret-0123456789abcdef' };
const admin = { authorization: `Bearer ${auth.adminToken}` };
const tokenOf = (id: string) => ({ authorization: `Bearer ${deploymentToken(auth.tokenSecret, id)}` });

describe('seed 000 test plan over HTTP', () => {
  let t: TestApp;
  let http: FastifyInstance;
  const call = async (
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    headers: Record<string, string>,
    payload?: object,
  ) => {
    const r = await http.inject({
      method,
      url,
      headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(payload ? { payload: JSON.stringify(payload) } : {}),
    });
    return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined };
  };
  const settle = async (id: string) => {
    await t.runUntil(() => t.app.listOrders(id as never, { status: 'open', limit: 10 }).length === 0);
  };

  before(async () => {
    t = await startTestApp({ seed: 11 });
    http = buildServer({ api: t.app, auth });
    for (const id of ['a', 'b']) {
      const r = await call('POST', '/deployments', admin, {
        id,
        initial_capital: '10000',
        strategy: id === 'a' ? 'momentum' : 'mean-reversion',
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    assert.equal(
      (
        await call('POST', '/deployments/a/orders', tokenOf('a'), {
          symbol: 'AAPL',
          side: 'buy',
          qty: '10',
          type: 'market',
        })
      ).status,
      201,
    );
    assert.equal(
      (
        await call('POST', '/deployments/b/orders', tokenOf('b'), {
          symbol: 'AAPL',
          side: 'buy',
          qty: '5',
          type: 'market',
        })
      ).status,
      201,
    );
    await settle('a');
    await settle('b');
    await t.broker.run(3);
    await t.app.markToMarket();
  });
  after(async () => {
    await http.close();
    await t.close();
  });

  it('GET /deployments/{id}/metrics: different portfolio values, independent P&L', async () => {
    const a = (await call('GET', '/deployments/a/metrics', tokenOf('a'))).body;
    const b = (await call('GET', '/deployments/b/metrics', tokenOf('b'))).body;
    assert.notEqual(a.virtual_portfolio_value, b.virtual_portfolio_value);
    assert.notEqual(a.unrealized_pnl, b.unrealized_pnl);
    assert.equal(a.initial_capital, '10000');
    for (const m of [a, b]) {
      // virtual portfolio value = virtual cash + virtual positions value, exactly
      assert.equal(Number.isNaN(Number(m.virtual_portfolio_value)), false);
      assert.equal(
        BigInt(scaled(m.virtual_cash)) + BigInt(scaled(m.virtual_positions_value)),
        BigInt(scaled(m.virtual_portfolio_value)),
      );
    }
  });

  it("GET /deployments/{id}/positions: only that deployment's positions", async () => {
    const a = (await call('GET', '/deployments/a/positions', tokenOf('a'))).body;
    const b = (await call('GET', '/deployments/b/positions', tokenOf('b'))).body;
    assert.deepEqual(
      a.map((p: { symbol: string; qty: string }) => [p.symbol, p.qty]),
      [['AAPL', '10']],
    );
    assert.deepEqual(
      b.map((p: { symbol: string; qty: string }) => [p.symbol, p.qty]),
      [['AAPL', '5']],
    );
  });

  it("GET /deployments/{id}/trades: only that deployment's trades", async () => {
    const a = (await call('GET', '/deployments/a/trades', tokenOf('a'))).body;
    const b = (await call('GET', '/deployments/b/trades', tokenOf('b'))).body;
    const qty = (page: { trades: { qty: string }[] }) => page.trades.reduce((s, x) => s + Number(x.qty), 0);
    assert.equal(qty(a), 10);
    assert.equal(qty(b), 5);
    assert.ok(a.trades.every((x: { order_id: string }) => x.order_id.startsWith('s.a.')));
    assert.ok(b.trades.every((x: { order_id: string }) => x.order_id.startsWith('s.b.')));
  });

  it('GET /account: the broker holds the sum, and it reconciles', async () => {
    const r = await call('GET', '/account', admin);
    assert.equal(r.status, 200);
    assert.equal(r.body.reconciled, true);
    assert.deepEqual(r.body.broker.positions, [{ symbol: 'AAPL', qty: '15' }]);
  });

  it("a deployment's token cannot read or cancel another's data", async () => {
    assert.equal((await call('GET', '/deployments/b/metrics', tokenOf('a'))).status, 403);
    assert.equal((await call('GET', '/deployments/b/trades', tokenOf('a'))).status, 403);
    const order = await call('POST', '/deployments/b/orders', tokenOf('b'), {
      symbol: 'AAPL',
      side: 'buy',
      qty: '1',
      type: 'limit',
      limit_price: '1.00',
      time_in_force: 'gtc',
    });
    assert.equal(order.status, 201);
    assert.equal((await call('DELETE', `/deployments/b/orders/${order.body.id}`, tokenOf('a'))).status, 403);
    assert.equal((await call('DELETE', `/deployments/a/orders/${order.body.id}`, tokenOf('a'))).status, 404);
  });

  it('reservations are released on fill, cancel, reject and expiry', async () => {
    const reserved = async (id: string) => (await call('GET', `/deployments/${id}/metrics`, admin)).body.reserved_cash;
    // cancel
    const open = (await call('GET', '/deployments/b/orders?status=open', tokenOf('b'))).body;
    assert.equal(await reserved('b'), '1');
    for (const o of open) await call('DELETE', `/deployments/b/orders/${o.id}`, tokenOf('b'));
    await settle('b');
    assert.equal(await reserved('b'), '0');
    // fill
    const buy = await call('POST', '/deployments/a/orders', tokenOf('a'), {
      symbol: 'AAPL',
      side: 'buy',
      qty: '1',
      type: 'market',
    });
    assert.notEqual(await reserved('a'), '0');
    await settle('a');
    assert.equal(
      (await call('GET', '/deployments/a/orders?status=closed', tokenOf('a'))).body.find(
        (o: { id: string }) => o.id === buy.body.id,
      ).status,
      'filled',
    );
    assert.equal(await reserved('a'), '0');
    // reject: the broker refuses a sub-penny limit price
    const bad = await call('POST', '/deployments/a/orders', tokenOf('a'), {
      symbol: 'AAPL',
      side: 'buy',
      qty: '1',
      type: 'limit',
      limit_price: '100.001',
    });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.code, 'BROKER_REJECTED');
    assert.equal(await reserved('a'), '0');
    // expiry: a day order left open when the trading day ends
    const day = await call('POST', '/deployments/a/orders', tokenOf('a'), {
      symbol: 'AAPL',
      side: 'buy',
      qty: '1',
      type: 'limit',
      limit_price: '1.00',
      time_in_force: 'day',
    });
    assert.equal(await reserved('a'), '1');
    await t.runUntil(() => t.app.listOrders('a' as never, { status: 'open', limit: 10 }).length === 0, 2000);
    const expired = (await call('GET', '/deployments/a/orders?status=closed', tokenOf('a'))).body.find(
      (o: { id: string }) => o.id === day.body.id,
    );
    assert.equal(expired.status, 'expired');
    assert.equal(await reserved('a'), '0');
  });
});

/** A decimal string as an integer count of 10^-18 (test arithmetic only). */
function scaled(text: string): string {
  const [whole, frac = ''] = text.replace('-', '').split('.');
  const v = BigInt(whole!) * 10n ** 18n + BigInt(frac.padEnd(18, '0') || '0');
  return (text.startsWith('-') ? -v : v).toString();
}
