// The real application's AppErrors keep their code, message and status (404, 409, 422, 503);
// unknown routes are 404 NOT_FOUND; anything unexpected is a 500 INTERNAL with a generic message
// and no stack. A refused request writes nothing to the journal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Dec, dec, formatMoney, mul, toPlain } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { ADMIN, setUp } from './fixture.js';

const buy = (qty: string, extra: Record<string, unknown> = {}) => ({
  method: 'POST' as const,
  url: '/deployments/alpha/orders',
  payload: { symbol: 'AAPL', side: 'buy', type: 'market', qty, ...extra },
});

test('unknown deployment → 404 NOT_FOUND', async (t) => {
  const fx = await setUp(t);
  const res = await fx.call(ADMIN, { url: '/deployments/ghost/metrics' });
  assert.equal(res.status, 404);
  assert.deepEqual(res.body, { code: 'NOT_FOUND', message: "no deployment 'ghost'", details: {} });
});

test('unknown route and unknown method → 404 NOT_FOUND in the same shape, without auth', async (t) => {
  const fx = await setUp(t);
  for (const [method, url] of [
    ['GET', '/nope'],
    ['PUT', '/deployments'],
    ['GET', '/deployments/alpha/metrics/extra?x=1'],
  ] as const) {
    const res = await fx.call(null, { method, url });
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { code: 'NOT_FOUND', message: `No route ${method} ${url.split('?')[0]}.`, details: {} });
  }
});

test('existing deployment id → 409 CONFLICT, nothing written', async (t) => {
  const fx = await setUp(t);
  const before = await fx.journal();
  const res = await fx.call(ADMIN, {
    method: 'POST',
    url: '/deployments',
    payload: { id: 'alpha', initial_capital: '1' },
  });
  assert.equal(res.status, 409);
  assert.deepEqual(res.body, { code: 'CONFLICT', message: "deployment 'alpha' already exists", details: {} });
  assert.equal(await fx.journal(), before);
});

test('canceling a filled order → 409 ORDER_NOT_CANCELABLE; an unknown order → 404', async (t) => {
  const fx = await setUp(t);
  const filled = (await fx.call(ADMIN, buy('1'))).body as { id: string };
  await fx.settle('alpha');
  const res = await fx.call(ADMIN, { method: 'DELETE', url: `/deployments/alpha/orders/${filled.id}` });
  assert.equal(res.status, 409);
  assert.deepEqual(res.body, {
    code: 'ORDER_NOT_CANCELABLE',
    message: `order ${filled.id} is already filled`,
    details: { status: 'filled' },
  });
  const unknown = await fx.call(ADMIN, { method: 'DELETE', url: '/deployments/alpha/orders/ord-999' });
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.body, {
    code: 'NOT_FOUND',
    message: "deployment 'alpha' has no order 'ord-999'",
    details: {},
  });
});

test('an idempotency key reused for another order → 409 IDEMPOTENCY_CONFLICT; the same order → the original', async (t) => {
  const fx = await setUp(t);
  const first = await fx.call(ADMIN, { ...buy('1'), headers: { 'idempotency-key': 'abc' } });
  assert.equal(first.status, 201);
  const journaled = await fx.journal();
  const again = await fx.call(ADMIN, { ...buy('1'), headers: { 'idempotency-key': 'abc' } });
  assert.equal(again.status, 201);
  assert.deepEqual(again.body, first.body);
  const other = await fx.call(ADMIN, { ...buy('2'), headers: { 'idempotency-key': 'abc' } });
  assert.equal(other.status, 409);
  const id = (first.body as { id: string }).id;
  assert.deepEqual(other.body, {
    code: 'IDEMPOTENCY_CONFLICT',
    message: `idempotency key 'abc' was already used for order ${id}, a different request`,
    details: { order_id: id },
  });
  assert.equal(await fx.journal(), journaled, 'neither the retry nor the conflict writes');
  assert.equal(fx.t.app.listOrders('alpha' as DeploymentId, { status: 'all', limit: 10 }).length, 1);
});

test('risk rejections → 422 with the code, an actionable message and details; nothing written', async (t) => {
  const fx = await setUp(t);
  const before = await fx.journal();
  const needs = mul(mul(dec('100'), await fx.last('AAPL')), dec('1.02')); // a market buy reserves last × qty × 1.02
  const res = await fx.call(ADMIN, buy('100'));
  assert.equal(res.status, 422);
  assert.deepEqual(res.body, {
    code: 'INSUFFICIENT_BUYING_POWER',
    message: `INSUFFICIENT_BUYING_POWER: deployment 'alpha' has $10,000.00 available (cash $10,000.00 − $0.00 reserved by 0 open orders); this order needs $${formatMoney(needs as Dec)}`,
    details: {
      deployment: 'alpha',
      symbol: 'AAPL',
      available: '10000',
      cash: '10000',
      reserved: '0',
      needs: toPlain(needs as Dec),
    },
  });
  const unknown = await fx.call(ADMIN, buy('1', { symbol: 'ZZZZ' }));
  assert.equal(unknown.status, 422);
  assert.deepEqual(unknown.body, {
    code: 'UNKNOWN_SYMBOL',
    message: 'UNKNOWN_SYMBOL: no market data for ZZZZ; it cannot be priced or traded here',
    details: { symbol: 'ZZZZ' },
  });
  const withdraw = await fx.call(ADMIN, {
    method: 'POST',
    url: '/deployments/beta/capital-flows',
    payload: { amount: '-5000.01' },
  });
  assert.equal(withdraw.status, 422);
  assert.deepEqual(withdraw.body, {
    code: 'INSUFFICIENT_FREE_CASH',
    message:
      "INSUFFICIENT_FREE_CASH: deployment 'beta' has $5,000.00 free (cash $5,000.00 − $0.00 reserved by 0 open orders); $5,000.01 was asked back",
    details: { available: '5000', requested: '5000.01' },
  });
  assert.equal(await fx.journal(), before);
});

test('an unreachable broker → 503 BROKER_UNAVAILABLE (retryable) on every route that needs it; nothing written', async (t) => {
  const fx = await setUp(t);
  const before = await fx.journal();
  fx.t.link.down = true;
  const unavailable = (call: string) => ({
    code: 'BROKER_UNAVAILABLE',
    message: `BROKER_UNAVAILABLE: could not reach the broker (paper broker ${call}: connection refused); retry later`,
    details: { retryable: true },
  });
  const order = await fx.call(ADMIN, buy('1'));
  assert.equal(order.status, 503);
  assert.deepEqual(order.body, unavailable('latest'));
  const account = await fx.call(ADMIN, { url: '/account' });
  assert.equal(account.status, 503);
  assert.deepEqual(account.body, unavailable('account'));
  assert.equal(await fx.journal(), before);
  fx.t.link.down = false;
  assert.equal((await fx.call(ADMIN, buy('1'))).status, 201, 'once the broker answers again, the order goes');
});

test('an unexpected error → 500 INTERNAL, generic message, request id, no stack or cause', async (t) => {
  const fx = await setUp(t);
  await fx.t.store.close(); // the database goes away under the app: its next query throws
  const res = await fx.call(ADMIN, { url: '/deployments/alpha/trades' });
  assert.equal(res.status, 500);
  const body = res.body as { code: string; message: string; details: { request_id: string } };
  assert.deepEqual(body, {
    code: 'INTERNAL',
    message: 'An unexpected error occurred; it has been logged.',
    details: { request_id: res.headers['x-request-id'] },
  });
  assert.doesNotMatch(JSON.stringify(body), /driver|destroyed|Error|at .*\.ts/); // not a word of the cause
});

test('a response that breaks the response schema → 500 INTERNAL, never a malformed body', async (t) => {
  const fx = await setUp(t);
  // A bug planted in the real app: one position view with a qty that is not a decimal.
  const real = fx.t.app.positions.bind(fx.t.app);
  fx.t.app.positions = (id) => real(id).concat([{ symbol: 'AAPL', qty: 'NaN' } as never]);
  const res = await fx.call(ADMIN, { url: '/deployments/alpha/positions' });
  assert.equal(res.status, 500);
  assert.equal((res.body as { code: string }).code, 'INTERNAL');
});
