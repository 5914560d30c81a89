// Each route end to end over the fake facade: what the facade receives (parsed, exact Dec) and
// the exact JSON that comes back. Seed 000's example: alpha buys 10 AAPL @ 150 → cash 8,500.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN, setUp, tokenOf } from './fixture.js';

const T = '2025-01-02T15:00:00.000Z';
const NO_LIMITS = {
  max_order_notional: null,
  max_position_value: null,
  max_position_pct: null,
  allowed_symbols: null,
  allow_short: false,
};

test('POST /deployments creates a deployment with parsed limits; GET returns it', async () => {
  const fx = await setUp();
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
    },
    created_at: T,
    updated_at: T,
  };
  assert.equal(res.status, 201);
  assert.deepEqual(res.body, view);
  assert.deepEqual(fx.api.callsOf('createDeployment')[0]!.args, [
    {
      id: 'gamma',
      name: 'Gamma',
      strategy: 'momentum',
      initialCapital: 2_500_500_000_000_000_000_000n,
      costMethod: 'fifo',
      limits: {
        maxOrderNotional: 1000n * 10n ** 18n,
        maxPositionValue: undefined,
        maxPositionPct: 25n * 10n ** 18n,
        allowedSymbols: ['AAPL', 'BTC/USD'],
        allowShort: true,
      },
    },
  ]);
  assert.deepEqual((await fx.call(ADMIN, { url: '/deployments/gamma' })).body, view);
});

test('pause, resume and stop change the status; a stopped deployment cannot resume (409)', async () => {
  const fx = await setUp();
  const status = async (action: string) => {
    const res = await fx.call(ADMIN, { method: 'POST', url: `/deployments/alpha/${action}` });
    return [res.status, (res.body as { status?: string; code?: string }).status ?? (res.body as { code: string }).code];
  };
  assert.deepEqual(await status('pause'), [200, 'paused']);
  assert.deepEqual(await status('resume'), [200, 'active']);
  assert.deepEqual(await status('stop'), [200, 'stopped']);
  assert.deepEqual(await status('resume'), [409, 'CONFLICT']);
  assert.deepEqual(
    fx.api.callsOf('setDeploymentStatus').map((c) => c.args[1]),
    ['paused', 'active', 'stopped', 'active'],
  );
});

test("seed 000: metrics, positions and trades show only the deployment's own sleeve", async () => {
  const fx = await setUp();
  const own = tokenOf('alpha');
  const order = await fx.call(own, {
    method: 'POST',
    url: '/deployments/alpha/orders',
    payload: { symbol: 'AAPL', side: 'buy', qty: '10', type: 'market' },
  });
  assert.equal(order.status, 201);
  assert.deepEqual(order.body, {
    id: 'ord-1',
    deployment_id: 'alpha',
    broker_order_id: 'brk-1',
    symbol: 'AAPL',
    side: 'buy',
    qty: '10',
    type: 'market',
    limit_price: null,
    time_in_force: 'day',
    status: 'filled',
    filled_qty: '10',
    filled_avg_price: '150',
    reserved_cash: '0',
    reserved_qty: '0',
    reason: null,
    idempotency_key: null,
    created_at: T,
    updated_at: T,
  });
  await fx.call(ADMIN, {
    method: 'POST',
    url: '/deployments/beta/orders',
    payload: { symbol: 'AAPL', side: 'buy', qty: '5', type: 'market' },
  });

  const metrics = await fx.call(own, { url: '/deployments/alpha/metrics' });
  assert.deepEqual(metrics.body, {
    id: 'alpha',
    name: 'alpha',
    strategy: '',
    status: 'active',
    cost_method: 'average',
    initial_capital: '10000',
    capital_flows: '0',
    virtual_cash: '8500',
    virtual_positions_value: '1500',
    virtual_portfolio_value: '10000',
    realized_pnl: '0',
    unrealized_pnl: '0',
    fees: '0',
    dividends: '0',
    total_pnl: '0',
    return_pct: '0.00',
    buying_power: '8500',
    reserved_cash: '0',
    open_orders: 0,
    as_of: T,
  });
  assert.equal(
    ((await fx.call(tokenOf('beta'), { url: '/deployments/beta/metrics' })) as { body: { virtual_cash: string } }).body
      .virtual_cash,
    '4250',
  );

  const positions = await fx.call(own, { url: '/deployments/alpha/positions' });
  assert.deepEqual(positions.body, [
    {
      symbol: 'AAPL',
      qty: '10',
      avg_cost: '150',
      cost_basis: '1500',
      mark: '150',
      mark_ts: T,
      mark_source: 'fake',
      mark_stale: false,
      market_value: '1500',
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
        fill_id: 'fill-2',
        order_id: 'ord-1',
        symbol: 'AAPL',
        side: 'buy',
        qty: '10',
        price: '150',
        fee: '0',
        realized_pnl: '0',
        ts: T,
      },
    ],
    next_cursor: null,
  });
  assert.deepEqual(fx.api.callsOf('trades')[0]!.args, ['alpha', { limit: 100 }]);
});

test('trades pages with limit and cursor; the query reaches the facade parsed', async () => {
  const fx = await setUp();
  for (const qty of ['1', '2', '3']) {
    await fx.call(ADMIN, {
      method: 'POST',
      url: '/deployments/alpha/orders',
      payload: { symbol: 'AAPL', side: 'buy', qty, type: 'market' },
    });
  }
  const page1 = (
    await fx.call(ADMIN, {
      url: '/deployments/alpha/trades?limit=2&symbol=AAPL&from=2025-01-01&to=2025-12-31T00:00:00Z',
    })
  ).body as {
    trades: { qty: string }[];
    next_cursor: string | null;
  };
  assert.deepEqual(
    page1.trades.map((t) => t.qty),
    ['1', '2'],
  );
  assert.equal(page1.next_cursor, '2');
  const page2 = (await fx.call(ADMIN, { url: `/deployments/alpha/trades?limit=2&cursor=${page1.next_cursor}` }))
    .body as typeof page1;
  assert.deepEqual(
    page2.trades.map((t) => t.qty),
    ['3'],
  );
  assert.equal(page2.next_cursor, null);
  assert.deepEqual(fx.api.callsOf('trades')[0]!.args, [
    'alpha',
    { symbol: 'AAPL', from: '2025-01-01', to: '2025-12-31T00:00:00Z', limit: 2 },
  ]);
});

test('orders: a resting limit order is listed open, canceled by DELETE, then listed closed', async () => {
  const fx = await setUp();
  const own = tokenOf('alpha');
  const placed = (
    await fx.call(own, {
      method: 'POST',
      url: '/deployments/alpha/orders',
      payload: {
        symbol: 'MSFT',
        side: 'buy',
        notional: '800',
        type: 'limit',
        limit_price: '400',
        time_in_force: 'gtc',
      },
    })
  ).body as { id: string; qty: string; status: string; reserved_cash: string };
  assert.deepEqual([placed.qty, placed.status, placed.reserved_cash], ['2', 'new', '800']);
  assert.deepEqual(
    ((await fx.call(own, { url: '/deployments/alpha/orders' })).body as { id: string }[]).map((o) => o.id),
    [placed.id],
  );
  const canceled = await fx.call(own, { method: 'DELETE', url: `/deployments/alpha/orders/${placed.id}` });
  assert.equal(canceled.status, 200);
  assert.equal((canceled.body as { status: string }).status, 'canceled');
  assert.deepEqual((await fx.call(own, { url: '/deployments/alpha/orders' })).body, []);
  assert.equal(
    ((await fx.call(own, { url: '/deployments/alpha/orders?status=closed&limit=5' })).body as unknown[]).length,
    1,
  );
  assert.deepEqual(
    fx.api.callsOf('listOrders').map((c) => c.args[1]),
    [
      { status: 'open', limit: 100 },
      { status: 'open', limit: 100 },
      { status: 'closed', limit: 5 },
    ],
  );
});

test('capital flows: a signed amount moves capital; the idempotency key makes a retry harmless', async () => {
  const fx = await setUp();
  const move = (amount: string, key?: string) =>
    fx.call(ADMIN, {
      method: 'POST',
      url: '/deployments/alpha/capital-flows',
      payload: { amount },
      headers: key ? { 'idempotency-key': key } : {},
    });
  const deposit = await move('2500.25', 'dep-1');
  assert.equal(deposit.status, 201);
  assert.deepEqual(deposit.body, { id: 'cf-1', deployment_id: 'alpha', amount: '2500.25', ts: T });
  assert.deepEqual((await move('2500.25', 'dep-1')).body, deposit.body);
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
  assert.deepEqual(fx.api.callsOf('moveCapital')[0]!.args, ['alpha', 2_500_250_000_000_000_000_000n, 'dep-1']);
});

test('GET /account reports the broker, the sleeves and the house', async () => {
  const fx = await setUp();
  const res = await fx.call(ADMIN, { url: '/account' });
  assert.deepEqual(res.body, {
    broker: { cash: '15000', equity: '15000', positions: [] },
    sleeves: { cash: '15000', positions: [] },
    house: { cash: '0', positions: [] },
    differences: [],
    reconciled: true,
    as_of: T,
  });
});

test('GET /health is 200 when ok and 503 (same body shape) when degraded', async () => {
  const fx = await setUp();
  const ok = await fx.call(null, { url: '/health' });
  assert.deepEqual(ok, {
    status: 200,
    body: { status: 'ok', store: 'memory', broker: 'fake', journal_events: 2, time: T },
    headers: ok.headers,
  });
  fx.api.health = async () => ({ status: 'degraded', store: 'ok', broker: 'unreachable', journal_events: 2, time: T });
  const degraded = await fx.call(null, { url: '/health' });
  assert.equal(degraded.status, 503);
  assert.equal((degraded.body as { broker: string }).broker, 'unreachable');
});

test('views are unchanged on the way out: no field added or dropped, every decimal a string', async () => {
  const fx = await setUp();
  const res = await fx.call(ADMIN, { url: '/deployments' });
  assert.deepEqual(res.body, [
    {
      id: 'alpha',
      name: 'alpha',
      strategy: '',
      status: 'active',
      cost_method: 'average',
      initial_capital: '10000',
      limits: NO_LIMITS,
      created_at: T,
      updated_at: T,
    },
    {
      id: 'beta',
      name: 'beta',
      strategy: '',
      status: 'active',
      cost_method: 'average',
      initial_capital: '5000',
      limits: NO_LIMITS,
      created_at: T,
      updated_at: T,
    },
  ]);
});
