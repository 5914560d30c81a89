/**
 * Shorts in the risk check (issue 12, item 5), over HTTP on the real application (SQLite file,
 * paper broker): short-sale proceeds are not buying power, an open short holds back its value plus
 * the 50 % margin, GET …/metrics reports the same buying power the check uses, closing a short is
 * never blocked, and `max_leverage` caps gross exposure at equity × max_leverage.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Dec, abs, dec, formatMoney, mul, toPlain } from '../../src/core/decimal.js';
import type { Symbol } from '../../src/core/ids.js';
import { buildServer } from '../../src/http/server.js';
import { deploymentToken } from '../../src/http/auth.js';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import { replay } from '../../src/app/journal/replay.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

const auth = { adminToken: 'admin-token-0123456789', tokenSecret: 'secret-0123456789abcdef' };
const admin = { authorization: `Bearer ${auth.adminToken}` };
const tokenOf = (id: string) => ({ authorization: `Bearer ${deploymentToken(auth.tokenSecret, id)}` });
const AAPL = 'AAPL' as Symbol;
const $ = (d: Dec) => (d < 0n ? `-$${formatMoney(abs(d))}` : `$${formatMoney(d)}`);

describe('shorts and max_leverage over HTTP', () => {
  let t: TestApp;
  let http: FastifyInstance;
  const call = async (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: object) => {
    const r = await http.inject({
      method,
      url,
      headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(payload ? { payload: JSON.stringify(payload) } : {}),
    });
    return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined };
  };
  const order = (id: string, body: object) => call('POST', `/deployments/${id}/orders`, tokenOf(id), body);
  const metrics = async (id: string) => (await call('GET', `/deployments/${id}/metrics`, tokenOf(id))).body;
  const last = async () => (await t.broker.latest([AAPL])).get(AAPL)!.last!;
  const settle = (id: string) =>
    t.runUntil(() => t.app.listOrders(id as never, { status: 'open', limit: 10 }).length === 0);

  before(async () => {
    t = await startTestApp({ seed: 11 });
    http = buildServer({ api: t.app, auth });
    const create = async (body: object) => {
      const r = await call('POST', '/deployments', admin, body);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    };
    await create({ id: 'shorty', initial_capital: '20000', limits: { allow_short: true } });
    await create({ id: 'lev', initial_capital: '10000', limits: { max_leverage: '0.5' } });
  });
  after(async () => {
    await http.close();
    await t.close();
  });

  it('limits show max_leverage: the default 1, or the value set; it must be > 0', async () => {
    assert.equal((await call('GET', '/deployments/shorty', admin)).body.limits.max_leverage, '1');
    assert.equal((await call('GET', '/deployments/lev', admin)).body.limits.max_leverage, '0.5');
    const bad = await call('POST', '/deployments', admin, {
      id: 'x',
      initial_capital: '1',
      limits: { max_leverage: '0' },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.details.fields, [{ field: 'limits.max_leverage', message: 'must be greater than 0' }]);
  });

  it("the issue's first short sale (~$19,800 on a $20,000 sleeve) is refused: proceeds are not buying power", async () => {
    const short = mul(dec('104'), await last());
    const r = await order('shorty', { symbol: 'AAPL', side: 'sell', qty: '104', type: 'market' });
    assert.equal(r.status, 422);
    assert.equal(r.body.code, 'INSUFFICIENT_BUYING_POWER');
    assert.equal(
      r.body.message,
      `INSUFFICIENT_BUYING_POWER: deployment 'shorty' has $20,000.00 available (cash $20,000.00 − $0.00 reserved by 0 open orders); this order needs ${$(mul(short, dec('1.5')))} (a short sale of ${$(short)} plus 50% margin)`,
    );
  });

  it('three short sales of 30 AAPL: two fill, the third is refused; metrics report the same buying power', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await order('shorty', { symbol: 'AAPL', side: 'sell', qty: '30', type: 'market' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      await settle('shorty');
    }
    const m = await metrics('shorty');
    const cash = dec(m.virtual_cash);
    const shorts = abs(dec(m.virtual_positions_value));
    assert.ok(dec(m.virtual_positions_value) < 0n);
    const heldBack = mul(shorts, dec('2.5')); // owed back (100 %) + value and margin (150 %)
    const available = (cash - heldBack) as Dec;
    assert.equal(m.buying_power, toPlain(available));
    assert.equal(m.reserved_cash, '0');
    // = equity − 150 % of the shorts
    assert.equal(available, dec(m.virtual_portfolio_value) - mul(shorts, dec('1.5')));

    const sale = mul(dec('30'), await last());
    const r = await order('shorty', { symbol: 'AAPL', side: 'sell', qty: '30', type: 'market' });
    assert.equal(r.status, 422);
    assert.equal(
      r.body.message,
      `INSUFFICIENT_BUYING_POWER: deployment 'shorty' has ${$(available)} available (cash ${$(cash)} − $0.00 reserved by 0 open orders − ${$(heldBack)} held back by shorts worth ${$(shorts)}); this order needs ${$(mul(sale, dec('1.5')))} (a short sale of ${$(sale)} plus 50% margin)`,
    );
  });

  it('short-sale proceeds cannot be withdrawn either: a withdrawal is bounded by the same buying power', async () => {
    const m = await metrics('shorty');
    const over = (dec(m.buying_power) + dec('0.01')) as Dec;
    const refused = await call('POST', '/deployments/shorty/capital-flows', admin, { amount: toPlain(-over as Dec) });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'INSUFFICIENT_FREE_CASH');
    assert.equal(refused.body.details.available, m.buying_power);
    const ok = await call('POST', '/deployments/shorty/capital-flows', admin, { amount: '-0.01' });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    await call('POST', '/deployments/shorty/capital-flows', admin, { amount: '0.01' });
  });

  it('closing the short is allowed though its reservation is larger than the buying power', async () => {
    const before = await metrics('shorty');
    const reserve = mul(mul(dec('60'), await last()), dec('1.02'));
    assert.ok(reserve > dec(before.buying_power), `${toPlain(reserve)} > ${before.buying_power}`);
    const r = await order('shorty', { symbol: 'AAPL', side: 'buy', qty: '60', type: 'market' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.reserved_cash, toPlain(reserve));
    // While it is open, the buying power is unchanged: the short already holds its cost back.
    assert.equal((await metrics('shorty')).buying_power, before.buying_power);
    await settle('shorty');
    const flat = await metrics('shorty');
    assert.equal(flat.virtual_positions_value, '0');
    assert.equal(flat.buying_power, flat.virtual_cash);
  });

  it('max_leverage 0.5 refuses an order that would take gross exposure over half the equity', async () => {
    const limit = (qty: string) => ({ symbol: 'AAPL', side: 'buy', qty, type: 'limit', limit_price: '1' });
    assert.equal((await order('lev', limit('4000'))).status, 201); // rests far below the market
    const r = await order('lev', limit('1500'));
    assert.equal(r.status, 422);
    assert.equal(r.body.code, 'MAX_LEVERAGE_EXCEEDED');
    assert.equal(
      r.body.message,
      "MAX_LEVERAGE_EXCEEDED: deployment 'lev' may hold at most $5,000.00 of gross exposure (max_leverage 0.5 × equity $10,000.00); it holds $4,000.00 in positions and open orders, so $1,000.00 more fits; this order adds $1,500.00",
    );
    assert.equal((await order('lev', limit('1000'))).status, 201);
  });

  it('the journal keeps max_leverage: read back from the store, and a replay finds no difference', async () => {
    const reread = await LedgerService.load(t.store, { now: () => t.broker.clock.now() });
    assert.deepEqual(reread.deploymentInfo('lev' as never)?.limits, { max_leverage: '0.5' });
    assert.deepEqual((await replay(t.store, { dryRun: true })).differences, []);
  });
});
