// The facade's AppErrors keep their code and status (404, 409, 422, 503); unknown routes are
// 404 NOT_FOUND; anything unexpected is a 500 INTERNAL with a generic message and no stack.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../src/app/errors.js';
import { ADMIN, setUp } from './fixture.js';

const buy = (qty: string, extra: Record<string, unknown> = {}) => ({
  method: 'POST' as const,
  url: '/deployments/alpha/orders',
  payload: { symbol: 'AAPL', side: 'buy', type: 'market', qty, ...extra },
});

test('unknown deployment → 404 NOT_FOUND from the facade', async () => {
  const fx = await setUp();
  const res = await fx.call(ADMIN, { url: '/deployments/ghost/metrics' });
  assert.equal(res.status, 404);
  assert.deepEqual(res.body, {
    code: 'NOT_FOUND',
    message: "No deployment 'ghost'.",
    details: { deployment_id: 'ghost' },
  });
});

test('unknown route and unknown method → 404 NOT_FOUND in the same shape, without auth', async () => {
  const fx = await setUp();
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

test('existing deployment id → 409 CONFLICT', async () => {
  const fx = await setUp();
  const res = await fx.call(ADMIN, {
    method: 'POST',
    url: '/deployments',
    payload: { id: 'alpha', initial_capital: '1' },
  });
  assert.equal(res.status, 409);
  assert.deepEqual(res.body, {
    code: 'CONFLICT',
    message: "Deployment 'alpha' already exists.",
    details: { deployment_id: 'alpha' },
  });
});

test('canceling a filled order → 409 ORDER_NOT_CANCELABLE; an unknown order → 404', async () => {
  const fx = await setUp();
  const filled = (await fx.call(ADMIN, buy('1'))).body as { id: string };
  const res = await fx.call(ADMIN, { method: 'DELETE', url: `/deployments/alpha/orders/${filled.id}` });
  assert.equal(res.status, 409);
  assert.deepEqual(res.body, {
    code: 'ORDER_NOT_CANCELABLE',
    message: `Order '${filled.id}' is already filled.`,
    details: { order_id: filled.id, status: 'filled' },
  });
  assert.equal((await fx.call(ADMIN, { method: 'DELETE', url: '/deployments/alpha/orders/ord-999' })).status, 404);
});

test('an idempotency key reused for another order → 409 IDEMPOTENCY_CONFLICT; the same order → the original', async () => {
  const fx = await setUp();
  const first = await fx.call(ADMIN, { ...buy('1'), headers: { 'idempotency-key': 'abc' } });
  const again = await fx.call(ADMIN, { ...buy('1'), headers: { 'idempotency-key': 'abc' } });
  assert.deepEqual(again.body, first.body);
  const other = await fx.call(ADMIN, { ...buy('2'), headers: { 'idempotency-key': 'abc' } });
  assert.equal(other.status, 409);
  assert.equal((other.body as { code: string }).code, 'IDEMPOTENCY_CONFLICT');
});

test('risk rejections → 422 with the facade code, message and details', async () => {
  const fx = await setUp();
  const res = await fx.call(ADMIN, buy('100'));
  assert.equal(res.status, 422);
  assert.deepEqual(res.body, {
    code: 'INSUFFICIENT_BUYING_POWER',
    message: 'Order needs 15000; buying power is 10000.',
    details: { deployment_id: 'alpha', symbol: 'AAPL' },
  });
  const unknown = await fx.call(ADMIN, buy('1', { symbol: 'ZZZZ' }));
  assert.equal(unknown.status, 422);
  assert.equal((unknown.body as { code: string }).code, 'UNKNOWN_SYMBOL');
  const withdraw = await fx.call(ADMIN, {
    method: 'POST',
    url: '/deployments/beta/capital-flows',
    payload: { amount: '-5000.01' },
  });
  assert.equal(withdraw.status, 422);
  assert.equal((withdraw.body as { code: string }).code, 'INSUFFICIENT_FREE_CASH');
});

test('BROKER_UNAVAILABLE → 503 with its details', async () => {
  const fx = await setUp();
  fx.api.submitOrder = async () => {
    throw new AppError('BROKER_UNAVAILABLE', 'The broker did not answer; retry later.', { retryable: true });
  };
  const res = await fx.call(ADMIN, buy('1'));
  assert.equal(res.status, 503);
  assert.deepEqual(res.body, {
    code: 'BROKER_UNAVAILABLE',
    message: 'The broker did not answer; retry later.',
    details: { retryable: true },
  });
});

test('an unexpected error → 500 INTERNAL, generic message, request id, no stack or cause', async () => {
  const fx = await setUp();
  fx.api.metrics = () => {
    throw new TypeError('secret: cannot read property of undefined');
  };
  const res = await fx.call(ADMIN, { url: '/deployments/alpha/metrics' });
  assert.equal(res.status, 500);
  const body = res.body as { code: string; message: string; details: { request_id: string } };
  assert.deepEqual(Object.keys(body).sort(), ['code', 'details', 'message']);
  assert.equal(body.code, 'INTERNAL');
  assert.equal(body.message, 'An unexpected error occurred; it has been logged.');
  assert.deepEqual(Object.keys(body.details), ['request_id']);
  assert.doesNotMatch(JSON.stringify(body), /secret|TypeError|at .*\.ts/);
});

test('a facade response that breaks the response schema → 500 INTERNAL, never a malformed body', async () => {
  const fx = await setUp();
  const real = fx.api.positions.bind(fx.api);
  fx.api.positions = (id) => real(id).concat([{ symbol: 'AAPL', qty: 'NaN' } as never]);
  const res = await fx.call(ADMIN, { url: '/deployments/alpha/positions' });
  assert.equal(res.status, 500);
  assert.equal((res.body as { code: string }).code, 'INTERNAL');
});
