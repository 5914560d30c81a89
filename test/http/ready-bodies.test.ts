/**
 * The read routes served from bodies kept between commits (src/http/ready-bodies.ts): a read
 * after a commit shows the commit; between commits a read shows the time that passed (metrics'
 * `as_of`); every body equals the app's own view, encoded by the route's schema.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeploymentId } from '../../src/core/ids.js';
import { dec } from '../../src/core/decimal.js';
import { ADMIN, setUp } from './fixture.js';

const alpha = 'alpha' as DeploymentId;

test('metrics: as_of follows the clock between commits, the figures follow each commit', async (t) => {
  const fx = await setUp(t);
  const metrics = async () => (await fx.call(ADMIN, { method: 'GET', url: '/deployments/alpha/metrics' })).body;
  const first = (await metrics()) as Record<string, unknown>;
  assert.deepEqual(first, fx.t.app.metrics(alpha));

  const journal = await fx.journal();
  await fx.t.broker.step(); // a minute passes, nothing is journaled
  assert.equal(await fx.journal(), journal);
  const later = (await metrics()) as Record<string, unknown>;
  assert.equal(later.as_of, fx.t.broker.clock.now().toISOString());
  assert.notEqual(later.as_of, first.as_of);
  assert.deepEqual({ ...later, as_of: first.as_of }, first);

  await fx.t.app.moveCapital(alpha, dec('250'));
  const moved = (await metrics()) as Record<string, unknown>;
  assert.equal(moved.virtual_cash, '10250');
  assert.deepEqual(moved, fx.t.app.metrics(alpha));
});

test('orders: a submitted order is listed at once, each status and limit its own body', async (t) => {
  const fx = await setUp(t);
  const list = async (query: string) =>
    (await fx.call(ADMIN, { method: 'GET', url: `/deployments/alpha/orders?${query}` })).body as { id: string }[];
  assert.deepEqual(await list('status=all&limit=10'), []);
  const order = { symbol: 'AAPL', side: 'buy', qty: '1', type: 'limit', limit_price: '1', time_in_force: 'day' };
  const placed = await fx.call(ADMIN, { method: 'POST', url: '/deployments/alpha/orders', payload: order });
  assert.equal(placed.status, 201);
  const id = (placed.body as { id: string }).id;
  assert.deepEqual(
    (await list('status=open&limit=10')).map((o) => o.id),
    [id],
  );
  assert.deepEqual(await list('status=closed&limit=10'), []);
  assert.deepEqual(await list('status=all&limit=10'), fx.t.app.listOrders(alpha, { status: 'all', limit: 10 }));

  const canceled = await fx.call(ADMIN, { method: 'DELETE', url: `/deployments/alpha/orders/${id}` });
  assert.equal(canceled.status, 200);
  await fx.settle('alpha');
  assert.deepEqual(await list('status=open&limit=10'), []);
  assert.deepEqual(
    (await list('status=closed&limit=10')).map((o) => o.id),
    [id],
  );
});

test('positions: the body is the app view, and a fill shows at once', async (t) => {
  const fx = await setUp(t);
  const positions = async () => (await fx.call(ADMIN, { method: 'GET', url: '/deployments/alpha/positions' })).body;
  assert.deepEqual(await positions(), []);
  const order = { symbol: 'AAPL', side: 'buy', qty: '2', type: 'market', time_in_force: 'day' };
  assert.equal(
    (await fx.call(ADMIN, { method: 'POST', url: '/deployments/alpha/orders', payload: order })).status,
    201,
  );
  await fx.settle('alpha');
  const shown = (await positions()) as { symbol: string; qty: string }[];
  assert.deepEqual(
    shown.map((p) => [p.symbol, p.qty]),
    [['AAPL', '2']],
  );
  assert.deepEqual(shown, fx.t.app.positions(alpha));
});
