// Malformed input is a 400 VALIDATION_FAILED naming each field and why, never a 500, and nothing
// reaches the real application: the journal is unchanged and no order is listed. Exact bodies, one
// case per kind of mistake.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { dec, mul, toPlain } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { ADMIN, type Fixture, ORDER_ID, T0, setUp, validationError } from './fixture.js';

const DECIMAL = 'must be a decimal string, e.g. "150.25"';
const order = (fields: Record<string, unknown>) => ({
  symbol: 'AAPL',
  side: 'buy',
  type: 'market',
  qty: '1',
  ...fields,
});

/** [name, request, expected body] */
type Case = [string, InjectOptions, ReturnType<typeof validationError>];

const postOrder = (payload: unknown): InjectOptions => ({
  method: 'POST',
  url: '/deployments/alpha/orders',
  payload: payload as object,
});
const postDeployment = (payload: Record<string, unknown>): InjectOptions => ({
  method: 'POST',
  url: '/deployments',
  payload: { id: 'gamma', initial_capital: '1000', ...payload },
});
const postFlow = (payload: unknown): InjectOptions => ({
  method: 'POST',
  url: '/deployments/alpha/capital-flows',
  payload: payload as object,
});

const ORDER_CASES: Case[] = [
  ['qty as a JSON number', postOrder(order({ qty: 10 })), validationError('body', ['qty', DECIMAL])],
  [
    'qty not a number',
    postOrder(order({ qty: 'ten' })),
    validationError('body', [
      'qty',
      '"ten" is not a decimal number (expected digits with an optional sign and fraction, e.g. "150.25")',
    ]),
  ],
  [
    'qty in exponent notation',
    postOrder(order({ qty: '1e3' })),
    validationError('body', [
      'qty',
      '"1e3" is not a decimal number (expected digits with an optional sign and fraction, e.g. "150.25")',
    ]),
  ],
  ['qty zero', postOrder(order({ qty: '0' })), validationError('body', ['qty', 'must be greater than 0'])],
  ['qty negative', postOrder(order({ qty: '-5' })), validationError('body', ['qty', 'must be greater than 0'])],
  [
    'qty with 21 integer digits',
    postOrder(order({ qty: '1'.repeat(21) })),
    validationError('body', ['qty', `"${'1'.repeat(21)}" is too large (more than 20 integer digits)`]),
  ],
  [
    'qty longer than any decimal',
    postOrder(order({ qty: '9'.repeat(100) })),
    validationError('body', ['qty', 'is too long (a decimal has at most 20 integer and 18 fractional digits)']),
  ],
  [
    'qty with 19 fractional digits',
    postOrder(order({ qty: '0.1234567890123456789' })),
    validationError('body', ['qty', '"0.1234567890123456789" has more than 18 fractional digits']),
  ],
  [
    'notional negative',
    postOrder({ symbol: 'AAPL', side: 'buy', type: 'market', notional: '-100' }),
    validationError('body', ['notional', 'must be greater than 0']),
  ],
  [
    'both qty and notional',
    postOrder(order({ notional: '100' })),
    validationError('body', ['notional', 'give either qty or notional, not both']),
  ],
  [
    'neither qty nor notional',
    postOrder({ symbol: 'AAPL', side: 'buy', type: 'market' }),
    validationError('body', ['qty', 'is required (or give notional)']),
  ],
  [
    'limit order without limit_price',
    postOrder(order({ type: 'limit' })),
    validationError('body', ['limit_price', 'is required for limit orders']),
  ],
  [
    'market order with limit_price',
    postOrder(order({ limit_price: '150' })),
    validationError('body', ['limit_price', 'must be omitted for market orders']),
  ],
  [
    'limit_price zero',
    postOrder(order({ type: 'limit', limit_price: '0' })),
    validationError('body', ['limit_price', 'must be greater than 0']),
  ],
  [
    'unknown field',
    postOrder(order({ stop_price: '1' })),
    validationError('body', ['stop_price', 'is not a known field']),
  ],
  [
    'missing side',
    postOrder({ symbol: 'AAPL', type: 'market', qty: '1' }),
    validationError('body', ['side', 'is required']),
  ],
  ['bad side', postOrder(order({ side: 'hold' })), validationError('body', ['side', 'must be one of "buy", "sell"'])],
  [
    'bad type',
    postOrder(order({ type: 'stop' })),
    validationError('body', ['type', 'must be one of "market", "limit"']),
  ],
  [
    'bad time_in_force',
    postOrder(order({ time_in_force: 'fok' })),
    validationError('body', ['time_in_force', 'must be one of "day", "gtc", "ioc"']),
  ],
  [
    'lowercase symbol',
    postOrder(order({ symbol: 'aapl' })),
    validationError('body', [
      'symbol',
      '"aapl" is not a valid symbol (1–20 chars: uppercase letters, digits, ".", "/" or "-")',
    ]),
  ],
  ['symbol as a number', postOrder(order({ symbol: 7 })), validationError('body', ['symbol', 'must be a string'])],
  [
    'several mistakes at once',
    postOrder({ symbol: 'AAPL', side: 'sell', type: 'market', qty: '-1', extra: true }),
    validationError('body', ['qty', 'must be greater than 0'], ['extra', 'is not a known field']),
  ],
  ['a JSON array', postOrder([order({})]), validationError('body', ['body', 'must be a JSON object'])],
  [
    'JSON null',
    { ...postOrder(undefined), payload: 'null', headers: { 'content-type': 'application/json' } },
    validationError('body', ['body', 'must be a JSON object']),
  ],
  [
    'no body at all',
    { method: 'POST', url: '/deployments/alpha/orders' },
    validationError('body', ['body', 'must be a JSON object']),
  ],
  [
    'not JSON',
    { ...postOrder(undefined), payload: '{"qty": ', headers: { 'content-type': 'application/json' } },
    validationError('body', ['body', 'is not valid JSON']),
  ],
  [
    'text/plain',
    { ...postOrder(undefined), payload: 'qty=1', headers: { 'content-type': 'text/plain' } },
    validationError('body', ['body', 'must be JSON (send the header "Content-Type: application/json")']),
  ],
  [
    'prototype pollution',
    { ...postOrder(undefined), payload: '{"__proto__": {"x": 1}}', headers: { 'content-type': 'application/json' } },
    validationError('body', ['body', 'is not valid JSON']),
  ],
  [
    'a body over 64 KiB',
    {
      ...postOrder(undefined),
      payload: JSON.stringify(order({ note: 'x'.repeat(70_000) })),
      headers: { 'content-type': 'application/json' },
    },
    validationError('body', ['body', 'is too large (at most 64 KiB)']),
  ],
  [
    'bad Idempotency-Key',
    { ...postOrder(order({})), headers: { 'idempotency-key': 'has spaces in it' } },
    validationError('headers', ['idempotency-key', 'must be 1–128 visible ASCII characters']),
  ],
];

const DEPLOYMENT_CASES: Case[] = [
  [
    'bad id',
    postDeployment({ id: 'Gamma Bot' }),
    validationError('body', [
      'id',
      '"Gamma Bot" is not a valid deployment id (1–32 chars: lowercase letters, digits, "-" or "_", starting with a letter or digit)',
    ]),
  ],
  [
    'missing initial_capital',
    { method: 'POST', url: '/deployments', payload: { id: 'gamma' } },
    validationError('body', ['initial_capital', 'is required']),
  ],
  [
    'negative initial_capital',
    postDeployment({ initial_capital: '-1' }),
    validationError('body', ['initial_capital', 'must not be negative']),
  ],
  [
    'initial_capital as a number',
    postDeployment({ initial_capital: 1e21 }),
    validationError('body', ['initial_capital', DECIMAL]),
  ],
  [
    'bad cost_method',
    postDeployment({ cost_method: 'lifo' }),
    validationError('body', ['cost_method', 'must be one of "average", "fifo"']),
  ],
  ['empty name', postDeployment({ name: '' }), validationError('body', ['name', 'must not be empty'])],
  [
    'zero max_order_notional',
    postDeployment({ limits: { max_order_notional: '0' } }),
    validationError('body', ['limits.max_order_notional', 'must be greater than 0']),
  ],
  [
    'unknown limit',
    postDeployment({ limits: { max_drawdown: '2' } }),
    validationError('body', ['limits.max_drawdown', 'is not a known field']),
  ],
  [
    'allow_short as a string',
    postDeployment({ limits: { allow_short: 'yes' } }),
    validationError('body', ['limits.allow_short', 'must be a boolean']),
  ],
  [
    'empty allowed_symbols',
    postDeployment({ limits: { allowed_symbols: [] } }),
    validationError('body', ['limits.allowed_symbols', 'must list at least one symbol (omit it to allow any)']),
  ],
  [
    'bad symbol in allowed_symbols',
    postDeployment({ limits: { allowed_symbols: ['AAPL', 'msft'] } }),
    validationError('body', [
      'limits.allowed_symbols.1',
      '"msft" is not a valid symbol (1–20 chars: uppercase letters, digits, ".", "/" or "-")',
    ]),
  ],
  [
    'limits not an object',
    postDeployment({ limits: 'none' }),
    validationError('body', ['limits', 'must be a JSON object']),
  ],
];

const FLOW_CASES: Case[] = [
  ['zero amount', postFlow({ amount: '0' }), validationError('body', ['amount', 'must not be zero'])],
  ['amount as a number', postFlow({ amount: 500 }), validationError('body', ['amount', DECIMAL])],
  ['missing amount', postFlow({}), validationError('body', ['amount', 'is required'])],
];

const QUERY_CASES: Case[] = [
  [
    'limit 0',
    { url: '/deployments/alpha/trades?limit=0' },
    validationError('querystring', ['limit', 'must be an integer from 1 to 1000']),
  ],
  [
    'limit 1001',
    { url: '/deployments/alpha/trades?limit=1001' },
    validationError('querystring', ['limit', 'must be an integer from 1 to 1000']),
  ],
  [
    'limit not a number',
    { url: '/deployments/alpha/trades?limit=ten' },
    validationError('querystring', ['limit', 'must be an integer from 1 to 1000']),
  ],
  [
    'limit twice',
    { url: '/deployments/alpha/trades?limit=1&limit=2' },
    validationError('querystring', ['limit', 'must be a string']),
  ],
  [
    'bad from',
    { url: '/deployments/alpha/trades?from=yesterday' },
    validationError('querystring', [
      'from',
      'must be an ISO-8601 date or time, e.g. "2025-01-02" or "2025-01-02T15:00:00Z"',
    ]),
  ],
  [
    'from after to',
    { url: '/deployments/alpha/trades?from=2025-02-01&to=2025-01-01' },
    validationError('querystring', ['to', 'must not be before from']),
  ],
  [
    'lowercase symbol',
    { url: '/deployments/alpha/trades?symbol=aapl' },
    validationError('querystring', [
      'symbol',
      '"aapl" is not a valid symbol (1–20 chars: uppercase letters, digits, ".", "/" or "-")',
    ]),
  ],
  [
    'unknown parameter',
    { url: '/deployments/alpha/trades?page=2' },
    validationError('querystring', ['page', 'is not a known field']),
  ],
  [
    'bad order status',
    { url: '/deployments/alpha/orders?status=done' },
    validationError('querystring', ['status', 'must be one of "open", "closed", "all"']),
  ],
  [
    'bad deployment id in the path',
    { url: '/deployments/Alpha/metrics' },
    validationError('params', [
      'id',
      '"Alpha" is not a valid deployment id (1–32 chars: lowercase letters, digits, "-" or "_", starting with a letter or digit)',
    ]),
  ],
  [
    'bad order id in the path',
    { method: 'DELETE', url: '/deployments/alpha/orders/a%20b' },
    validationError('params', ['orderId', 'is not a valid order id']),
  ],
];

for (const [group, cases] of [
  ['POST /deployments/{id}/orders', ORDER_CASES],
  ['POST /deployments', DEPLOYMENT_CASES],
  ['POST /deployments/{id}/capital-flows', FLOW_CASES],
  ['query strings and paths', QUERY_CASES],
] as const) {
  describe(group, () => {
    let fx: Fixture;
    let journaled: number;
    before(async () => {
      fx = await setUp();
      journaled = await fx.journal();
    });
    after(() => fx.close());
    for (const [name, request, expected] of cases) {
      test(`${name} → 400 naming the field`, async () => {
        const res = await fx.call(ADMIN, request);
        assert.equal(res.status, 400);
        assert.deepEqual(res.body, expected);
        assert.equal(await fx.journal(), journaled, 'nothing may reach the journal');
        assert.deepEqual(fx.t.app.listOrders('alpha' as DeploymentId, { status: 'all', limit: 10 }), []);
      });
    }
  });
}

test('a valid order with time_in_force omitted reaches the app as day, decimals exact', async (t) => {
  const fx = await setUp(t);
  const res = await fx.call(ADMIN, {
    ...postOrder({ symbol: 'AAPL', side: 'buy', type: 'limit', qty: '0.000000001', limit_price: '149.99' }),
    headers: { 'idempotency-key': 'k-1' },
  });
  assert.equal(res.status, 201);
  const id = (res.body as { id: string }).id;
  assert.match(id, ORDER_ID);
  assert.deepEqual(res.body, {
    id,
    deployment_id: 'alpha',
    broker_order_id: 'paper-o1',
    symbol: 'AAPL',
    side: 'buy',
    qty: '0.000000001',
    type: 'limit',
    limit_price: '149.99',
    time_in_force: 'day',
    status: 'new',
    filled_qty: '0',
    filled_avg_price: null,
    reserved_cash: '0.00000014999',
    reserved_qty: '0',
    crossed_qty: '0',
    at_broker: true,
    reason: null,
    idempotency_key: 'k-1',
    created_at: T0,
    updated_at: T0,
  });
  // A price with a 10^-9 part reaches the broker as given, which refuses it in its own words.
  const subPenny = await fx.call(ADMIN, postOrder(order({ type: 'limit', limit_price: '149.990000001' })));
  assert.equal(subPenny.status, 422);
  const refused = subPenny.body as { details: { order_id: string } };
  assert.deepEqual(subPenny.body, {
    code: 'BROKER_REJECTED',
    message:
      'BROKER_REJECTED: the broker refused the order: invalid limit_price 149.990000001. sub-penny increment does not fulfill minimum pricing criteria',
    details: {
      broker_code: 'sub_penny_price',
      broker_message:
        'invalid limit_price 149.990000001. sub-penny increment does not fulfill minimum pricing criteria',
      order_id: refused.details.order_id,
    },
  });
  assert.match(refused.details.order_id, ORDER_ID);
});

test('the largest qty the journal accepts passes validation; one unit of 10^-18 more does not', async (t) => {
  const fx = await setUp(t);
  const res = await fx.call(ADMIN, postOrder(order({ qty: '1000000000000' })));
  assert.equal(res.status, 422); // the risk check's buying power, not a validation error
  const body = res.body as { code: string; details: { needs: string } };
  assert.equal(body.code, 'INSUFFICIENT_BUYING_POWER');
  assert.equal(body.details.needs, toPlain(mul(mul(dec('1000000000000'), await fx.last('AAPL')), dec('1.02'))));
  const over = await fx.call(ADMIN, postOrder(order({ qty: '1000000000000.000000000000000001' })));
  assert.deepEqual(over.body, validationError('body', ['qty', 'must be at most 1000000000000']));
});
