// Each route end to end on the real application (SQLite file, seeded paper broker): the exact JSON
// that comes back, and what the request did to the books and the journal. Seed 000's example:
// alpha buys 10 AAPL at the market's next ask p → cash 10,000 − 10 p.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import { type Dec, dec, mul, toPlain } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { ADMIN, ORDER_ID, T0, setUp, tokenOf } from './fixture.js';

/** The market's second minute: orders sent at T0 fill then. */
const T1 = '2025-01-02T14:31:00.000Z';
const NO_LIMITS = {
  max_order_notional: null,
  max_position_value: null,
  max_position_pct: null,
  allowed_symbols: null,
  allow_short: false,
  max_leverage: '1',
  max_daily_loss: null,
  max_drawdown_pct: null,
  on_breach: null,
};
const plain = (d: bigint) => toPlain(d as Dec);

test('POST /deployments creates a deployment with parsed limits; GET returns it; the journal keeps them exact', async (t) => {
  const fx = await setUp(t);
  const res = await fx.call(ADMIN, {
    method: 'POST',
    url: '/deployments',
    payload: {
      id: 'gamma',
      name: 'Gamma',
      strategy: 'momentum',
      initial_capital: '2500.50',
      cost_method: 'fifo',
      limits: {
        max_order_notional: '1000',
        max_position_pct: '25',
        allowed_symbols: ['AAPL', 'BTC/USD'],
        allow_short: true,
      },
    },
  });
  const view = {
    id: 'gamma',
    name: 'Gamma',
    strategy: 'momentum',
    status: 'active',
    cost_method: 'fifo',
    initial_capital: '2500.5',
    limits: {
      max_order_notional: '1000',
      max_position_value: null,
      max_position_pct: '25',
      allowed_symbols: ['AAPL', 'BTC/USD'],
      allow_short: true,
      max_leverage: '1',
      max_daily_loss: null,
      max_drawdown_pct: null,
      on_breach: null,
    },
    created_at: T0,
    updated_at: T0,
  };
  assert.equal(res.status, 201);
  // The answer to the creation, and only it, carries the deployment's token.
  assert.deepEqual(res.body, { ...view, token: tokenOf('gamma') });
  assert.deepEqual((await fx.call(ADMIN, { url: '/deployments/gamma' })).body, view);
  // The capital comes from the house sleeve, to the cent.
  const metrics = (await fx.call(ADMIN, { url: '/deployments/gamma/metrics' })).body as Record<string, string>;
  assert.deepEqual([metrics.initial_capital, metrics.virtual_cash], ['2500.5', '2500.5']);
  assert.equal(((await fx.call(ADMIN, { url: '/account' })).body as { house: { cash: string } }).house.cash, '82499.5');
  // Read back from the store: the limits as they were parsed, exact decimal strings.
  const reread = await LedgerService.load(fx.t.store);
  assert.deepEqual(reread.deploymentInfo('gamma' as DeploymentId)?.limits, {
    max_order_notional: '1000',
    max_position_pct: '25',
    allowed_symbols: ['AAPL', 'BTC/USD'],
    allow_short: true,
  });
});

test('pause and resume change the status; paused, a deployment may not buy; stop cancels its open orders', async (t) => {
  const fx = await setUp(t);
  const status = async (action: string) => {
    const res = await fx.call(ADMIN, { method: 'POST', url: `/deployments/alpha/${action}` });
    return [res.status, (res.body as { status: string }).status];
  };
  const buy = { symbol: 'AAPL', side: 'buy', qty: '1', type: 'market' };
  assert.deepEqual(await status('pause'), [200, 'paused']);
  const refused = await fx.call(tokenOf('alpha'), { method: 'POST', url: '/deployments/alpha/orders', payload: buy });
  assert.equal(refused.status, 422);
  assert.deepEqual(refused.body, {
    code: 'DEPLOYMENT_NOT_ACTIVE',
    message:
      "DEPLOYMENT_NOT_ACTIVE: deployment 'alpha' is not active: it may only reduce or close positions (holds 0 AAPL)",
    details: { deployment: 'alpha', symbol: 'AAPL' },
  });
  assert.deepEqual(await status('resume'), [200, 'active']);

  const resting = { symbol: 'MSFT', side: 'buy', qty: '1', type: 'limit', limit_price: '1' };
  const open = (await fx.call(ADMIN, { method: 'POST', url: '/deployments/alpha/orders', payload: resting })).body as {
    id: string;
    status: string;
  };
  assert.equal(open.status, 'new');
  assert.deepEqual(await status('stop'), [200, 'stopped']);
  await fx.t.broker.idle();
  const orders = (await fx.call(ADMIN, { url: '/deployments/alpha/orders?status=all' })).body as {
    id: string;
    status: string;
    reason: string;
  }[];
  assert.deepEqual(
    orders.map((o) => [o.id, o.status, o.reason]),
    [[open.id, 'canceled', 'canceled by request']],
  );
  // The statuses are journaled: a restart reads them back.
  assert.equal((await LedgerService.load(fx.t.store)).deploymentInfo('alpha' as DeploymentId)?.status, 'stopped');
});

test("seed 000: metrics, positions and trades show only the deployment's own sleeve", async (t) => {
  const fx = await setUp(t);
  const own = tokenOf('alpha');
  const quoted = await fx.last('AAPL');
  const order = await fx.call(own, {
    method: 'POST',
    url: '/deployments/alpha/orders',
    payload: { symbol: 'AAPL', side: 'buy', qty: '10', type: 'market' },
  });
  assert.equal(order.status, 201);
  const id = (order.body as { id: string }).id;
  assert.match(id, ORDER_ID);
  assert.deepEqual(order.body, {
    id,
    deployment_id: 'alpha',
    broker_order_id: 'paper-o1',
    symbol: 'AAPL',
    side: 'buy',
    qty: '10',
    type: 'market',
    limit_price: null,
    time_in_force: 'day',
    status: 'new',
    filled_qty: '0',
    filled_avg_price: null,
    reserved_cash: plain(mul(mul(dec('10'), quoted), dec('1.02'))), // last price × qty × 1.02
    reserved_qty: '0',
    crossed_qty: '0',
    at_broker: true,
    reason: null,
    idempotency_key: null,
    created_at: T0,
    updated_at: T0,
  });
  await fx.call(ADMIN, {
    method: 'POST',
    url: '/deployments/beta/orders',
    payload: { symbol: 'AAPL', side: 'buy', qty: '5', type: 'market' },
  });
  await fx.settle('alpha');
  await fx.settle('beta');
  const p = await fx.ask('AAPL'); // both filled at the next minute's ask, without slippage or fee

  const metrics = await fx.call(own, { url: '/deployments/alpha/metrics' });
  assert.deepEqual(metrics.body, {
    id: 'alpha',
    name: 'alpha',
    strategy: 'alpha',
    status: 'active',
    cost_method: 'average',
    initial_capital: '10000',
    capital_flows: '0',
    virtual_cash: plain(dec('10000') - mul(dec('10'), p)),
    virtual_positions_value: plain(mul(dec('10'), p)),
    virtual_portfolio_value: '10000',
    realized_pnl: '0',
    unrealized_pnl: '0',
    fees: '0',
    dividends: '0',
    total_pnl: '0',
    return_pct: '0.0000',
    buying_power: plain(dec('10000') - mul(dec('10'), p)),
    reserved_cash: '0',
    open_orders: 0,
    as_of: T1,
  });
  assert.equal(
    ((await fx.call(tokenOf('beta'), { url: '/deployments/beta/metrics' })).body as { virtual_cash: string })
      .virtual_cash,
    plain(dec('5000') - mul(dec('5'), p)),
  );

  const positions = await fx.call(own, { url: '/deployments/alpha/positions' });
  assert.deepEqual(positions.body, [
    {
      symbol: 'AAPL',
      qty: '10',
      avg_cost: plain(p),
      cost_basis: plain(mul(dec('10'), p)),
      mark: plain(p),
      mark_ts: T1,
      mark_source: 'fill',
      mark_stale: false,
      market_value: plain(mul(dec('10'), p)),
      realized_pnl: '0',
      unrealized_pnl: '0',
      fees: '0',
      dividends: '0',
    },
  ]);

  const trades = await fx.call(own, { url: '/deployments/alpha/trades' });
  assert.deepEqual(trades.body, {
    trades: [
      {
        fill_id: 'paper-x1',
        order_id: id,
        symbol: 'AAPL',
        side: 'buy',
        qty: '10',
        price: plain(p),
        fee: '0',
        realized_pnl: '0',
        ts: T1,
      },
    ],
    next_cursor: null,
  });
});

test('trades page with limit and cursor; symbol, from and to filter them', async (t) => {
  const fx = await setUp(t);
  for (const qty of ['1', '2', '3']) {
    const res = await fx.call(ADMIN, {
      method: 'POST',
      url: '/deployments/alpha/orders',
      payload: { symbol: 'AAPL', side: 'buy', qty, type: 'market' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  await fx.settle('alpha');
  type Page = { trades: { qty: string }[]; next_cursor: string | null };
  const page = async (query: string) =>
    (await fx.call(ADMIN, { url: `/deployments/alpha/trades?${query}` })).body as Page;
  const page1 = await page('limit=2&symbol=AAPL&from=2025-01-01&to=2025-12-31T00:00:00Z');
  assert.deepEqual(
    page1.trades.map((t) => t.qty),
    ['1', '2'],
  );
  assert.match(page1.next_cursor!, /^\d+\.\d+$/);
  const page2 = await page(`limit=2&cursor=${page1.next_cursor}`);
  assert.deepEqual(
    page2.trades.map((t) => t.qty),
    ['3'],
  );
  assert.equal(page2.next_cursor, null);
  // The fills are at 14:31: the filters reach the store as given.
  assert.deepEqual((await page('symbol=MSFT')).trades, []);
  assert.deepEqual((await page('to=2025-01-02T14:30:59Z')).trades, []);
  assert.equal((await page('from=2025-01-02T14:31:00.000Z')).trades.length, 3);
  assert.equal((await page('limit=1')).trades.length, 1);
  const bad = await fx.call(ADMIN, { url: '/deployments/alpha/trades?cursor=abc' });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body, {
    code: 'VALIDATION_FAILED',
    message: 'cursor: not a cursor returned by this API',
    details: { fields: [{ field: 'cursor', message: 'invalid' }] },
  });
});

test('a from time without milliseconds keeps the trades of that very second', async (t) => {
  const fx = await setUp(t);
  await fx.call(ADMIN, {
    method: 'POST',
    url: '/deployments/alpha/orders',
    payload: { symbol: 'AAPL', side: 'buy', qty: '1', type: 'market' },
  });
  await fx.settle('alpha');
  const body = (await fx.call(ADMIN, { url: '/deployments/alpha/trades?from=2025-01-02T14:31:00Z' })).body as {
    trades: { ts: string }[];
  };
  assert.deepEqual(
    body.trades.map((trade) => trade.ts),
    [T1],
  );
});

test('orders: a resting limit order is listed open, canceled by DELETE, then listed closed', async (t) => {
  const fx = await setUp(t);
  const own = tokenOf('alpha');
  const placed = await fx.call(own, {
    method: 'POST',
    url: '/deployments/alpha/orders',
    payload: { symbol: 'MSFT', side: 'buy', notional: '800', type: 'limit', limit_price: '400', time_in_force: 'gtc' },
  });
  assert.equal(placed.status, 201);
  const order = placed.body as Record<string, string>;
  // qty = notional ÷ MSFT's last price (420), cut to 9 decimals; the limit price × qty is reserved.
  assert.equal(await fx.last('MSFT'), dec('420'));
  assert.deepEqual(
    [order.qty, order.limit_price, order.time_in_force, order.status, order.reserved_cash],
    ['1.904761904', '400', 'gtc', 'new', '761.9047616'],
  );
  const listed = async (query = '') =>
    ((await fx.call(own, { url: `/deployments/alpha/orders${query}` })).body as Record<string, string>[]).map((o) => [
      o.id,
      o.status,
    ]);
  assert.deepEqual(await listed(), [[order.id, 'new']]);
  assert.equal(
    ((await fx.call(own, { url: '/deployments/alpha/metrics' })).body as { reserved_cash: string }).reserved_cash,
    '761.9047616',
  );
  const canceled = await fx.call(own, { method: 'DELETE', url: `/deployments/alpha/orders/${order.id}` });
  assert.equal(canceled.status, 200);
  // The broker confirms the cancel on its stream; the answer says it is on its way.
  assert.deepEqual(canceled.body, { ...order, status: 'pending_cancel' });
  await fx.t.broker.idle();
  assert.deepEqual(await listed(), []);
  assert.deepEqual(await listed('?status=closed&limit=5'), [[order.id, 'canceled']]);
  const closed = ((await fx.call(own, { url: '/deployments/alpha/orders?status=closed' })).body as object[])[0];
  assert.deepEqual(closed, {
    ...order,
    status: 'canceled',
    reserved_cash: '0',
    at_broker: false,
    reason: 'canceled by request',
  });
  assert.equal(
    ((await fx.call(own, { url: '/deployments/alpha/metrics' })).body as { reserved_cash: string }).reserved_cash,
    '0',
  );
});

test('capital flows: a signed amount moves capital; the idempotency key makes a retry harmless', async (t) => {
  const fx = await setUp(t);
  const move = (amount: string, key?: string) =>
    fx.call(ADMIN, {
      method: 'POST',
      url: '/deployments/alpha/capital-flows',
      payload: { amount },
      headers: key ? { 'idempotency-key': key } : {},
    });
  const deposit = await move('2500.25', 'dep-1');
  assert.equal(deposit.status, 201);
  assert.deepEqual(deposit.body, { id: 'alpha:dep-1', deployment_id: 'alpha', amount: '2500.25', ts: T0 });
  const journaled = await fx.journal();
  assert.deepEqual((await move('2500.25', 'dep-1')).body, deposit.body);
  assert.equal(await fx.journal(), journaled, 'the retry writes nothing');
  assert.equal((await move('-500')).status, 201);
  const flows = await fx.call(tokenOf('alpha'), { url: '/deployments/alpha/capital-flows' });
  assert.deepEqual(
    (flows.body as { amount: string }[]).map((f) => f.amount),
    ['2500.25', '-500'],
  );
  assert.equal(
    ((await fx.call(ADMIN, { url: '/deployments/alpha/metrics' })).body as { virtual_cash: string }).virtual_cash,
    '12000.25',
  );
  // The house sleeve gave the deposit and took the withdrawal back: 85,000 − 2,500.25 + 500.
  assert.equal(
    ((await fx.call(ADMIN, { url: '/account' })).body as { house: { cash: string } }).house.cash,
    '82999.75',
  );
});

test('GET /account reports the broker, the sleeves and the house', async (t) => {
  const fx = await setUp(t);
  const res = await fx.call(ADMIN, { url: '/account' });
  assert.deepEqual(res.body, {
    broker: { cash: '100000', equity: '100000', positions: [] },
    sleeves: { cash: '15000', positions: [] },
    house: { cash: '85000', positions: [] },
    differences: [{ item: 'cash', broker: '100000', books: '100000', difference: '0', likely_cause: null }],
    reconciled: true,
    as_of: T0,
  });
});

test('GET /health is 200 when ok and 503 (same body shape) when the broker is unreachable', async (t) => {
  const fx = await setUp(t);
  const marks = {
    status: 'not_run',
    last_run_at: null,
    last_success_at: null,
    last_failure_at: null,
    last_error: null,
    consecutive_failures: 0,
    missing: [],
    stale_after_seconds: 300,
  };
  const ok = await fx.call(null, { url: '/health' });
  // The journal: the house sleeve, then each deployment and the capital the house gave it.
  assert.deepEqual(ok, {
    status: 200,
    body: { status: 'ok', store: 'sqlite ok', broker: 'ok', journal_events: 5, time: T0, marks },
    headers: ok.headers,
  });
  fx.t.link.down = true;
  const degraded = await fx.call(null, { url: '/health' });
  assert.deepEqual(degraded, {
    status: 503,
    body: {
      status: 'degraded',
      store: 'sqlite ok',
      broker: 'unreachable: paper broker account: connection refused',
      journal_events: 5,
      time: T0,
      marks,
    },
    headers: degraded.headers,
  });
  // A store that cannot be read: degraded (503) with the store's words, never a 500.
  fx.t.link.down = false;
  fx.t.store.journalStats = async () => {
    throw new Error('disk I/O error');
  };
  const storeDown = await fx.call(null, { url: '/health' });
  assert.deepEqual(
    [storeDown.status, storeDown.body],
    [
      503,
      {
        status: 'degraded',
        store: 'sqlite failing: disk I/O error',
        broker: 'ok',
        journal_events: null,
        time: T0,
        marks,
      },
    ],
  );
});

test('views are unchanged on the way out: no field added or dropped, every decimal a string', async (t) => {
  const fx = await setUp(t);
  const res = await fx.call(ADMIN, { url: '/deployments' });
  assert.deepEqual(res.body, [
    {
      id: 'alpha',
      name: 'alpha',
      strategy: 'alpha',
      status: 'active',
      cost_method: 'average',
      initial_capital: '10000',
      limits: NO_LIMITS,
      created_at: T0,
      updated_at: T0,
    },
    {
      id: 'beta',
      name: 'beta',
      strategy: 'beta',
      status: 'active',
      cost_method: 'average',
      initial_capital: '5000',
      limits: NO_LIMITS,
      created_at: T0,
      updated_at: T0,
    },
  ]);
});
