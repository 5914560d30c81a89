// Property, on the real application: any malformed body for POST /deployments/{id}/orders is a
// 4xx VALIDATION_FAILED whose message starts with a field name, and nothing reaches the app (the
// journal is unchanged, no order is listed). Bad bodies: wrong types, zero / negative amounts, qty and notional both
// or neither, huge or over-precise numbers, non-decimal strings, extra fields, missing fields,
// limit_price without type=limit (and the reverse), non-object bodies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decimalProblem } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { ADMIN, setUp } from './fixture.js';

const FIELDS = ['symbol', 'side', 'qty', 'notional', 'type', 'limit_price', 'time_in_force'] as const;
type Body = Record<string, unknown>;

const validBody: fc.Arbitrary<Body> = fc.oneof(
  fc.record({
    symbol: fc.constantFrom('AAPL', 'MSFT', 'BTC/USD'),
    side: fc.constantFrom('buy', 'sell'),
    qty: fc.constantFrom('1', '0.5', '10'),
    type: fc.constant('market'),
  }),
  fc.record({
    symbol: fc.constant('AAPL'),
    side: fc.constant('buy'),
    notional: fc.constant('100'),
    type: fc.constant('limit'),
    limit_price: fc.constant('150'),
    time_in_force: fc.constantFrom('day', 'gtc', 'ioc'),
  }),
);

const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);
const nonPositive = fc.oneof(
  fc.constantFrom('0', '-0', '0.000', '-1', '-0.000000001', '+0'),
  fc.bigInt({ min: 1n, max: 10n ** 20n - 1n }).map((n) => `-${n}`),
);
const huge = fc.integer({ min: 21, max: 80 }).chain((len) => fc.stringMatching(new RegExp(`^[1-9][0-9]{${len - 1}}$`)));
const overPrecise = fc.integer({ min: 19, max: 30 }).map((digits) => `1.${'1'.repeat(digits)}`);
const notDecimal = fc.string({ maxLength: 30 }).filter((s) => decimalProblem(s) !== undefined);
const amountField = fc.constantFrom('qty', 'notional', 'limit_price');

/** One mistake applied to a valid body; returns the bad body. */
const badBody: fc.Arbitrary<unknown> = fc.oneof(
  fc.tuple(validBody, fc.constantFrom(...FIELDS), wrongType).map(([b, field, value]) => ({ ...b, [field]: value })),
  fc.tuple(validBody, amountField, nonPositive).map(([b, field, value]) => withAmount(b, field, value)),
  fc.tuple(validBody, amountField, huge).map(([b, field, value]) => withAmount(b, field, value)),
  fc.tuple(validBody, amountField, overPrecise).map(([b, field, value]) => withAmount(b, field, value)),
  fc.tuple(validBody, amountField, notDecimal).map(([b, field, value]) => withAmount(b, field, value)),
  validBody.map((b) => ({ ...b, qty: '1', notional: '1' })),
  validBody.map(({ qty: _q, notional: _n, ...rest }) => rest),
  fc.tuple(validBody, fc.constantFrom('symbol', 'side', 'type')).map(([b, field]) => omit(b, field)),
  fc
    .tuple(
      validBody,
      fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !(FIELDS as readonly string[]).includes(k)),
      fc.jsonValue(),
    )
    .map(([b, key, value]) => ({ ...b, [key]: value })),
  validBody.map((b) => ({ ...omit(b, 'limit_price'), type: 'limit' })),
  validBody.map((b) => ({ ...b, type: 'market', limit_price: '10' })),
  fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.string(), fc.integer(), fc.constant(null)),
);

function withAmount(body: Body, field: string, value: string): Body {
  // Keep the rest consistent so that the amount is the only mistake.
  if (field === 'limit_price') return { ...body, type: 'limit', limit_price: value };
  const other = field === 'qty' ? 'notional' : 'qty';
  return { ...omit(body, other), [field]: value };
}

function omit(body: Body, field: string): Body {
  const copy = { ...body };
  delete copy[field];
  return copy;
}

test('malformed order bodies are always a 400 naming a field, and never reach the app', async (t) => {
  const fx = await setUp(t);
  const journaled = await fx.journal();
  const orders = () => fx.t.app.listOrders('alpha' as DeploymentId, { status: 'all', limit: 1000 });
  await fc.assert(
    fc.asyncProperty(badBody, async (body) => {
      const res = await fx.app.inject({
        method: 'POST',
        url: '/deployments/alpha/orders',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
      assert.equal(res.statusCode, 400, res.body);
      const error = res.json() as {
        code: string;
        message: string;
        details: { fields: { field: string; message: string }[] };
      };
      assert.equal(error.code, 'VALIDATION_FAILED');
      assert.ok(error.details.fields.length > 0);
      for (const { field, message } of error.details.fields) {
        assert.ok(field.length > 0 && message.length > 0);
        assert.ok(error.message.includes(`${field}: ${message}`), `${error.message} names ${field}`);
      }
      assert.ok(error.message.startsWith(`${error.details.fields[0]!.field}: `));
      assert.deepEqual(orders(), [], 'no order may be made');
    }),
    { numRuns: 400 },
  );
  assert.equal(await fx.journal(), journaled, 'nothing may reach the journal');
});

test('well-formed order bodies always get past validation (never 400, never 500)', async (t) => {
  const fx = await setUp(t);
  const accepted = new Set<string>();
  const refusedByBroker = new Set<string>();
  let answered = 0;
  await fc.assert(
    fc.asyncProperty(validBody, async (body) => {
      const res = await fx.call(ADMIN, { method: 'POST', url: '/deployments/alpha/orders', payload: body });
      assert.ok(res.status === 201 || res.status === 422, `${res.status} ${JSON.stringify(res.body)}`);
      answered++;
      const answer = res.body as { id: string; code: string; details: { order_id?: string } };
      if (res.status === 201) accepted.add(answer.id);
      else if (answer.code === 'BROKER_REJECTED') refusedByBroker.add(answer.details.order_id!);
    }),
    { numRuns: 100 },
  );
  assert.equal(answered, 100);
  // Every accepted order is on the books; so is every order the broker refused (as rejected); a
  // risk rejection made none.
  const listed = fx.t.app.listOrders('alpha' as DeploymentId, { status: 'all', limit: 1000 });
  assert.deepEqual(new Set(listed.filter((o) => o.status !== 'rejected').map((o) => o.id)), accepted);
  assert.deepEqual(new Set(listed.filter((o) => o.status === 'rejected').map((o) => o.id)), refusedByBroker);
  assert.ok(accepted.size > 0, 'some orders were accepted');
});
