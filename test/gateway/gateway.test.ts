/**
 * The Alpaca-compatible gateway on the real app (SQLite file, paper broker enforcing Alpaca's
 * rules), over HTTP: each deployment's key pair sees and trades its own sleeve only, in Alpaca's
 * shapes and error codes, and the account still reconciles.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dec, toPlain } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { GatewayKeys } from '../../src/gateway/keys.js';
import { type Gateway, buildGateway } from '../../src/gateway/server.js';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import { usEquityHours } from '../../src/app/marks/market-hours.js';
import { Performance } from '../../src/app/performance/performance.js';
import { Recorder } from '../../src/app/marks/recorder.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

const A = 'alpha' as DeploymentId;
const B = 'beta' as DeploymentId;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('the gateway (paper broker)', () => {
  let t: TestApp;
  let gateway: Gateway;
  let base: string;
  const creds: Record<string, { keyId: string; secret: string }> = {};
  const call = async (who: DeploymentId | 'nobody', method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = {};
    if (who !== 'nobody') {
      headers['APCA-API-KEY-ID'] = creds[who]!.keyId;
      headers['APCA-API-SECRET-KEY'] = creds[who]!.secret;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text ? JSON.parse(text) : {}) as Record<string, unknown> & Record<string, string>[],
    };
  };
  const open = () => [A, B].flatMap((d) => t.app.listOrders(d, { status: 'open', limit: 50 }));

  before(async () => {
    t = await startTestApp({ seed: 4 });
    await t.app.createDeployment({ id: A, initialCapital: dec('20000') });
    await t.app.createDeployment({ id: B, initialCapital: dec('10000') });
    const keys = GatewayKeys.inMemory();
    for (const d of [A, B]) {
      const { keyId, secret } = await keys.create(d);
      creds[d] = { keyId, secret };
    }
    gateway = await buildGateway({
      app: t.app,
      keys,
      market: t.broker,
      clock: t.broker.clock,
      hours: usEquityHours,
      performance: new Performance(t.store),
      symbols: () => t.broker.symbols,
    });
    base = await gateway.fastify.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await gateway.close();
    await t.close();
  });

  it('refuses a request without a live key pair, in Alpaca’s shape', async () => {
    assert.deepEqual(await call('nobody', 'GET', '/v2/account'), {
      status: 401,
      body: { code: 40110000, message: 'request is not authorized' },
    });
    const wrong = await fetch(`${base}/v2/account`, {
      headers: { 'APCA-API-KEY-ID': creds[A]!.keyId, 'APCA-API-SECRET-KEY': 'not-the-secret' },
    });
    assert.equal(wrong.status, 401);
    const basic = await fetch(`${base}/v2/account`, {
      headers: { authorization: `Basic ${Buffer.from(`${creds[B]!.keyId}:${creds[B]!.secret}`).toString('base64')}` },
    });
    assert.equal(basic.status, 200, 'HTTP Basic key:secret, as alpaca-py can send');
  });

  it('GET /v2/account is the sleeve as an account', async () => {
    const { status, body } = await call(A, 'GET', '/v2/account');
    assert.equal(status, 200);
    assert.match(String(body.id), UUID);
    assert.deepEqual(
      [body.cash, body.equity, body.portfolio_value, body.buying_power, body.long_market_value, body.status],
      ['20000', '20000', '20000', '20000', '0', 'ACTIVE'],
    );
    assert.equal((await call(B, 'GET', '/v2/account')).body.cash, '10000');
  });

  it('orders: submit with a client order id, read back, only by its own deployment; a second use of the id is 422', async () => {
    const submitted = await call(A, 'POST', '/v2/orders', {
      symbol: 'AAPL',
      qty: 10,
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
      client_order_id: 'alpha-1',
    });
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    assert.deepEqual(
      [submitted.body.client_order_id, submitted.body.qty, submitted.body.side, submitted.body.type],
      ['alpha-1', '10', 'buy', 'market'],
    );
    assert.match(String(submitted.body.id), UUID);
    assert.deepEqual(
      await call(A, 'POST', '/v2/orders', {
        symbol: 'AAPL',
        qty: '1',
        side: 'buy',
        type: 'market',
        time_in_force: 'day',
        client_order_id: 'alpha-1',
      }),
      { status: 422, body: { code: 40010001, message: 'client_order_id must be unique' } },
    );
    await t.runUntil(() => open().length === 0);
    const id = String(submitted.body.id);
    const got = await call(A, 'GET', `/v2/orders/${id}`);
    assert.deepEqual([got.body.status, got.body.filled_qty], ['filled', '10']);
    const byClient = await call(A, 'GET', '/v2/orders:by_client_order_id?client_order_id=alpha-1');
    assert.equal(byClient.body.id, id);
    assert.deepEqual(await call(B, 'GET', `/v2/orders/${id}`), {
      status: 404,
      body: { code: 40410000, message: 'order not found' },
    });
    assert.deepEqual((await call(B, 'GET', '/v2/orders?status=all')).body, []);
    const listed = (await call(A, 'GET', '/v2/orders?status=closed&symbols=AAPL')).body;
    assert.deepEqual(
      listed.map((o) => o.client_order_id),
      ['alpha-1'],
    );
  });

  it('positions: the sleeve’s only; a 404 for a symbol it does not hold', async () => {
    const mine = (await call(A, 'GET', '/v2/positions')).body;
    assert.deepEqual(
      mine.map((p) => [p.symbol, p.qty, p.side]),
      [['AAPL', '10', 'long']],
    );
    assert.deepEqual((await call(B, 'GET', '/v2/positions')).body, []);
    assert.deepEqual(await call(B, 'GET', '/v2/positions/AAPL'), {
      status: 404,
      body: { code: 40410000, message: 'position does not exist' },
    });
  });

  it('a resting limit order is replaced (PATCH), then canceled (DELETE 204; again 422)', async () => {
    const rest = await call(A, 'POST', '/v2/orders', {
      symbol: 'AAPL',
      qty: '1',
      side: 'buy',
      type: 'limit',
      limit_price: '1.00',
      time_in_force: 'gtc',
      client_order_id: 'alpha-rest',
    });
    assert.equal(rest.status, 200);
    const replaced = await call(A, 'PATCH', `/v2/orders/${String(rest.body.id)}`, { qty: '2', limit_price: '1.5' });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.deepEqual(
      [replaced.body.qty, replaced.body.limit_price, replaced.body.replaces],
      ['2', '1.5', rest.body.id],
    );
    const old = (await call(A, 'GET', `/v2/orders/${String(rest.body.id)}`)).body;
    assert.deepEqual([old.status, old.replaced_by], ['replaced', replaced.body.id]);
    // The link is journaled with the new order, so it outlives the process: the journal folded
    // afresh (as a restart does) knows which order replaced which.
    const folded = await LedgerService.load(t.store);
    const orders = [...folded.state.orders.values()];
    const first = orders.find((o) => o.idempotencyKey === 'alpha-rest')!;
    assert.deepEqual(
      orders.filter((o) => o.replaces === first.id).map((o) => [o.deployment, o.qty, o.limitPrice].map(String)),
      [['alpha', String(dec('2')), String(dec('1.5'))]],
    );
    assert.equal((await call(A, 'DELETE', `/v2/orders/${String(replaced.body.id)}`)).status, 204);
    await t.runUntil(() => open().length === 0);
    const again = await call(A, 'DELETE', `/v2/orders/${String(replaced.body.id)}`);
    assert.deepEqual([again.status, again.body.code], [422, 42210000]);
  });

  it('closing a position closes the sleeve’s quantity only, and the account reconciles', async () => {
    await t.app.submitOrder(B, { symbol: 'AAPL', side: 'buy', qty: dec('3'), type: 'market', timeInForce: 'day' });
    await t.runUntil(() => open().length === 0);
    const closing = await call(A, 'DELETE', '/v2/positions/AAPL?percentage=50');
    assert.deepEqual([closing.status, closing.body.side, closing.body.qty], [200, 'sell', '5']);
    await t.runUntil(() => open().length === 0);
    assert.deepEqual(
      (await call(A, 'GET', '/v2/positions')).body.map((p) => p.qty),
      ['5'],
    );
    assert.deepEqual(
      (await call(B, 'GET', '/v2/positions')).body.map((p) => p.qty),
      ['3'],
    );
    const account = await t.app.account();
    assert.equal(account.reconciled, true, JSON.stringify(account.differences));
  });

  it('market data on the same URL: latest trade and quote, prices as exact JSON numbers', async () => {
    const quote = (await t.broker.latest(['AAPL' as never])).get('AAPL' as never)!;
    const response = await fetch(`${base}/v2/stocks/AAPL/trades/latest`, {
      headers: { 'APCA-API-KEY-ID': creds[A]!.keyId, 'APCA-API-SECRET-KEY': creds[A]!.secret },
    });
    const text = await response.text();
    assert.equal(response.status, 200);
    assert.match(text, new RegExp(`"p":${toPlain(quote.last!).replace('.', '\\.')}[,}]`));
    const batch = await call(A, 'GET', '/v2/stocks/quotes/latest?symbols=AAPL,NOPE');
    assert.deepEqual(Object.keys(batch.body.quotes as object), ['AAPL']);
  });

  it('portfolio history from the sleeve’s recorded closes; the calendar; the assets the market trades', async () => {
    const recorder = new Recorder(t.app.service);
    await recorder.appendHistory('close', t.broker.clock.now().toISOString());
    const metrics = t.app.metrics(A);
    const history = await fetch(`${base}/v2/account/portfolio/history?period=1W&timeframe=1D`, {
      headers: { 'APCA-API-KEY-ID': creds[A]!.keyId, 'APCA-API-SECRET-KEY': creds[A]!.secret },
    });
    assert.equal(history.status, 200);
    const body = JSON.parse(await history.text()) as Record<string, unknown[]>;
    assert.equal(body.timestamp!.length, 1);
    assert.deepEqual(
      [body.equity, body.profit_loss, body.profit_loss_pct, body.timeframe],
      [[Number(metrics.virtual_portfolio_value)], [0], [0], '1D'],
    );
    const clock = await call(A, 'GET', '/v2/clock');
    assert.deepEqual(
      [clock.body.is_open, clock.body.next_open, clock.body.next_close],
      [true, '2025-01-03T14:30:00.000Z', '2025-01-02T21:00:00.000Z'],
    );
    const calendar = await call(A, 'GET', '/v2/calendar?start=2025-01-03&end=2025-01-06');
    assert.deepEqual(
      calendar.body.map((d) => [d.date, d.open, d.close]),
      [
        ['2025-01-03', '09:30', '16:00'],
        ['2025-01-06', '09:30', '16:00'],
      ],
    );
    const assets = await call(A, 'GET', '/v2/assets');
    assert.deepEqual(
      assets.body.map((a) => [a.symbol, a.tradable]),
      t.broker.symbols.map((s) => [s, true]),
    );
  });

  it('stop, stop_limit and trailing_stop orders: submitted, read back with their prices, replaced, cancelled', async () => {
    const stop = await call(B, 'POST', '/v2/orders', {
      symbol: 'MSFT',
      qty: '1',
      side: 'buy',
      type: 'stop',
      stop_price: '2000',
      time_in_force: 'gtc',
      client_order_id: 'beta-stop',
    });
    assert.equal(stop.status, 200, JSON.stringify(stop.body));
    assert.deepEqual(
      [stop.body.type, stop.body.order_type, stop.body.stop_price, stop.body.limit_price, stop.body.status],
      ['stop', 'stop', '2000', null, stop.body.status],
    );
    const stopLimit = await call(B, 'POST', '/v2/orders', {
      symbol: 'MSFT',
      qty: '2',
      side: 'buy',
      type: 'stop_limit',
      stop_price: '1998',
      limit_price: '1999.5',
      time_in_force: 'day',
    });
    assert.equal(stopLimit.status, 200, JSON.stringify(stopLimit.body));
    assert.deepEqual(
      [stopLimit.body.type, stopLimit.body.stop_price, stopLimit.body.limit_price],
      ['stop_limit', '1998', '1999.5'],
    );
    const trailing = await call(B, 'POST', '/v2/orders', {
      symbol: 'MSFT',
      qty: '1',
      side: 'buy',
      type: 'trailing_stop',
      trail_percent: '5',
      time_in_force: 'day',
    });
    assert.equal(trailing.status, 200, JSON.stringify(trailing.body));
    assert.deepEqual(
      [trailing.body.type, trailing.body.trail_percent, trailing.body.trail_price, trailing.body.stop_price],
      ['trailing_stop', '5', null, null],
    );
    const subPenny = await call(B, 'POST', '/v2/orders', {
      symbol: 'MSFT',
      qty: '1',
      side: 'buy',
      type: 'stop',
      stop_price: '300.123',
      time_in_force: 'day',
    });
    assert.deepEqual(
      [subPenny.status, subPenny.body.code, subPenny.body.message],
      [422, 42210000, 'invalid stop_price 300.123. sub-penny increment does not fulfill minimum pricing criteria'],
    );
    const read = await call(B, 'GET', '/v2/orders:by_client_order_id?client_order_id=beta-stop');
    assert.deepEqual([read.status, read.body.stop_price, read.body.type], [200, '2000', 'stop']);
    const replaced = await call(B, 'PATCH', `/v2/orders/${String(stop.body.id)}`, { stop_price: '1990' });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.deepEqual([replaced.body.type, replaced.body.stop_price, replaced.body.qty], ['stop', '1990', '1']);
    for (const id of [replaced.body.id, stopLimit.body.id, trailing.body.id])
      assert.equal((await call(B, 'DELETE', `/v2/orders/${String(id)}`)).status, 204);
    const ended = await call(B, 'GET', '/v2/orders?status=open&symbols=MSFT');
    assert.deepEqual(ended.body, []);
    assert.equal(
      (await call(A, 'GET', '/v2/orders?status=all&symbols=MSFT')).body.length,
      0,
      'alpha sees none of them',
    );
  });

  it('refusals keep Alpaca’s codes: an unsupported order class, the sleeve’s buying power', async () => {
    const bracket = await call(B, 'POST', '/v2/orders', {
      symbol: 'AAPL',
      qty: '1',
      side: 'buy',
      type: 'market',
      order_class: 'bracket',
      take_profit: { limit_price: '400' },
      stop_loss: { stop_price: '100' },
      time_in_force: 'day',
    });
    assert.deepEqual(
      [bracket.status, bracket.body.code, bracket.body.message],
      [422, 42210000, 'order_class bracket is not supported by the Subledger gateway yet'],
    );
    const big = await call(B, 'POST', '/v2/orders', {
      symbol: 'AAPL',
      qty: '1000',
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
    });
    assert.deepEqual([big.status, big.body.code], [403, 40310000]);
    assert.match(String(big.body.message), /INSUFFICIENT_BUYING_POWER/);
  });
});
