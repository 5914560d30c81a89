/**
 * The emulator's answers validate against Alpaca's published schemas (a minimal copy of the spec's
 * components in fixtures/, see fixtures/README.md): orders (REST and inside trade_updates),
 * positions (long and short), account, activities (FILL and DIV), clock, assets, bulk cancel, and
 * the error body of every refusal. Keys the schema does not name must be ones FACTS.md records.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type EmulatorHandle, type TradeUpdateWire, startEmulator } from '../../src/emulator/index.js';
import { START } from './helpers.js';
import { type Spec, validateAgainst } from './openapi-validate.js';

const spec = JSON.parse(
  readFileSync(new URL('./fixtures/trading-openapi-subset.json', import.meta.url), 'utf8'),
) as Spec;

/** Keys Alpaca sends that the schema omits (FACTS §1.1, §3, §8). */
const KNOWN_EXTRA = new Set([
  'Order.source',
  'Order.subtag',
  'Account.effective_buying_power',
  'Account.bod_dtbp',
  'Account.position_market_value',
  'Account.pending_transfer_out',
]);

describe('emulator answers against the published schemas', () => {
  let emulator: EmulatorHandle;
  const updates: TradeUpdateWire[] = [];
  const extras = new Set<string>();
  const headers = () => ({
    'APCA-API-KEY-ID': emulator.keyId,
    'APCA-API-SECRET-KEY': emulator.secretKey,
    'content-type': 'application/json',
  });
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const response = await fetch(`${emulator.url}${path}`, {
      method,
      headers: headers(),
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  };
  const valid = (schema: string, value: unknown) => {
    const { errors, extra } = validateAgainst(spec, schema, value);
    assert.deepEqual(errors, [], `${schema}: ${JSON.stringify(value).slice(0, 300)}`);
    for (const key of extra) extras.add(key.replace(/\[\d+\]/g, ''));
  };
  const order = (fields: Record<string, unknown>) => ({
    qty: '10',
    side: 'buy',
    type: 'market',
    time_in_force: 'day',
    ...fields,
  });

  before(async () => {
    emulator = await startEmulator({ start: START, stepMs: 60_000, maxQtyPerStep: '30' });
    emulator.control.venue.onTradeUpdate((u) => void updates.push(u));
    await call('POST', '/v2/orders', order({ symbol: 'AAPL', qty: '50', client_order_id: 'long' }));
    await call('POST', '/v2/orders', order({ symbol: 'MSFT', side: 'sell', client_order_id: 'short' }));
    await call(
      'POST',
      '/v2/orders',
      order({ symbol: 'BTC/USD', qty: '0.5', time_in_force: 'gtc', client_order_id: 'coin' }),
    );
    emulator.control.advance(2);
    emulator.control.dividend('AAPL', '0.24');
    await call(
      'POST',
      '/v2/orders',
      order({ symbol: 'NVDA', type: 'limit', limit_price: '1.00', time_in_force: 'gtc' }),
    );
    await call(
      'POST',
      '/v2/orders',
      order({ symbol: 'AMZN', type: 'limit', limit_price: '1.00', time_in_force: 'gtc' }),
    );
  });
  after(() => emulator.close());

  it('orders: POST, GET one, by client order id, lists, and inside trade_updates', async () => {
    const posted = await call(
      'POST',
      '/v2/orders',
      order({ symbol: 'GOOGL', type: 'limit', limit_price: '10.50', time_in_force: 'day' }),
    );
    assert.equal(posted.status, 200);
    valid('Order', posted.json);
    const id = (posted.json as { id: string }).id;
    valid('Order', (await call('GET', `/v2/orders/${id}`)).json);
    valid('Order', (await call('GET', '/v2/orders:by_client_order_id?client_order_id=long')).json);
    for (const status of ['open', 'closed', 'all']) {
      const list = (await call('GET', `/v2/orders?status=${status}&direction=asc`)).json as unknown[];
      assert.ok(list.length > 0, status);
      for (const o of list) valid('Order', o);
    }
    assert.ok(updates.some((u) => u.event === 'partial_fill') && updates.some((u) => u.event === 'fill'));
    for (const u of updates) valid('Order', u.order);
  });

  it('positions (long and short), account, clock, assets', async () => {
    const positions = (await call('GET', '/v2/positions')).json as { side: string }[];
    assert.deepEqual(positions.map((p) => p.side).sort(), ['long', 'long', 'short']);
    for (const p of positions) valid('Position', p);
    valid('Position', (await call('GET', '/v2/positions/AAPL')).json);
    valid('Account', (await call('GET', '/v2/account')).json);
    valid('legacy_clock', (await call('GET', '/v2/clock')).json);
    const assets = (await call('GET', '/v2/assets?asset_class=us_equity')).json as unknown[];
    assert.equal(assets.length, 5);
    for (const a of assets) valid('Assets', a);
    // Crypto assets say exchange "CRYPTO", as Alpaca's do; the spec's Exchange enum lacks it.
    const { errors } = validateAgainst(spec, 'Assets', (await call('GET', '/v2/assets/BTC%2FUSD')).json);
    assert.deepEqual(errors, ['Assets.exchange: "CRYPTO" not in enum']);
  });

  it('activities: FILL rows are TradingActivities, DIV rows NonTradeActivities', async () => {
    const rows = (await call('GET', '/v2/account/activities?direction=asc')).json as { activity_type: string }[];
    assert.deepEqual([...new Set(rows.map((r) => r.activity_type))].sort(), ['DIV', 'FILL']);
    for (const row of rows) {
      if (row.activity_type === 'FILL') valid('TradingActivities', row);
      else {
        // `date` is a plain date in Alpaca's answers and in the spec's own example ("2019-08-01"),
        // though the schema says date-time: the one deviation, kept as Alpaca sends it.
        const { errors } = validateAgainst(spec, 'NonTradeActivities', row);
        assert.deepEqual(errors, [`NonTradeActivities.date: "${(row as { date?: string }).date}" is not a date-time`]);
      }
    }
  });

  it('bulk cancel answers 207 with CanceledOrderResponse rows', async () => {
    const answer = await call('DELETE', '/v2/orders');
    assert.equal(answer.status, 207);
    assert.ok((answer.json as unknown[]).length >= 2);
    for (const row of answer.json as unknown[]) valid('CanceledOrderResponse', row);
  });

  it('every refusal is an Error body {code, message}', async () => {
    const refusals = [
      await call('POST', '/v2/orders', order({ symbol: 'AAPL', client_order_id: 'long' })),
      await call('POST', '/v2/orders', order({ symbol: 'AAPL', type: 'limit', limit_price: '1.001' })),
      await call('POST', '/v2/orders', order({ symbol: 'MSFT', qty: '100' })),
      await call('GET', '/v2/orders/not-an-order'),
      await call('DELETE', '/v2/orders/not-an-order'),
      await call('GET', '/v2/positions/KO'),
    ];
    assert.deepEqual(
      refusals.map((r) => r.status),
      [422, 422, 403, 404, 404, 404],
    );
    for (const r of refusals) valid('Error', r.json);
    const unauthorized = await fetch(`${emulator.url}/v2/account`);
    assert.equal(unauthorized.status, 401);
    valid('Error', await unauthorized.json());
  });

  after(() => {
    assert.deepEqual(
      [...extras].filter((key) => !KNOWN_EXTRA.has(key)),
      [],
      'keys outside the schemas that FACTS.md does not record',
    );
  });
});
