/**
 * The emulator's stop, stop_limit and trailing_stop orders (FACTS §1.3–1.4, §4): the price fields
 * each type requires, Alpaca's sub-penny refusal, the trigger from the price path (a buy stop when
 * the trade price reaches the stop from below, a sell from above; a trailing stop's mark and stop
 * follow the price), and the wash-trade rule per type — a stop counts as a market order, a
 * stop_limit as a limit at its limit, a trailing stop is exempt. Every order answer validates
 * against the published schema.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { dec } from '../../src/core/decimal.js';
import type { Symbol } from '../../src/core/ids.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { START } from './helpers.js';
import { type Spec, validateAgainst } from './openapi-validate.js';

const spec = JSON.parse(
  readFileSync(new URL('./fixtures/trading-openapi-subset.json', import.meta.url), 'utf8'),
) as Spec;

type Answer = { status: number; json: Record<string, unknown> };

describe('emulator: stop, stop_limit and trailing_stop orders', () => {
  let emulator: EmulatorHandle;
  const post = async (fields: Record<string, unknown>): Promise<Answer> => {
    const response = await fetch(`${emulator.url}/v2/orders`, {
      method: 'POST',
      headers: {
        'APCA-API-KEY-ID': emulator.keyId,
        'APCA-API-SECRET-KEY': emulator.secretKey,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ symbol: 'AAPL', qty: '1', side: 'buy', time_in_force: 'gtc', ...fields }),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (response.status === 200) assert.deepEqual(validateAgainst(spec, 'Order', json).errors, []);
    else assert.deepEqual(validateAgainst(spec, 'Error', json).errors, []);
    return { status: response.status, json };
  };
  const order = (id: unknown) => emulator.control.venue.order(String(id))!;
  const setPrice = (price: string) => emulator.control.venue.setPrice('AAPL' as Symbol, dec(price));

  beforeEach(async () => {
    emulator = await startEmulator({ start: START, stepMs: 60_000 });
    setPrice('100.00');
  });
  afterEach(() => emulator.close());

  it('refuses missing, extra and sub-penny prices with Alpaca’s status and code', async () => {
    const cases: [Record<string, unknown>, number, number, string][] = [
      [{ type: 'stop' }, 422, 40010001, 'stop_price is required for stop orders'],
      [{ type: 'stop_limit', stop_price: '105' }, 422, 40010001, 'limit_price is required for stop_limit orders'],
      [
        { type: 'stop', stop_price: '105', limit_price: '106' },
        422,
        40010001,
        'limit_price must not be given for stop orders',
      ],
      [
        { type: 'trailing_stop' },
        422,
        40010001,
        'trailing_stop orders take exactly one of trail_price and trail_percent',
      ],
      [
        { type: 'trailing_stop', trail_price: '1', trail_percent: '1' },
        422,
        40010001,
        'trailing_stop orders take exactly one of trail_price and trail_percent',
      ],
      [
        { type: 'trailing_stop', trail_price: '1', stop_price: '99' },
        422,
        40010001,
        'stop_price must not be given for trailing_stop orders',
      ],
      [
        { type: 'trailing_stop', trail_percent: '1', time_in_force: 'ioc' },
        422,
        40010001,
        'trailing_stop orders take time_in_force day or gtc',
      ],
      [
        { type: 'stop', stop_price: '105.001' },
        422,
        42210000,
        'invalid stop_price 105.001. sub-penny increment does not fulfill minimum pricing criteria',
      ],
      [{ type: 'trailing_stop', trail_percent: '0' }, 422, 40010001, 'trail_percent must be greater than 0'],
      [{ type: 'market', stop_price: '105' }, 422, 40010001, 'stop_price must not be given for market orders'],
      [
        { symbol: 'BTC/USD', type: 'stop', stop_price: '70000' },
        422,
        40010001,
        'invalid order type for crypto: stop (crypto orders take market, limit or stop_limit)',
      ],
    ];
    for (const [fields, status, code, message] of cases)
      assert.deepEqual(await post(fields), { status, json: { code, message } }, JSON.stringify(fields));
  });

  it('a buy stop rests until a trade reaches its stop, then fills as a market order', async () => {
    const placed = await post({ type: 'stop', stop_price: '105.00' });
    assert.equal(placed.status, 200);
    assert.equal(placed.json.type, 'stop');
    assert.equal(placed.json.stop_price, '105');
    assert.equal(placed.json.limit_price, null);
    emulator.control.advance(3);
    assert.equal(order(placed.json.id).status, 'new');
    setPrice('106.00');
    emulator.control.advance(1);
    const filled = order(placed.json.id);
    assert.equal(filled.status, 'filled');
    assert.ok(dec(String(filled.filled_avg_price)) >= dec('105'));
  });

  it('a sell stop_limit triggers at or below its stop and then works as a limit', async () => {
    await post({ type: 'market', qty: '2' });
    emulator.control.advance(1);
    const placed = await post({ side: 'sell', type: 'stop_limit', stop_price: '95.00', limit_price: '94.00' });
    assert.equal(placed.json.type, 'stop_limit');
    assert.deepEqual([placed.json.stop_price, placed.json.limit_price], ['95', '94']);
    emulator.control.advance(2);
    assert.equal(order(placed.json.id).status, 'new');
    setPrice('94.50');
    emulator.control.advance(1);
    assert.equal(order(placed.json.id).status, 'filled');
    assert.ok(dec(String(order(placed.json.id).filled_avg_price)) >= dec('94'));
  });

  it('a trailing sell stop follows the high-water mark and triggers on the way down', async () => {
    await post({ type: 'market', qty: '2' });
    emulator.control.advance(1);
    setPrice('100.00');
    const placed = await post({ side: 'sell', type: 'trailing_stop', trail_price: '2.00' });
    assert.equal(placed.json.type, 'trailing_stop');
    assert.deepEqual([placed.json.trail_price, placed.json.trail_percent], ['2', null]);
    assert.deepEqual([placed.json.hwm, placed.json.stop_price], ['100', '98']);
    setPrice('110.00');
    emulator.control.advance(1);
    const raised = order(placed.json.id);
    assert.equal(raised.status, 'new');
    const hwm = dec(String(raised.hwm));
    assert.ok(hwm > dec('109') && hwm < dec('111'), String(raised.hwm));
    assert.equal(dec(String(raised.stop_price)), hwm - dec('2'));
    setPrice('105.00');
    emulator.control.advance(1);
    assert.equal(order(placed.json.id).status, 'filled');
  });

  it('a trailing buy stop in percent: the mark is the low, the stop 1 % above it, on the tick', async () => {
    const placed = await post({ type: 'trailing_stop', trail_percent: '1.5' });
    assert.deepEqual([placed.json.hwm, placed.json.stop_price, placed.json.trail_percent], ['100', '101.5', '1.5']);
    setPrice('90.01');
    emulator.control.advance(1);
    const lowered = order(placed.json.id);
    const hwm = dec(String(lowered.hwm));
    assert.ok(hwm < dec('90.5'), String(lowered.hwm));
    const stop = dec(String(lowered.stop_price));
    assert.ok(stop >= (hwm * 1015n) / 1000n && stop - (hwm * 1015n) / 1000n < dec('0.01'), String(lowered.stop_price));
  });

  it('wash trade: a stop counts as market, a stop_limit as a limit at its limit, a trailing stop is exempt', async () => {
    const washed = {
      status: 403,
      json: { code: 40310000, message: 'potential wash trade detected. use complex orders' },
    };
    await post({ type: 'market', qty: '10' });
    emulator.control.advance(1);
    // A resting far-away buy limit.
    assert.equal((await post({ type: 'limit', limit_price: '50.00' })).status, 200);
    // A sell stop always could trade against it.
    assert.deepEqual(await post({ side: 'sell', type: 'stop', stop_price: '90.00' }), washed);
    // A sell stop_limit above the buy limit could not; one at or below it could.
    assert.equal(
      (await post({ side: 'sell', type: 'stop_limit', stop_price: '90.00', limit_price: '60.00' })).status,
      200,
    );
    assert.deepEqual(await post({ type: 'limit', limit_price: '60.00' }), washed);
    // Trailing stops are exempt on both sides.
    assert.equal((await post({ side: 'sell', type: 'trailing_stop', trail_percent: '5' })).status, 200);
    // A resting stop refuses any new opposite order, except a trailing stop.
    const stopBuy = await post({ type: 'stop', stop_price: '150.00', qty: '1', symbol: 'MSFT' });
    assert.equal(stopBuy.status, 200);
    assert.deepEqual(await post({ symbol: 'MSFT', side: 'sell', type: 'limit', limit_price: '999.00' }), washed);
    const audit = emulator.control.washTradeAudit();
    assert.deepEqual(audit, []);
  });
});
