/**
 * The Alpaca adapter's pure parts: lossless JSON, the request budget (on virtual time), the
 * rejection vocabulary, the status and event mapping, a FILL row's order snapshot, and the
 * configuration from the environment.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALPACA_DATA_URL,
  ALPACA_PAPER_URL,
  AlpacaHttpError,
  RequestBudget,
  alpacaConfigFromEnv,
  streamUrlFor,
  toBrokerRejection,
} from '../../src/adapters/alpaca/index.js';
import { parseJsonKeepingNumbers, plainNumberText } from '../../src/core/exact-json.js';
import { fillReport, toReport, toStatus } from '../../src/adapters/alpaca/mapping.js';
import { FillActivitySchema, OrderSchema, TradeUpdateSchema } from '../../src/adapters/alpaca/wire.js';
import { dec } from '../../src/core/decimal.js';

const rawOrder = (fields: Record<string, unknown> = {}) => ({
  id: 'o-1',
  client_order_id: 's.a.x',
  created_at: '2025-01-02T14:30:00Z',
  updated_at: '2025-01-02T14:33:00Z',
  submitted_at: '2025-01-02T14:30:00Z',
  symbol: 'AAPL',
  qty: '30',
  filled_qty: '30',
  filled_avg_price: '101',
  type: 'market',
  side: 'buy',
  time_in_force: 'day',
  status: 'filled',
  ...fields,
});
const order = (fields: Record<string, unknown> = {}) => OrderSchema.parse(rawOrder(fields));

describe('lossless JSON', () => {
  it('keeps every number as its exact decimal text, exponents expanded', () => {
    assert.deepEqual(
      parseJsonKeepingNumbers('{"p":150.25,"s":100,"x":"1.5e3","q":[1e-7,-2.50E2],"ok":true,"n":null}', {
        plain: true,
      }),
      {
        p: '150.25',
        s: '100',
        x: '1.5e3',
        q: ['0.0000001', '-250'],
        ok: true,
        n: null,
      },
    );
    assert.equal(plainNumberText('0.1'), '0.1');
    assert.equal(plainNumberText('12345678901234567890.123456789'), '12345678901234567890.123456789');
  });
});

describe('RequestBudget', () => {
  it('lets perMinute calls start in any 60 s window, then waits; a 429 pauses it', async () => {
    let now = 0;
    const slept: number[] = [];
    const budget = new RequestBudget(3, {
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    });
    for (let i = 0; i < 3; i++) await budget.take();
    assert.deepEqual(slept, []);
    now = 10_000;
    await budget.take();
    assert.deepEqual(slept, [50_000], 'the fourth waits until the first leaves the window');
    budget.pauseUntil(now + 5_000);
    now += 60_000 - 5_000; // the window is free again, but the pause is not over
    budget.pauseUntil(now + 1_000);
    await budget.take();
    assert.equal(slept.at(-1), 1_000);
  });
});

describe("Alpaca's refusals as BrokerRejection", () => {
  const cases: [number, number | undefined, string, string][] = [
    [422, 40010001, 'client_order_id must be unique', 'duplicate_client_order_id'],
    [403, 40310000, 'potential wash trade detected. use complex orders', 'wash_trade'],
    [422, 42210000, 'potential wash trade detected. use complex orders', 'wash_trade'],
    [403, 40310000, 'insufficient qty available for order (requested: 19, available: 0)', 'insufficient_qty'],
    [403, 40310000, 'cannot open a short sell while a long buy order is open', 'opposite_order_open'],
    [403, 40310000, 'insufficient buying power', 'insufficient_buying_power'],
    [403, 40310000, 'order would flip the position from long to short; close the position first', 'position_flip'],
    [
      422,
      42210000,
      'invalid limit_price 290.123. sub-penny increment does not fulfill minimum pricing criteria',
      'sub_penny_price',
    ],
    [422, 42210000, 'requested asset is not fractionable', 'not_fractionable'],
    [404, 40410000, 'order not found', 'order_not_found'],
    [422, 42210000, 'order is already in "filled" state', 'order_not_cancelable'],
    [403, 40310100, 'trade denied due to pattern day trading protection', 'pattern_day_trader'],
    [403, 40310000, 'something new', 'broker_forbidden'],
    [422, 42210000, 'something else', 'invalid_order'],
    [401, undefined, 'unauthorized', 'unauthorized'],
  ];
  for (const [status, code, message, expected] of cases) {
    it(`${status} "${message}" → ${expected}`, () => {
      const rejection = toBrokerRejection(new AlpacaHttpError(status, code, message, 'POST /v2/orders'));
      assert.deepEqual([rejection.code, rejection.brokerMessage, rejection.retryable], [expected, message, false]);
    });
  }
  it('429 is the one retryable refusal', () => {
    const rejection = toBrokerRejection(new AlpacaHttpError(429, 42910000, 'rate limit exceeded', 'POST /v2/orders'));
    assert.deepEqual([rejection.code, rejection.retryable], ['rate_limited', true]);
  });
});

describe('mapping', () => {
  it("folds Alpaca's statuses into the port's", () => {
    const zero = dec('0');
    const some = dec('1');
    assert.deepEqual(
      ['accepted', 'pending_new', 'new', 'done_for_day', 'pending_cancel', 'held', 'replaced', 'expired'].map((s) =>
        toStatus(s, zero),
      ),
      ['pending_new', 'pending_new', 'new', 'new', 'new', 'new', 'canceled', 'expired'],
    );
    assert.deepEqual(
      ['done_for_day', 'pending_cancel'].map((s) => toStatus(s, some)),
      ['partially_filled', 'partially_filled'],
    );
  });

  it('turns a fill event into a report with the per-execution qty and price, fee 0', () => {
    const update = TradeUpdateSchema.parse({
      event: 'partial_fill',
      execution_id: 'x-1',
      order: rawOrder({ status: 'partially_filled', filled_qty: '10', filled_avg_price: '100.5' }),
      price: '100.5',
      qty: '10',
      position_qty: '10',
      timestamp: '2025-01-02T14:31:00.123456789Z',
    });
    const report = toReport(update)!;
    assert.deepEqual(
      [
        report.kind,
        report.order.status,
        report.execution!.id,
        report.execution!.qty,
        report.execution!.price,
        report.execution!.fee,
        report.ts,
      ],
      ['partial_fill', 'partially_filled', 'x-1', dec('10'), dec('100.5'), dec('0'), '2025-01-02T14:31:00.123456789Z'],
    );
    assert.equal(toReport({ ...update, event: 'pending_new' }), undefined, 'no port kind for pending_new');
  });

  it('rebuilds the order as it stood after an earlier FILL row, average included', () => {
    // 30 filled at 101 on average: 10 @ 100, then 20 @ 101.5. The first row's order had 10 @ 100.
    const row = FillActivitySchema.parse({
      id: '20250102143100000::x-1',
      activity_type: 'FILL',
      transaction_time: '2025-01-02T14:31:00Z',
      type: 'partial_fill',
      price: '100',
      qty: '10',
      side: 'buy',
      symbol: 'AAPL',
      leaves_qty: '20',
      cum_qty: '10',
      order_id: 'o-1',
    });
    const report = fillReport(row, order(), dec('2030'));
    assert.deepEqual(
      [report.kind, report.order.status, report.order.filledQty, report.order.filledAvgPrice, report.execution!.id],
      ['partial_fill', 'partially_filled', dec('10'), dec('100'), 'x-1'],
    );
    assert.equal(
      fillReport(row, order(), undefined).order.filledAvgPrice,
      undefined,
      'unknown when later rows are missing',
    );
  });
});

describe('alpacaConfigFromEnv', () => {
  it('defaults to paper and derives the stream URL as the SDKs do', () => {
    const config = alpacaConfigFromEnv({ APCA_API_KEY_ID: 'k', APCA_API_SECRET_KEY: 's' });
    assert.deepEqual(config, { keyId: 'k', secretKey: 's', baseUrl: ALPACA_PAPER_URL, dataUrl: ALPACA_DATA_URL });
    assert.equal(streamUrlFor(config.baseUrl), 'wss://paper-api.alpaca.markets/stream');
    assert.equal(streamUrlFor('http://127.0.0.1:8790/'), 'ws://127.0.0.1:8790/stream');
  });

  it('takes the emulator URLs and names every problem', () => {
    const config = alpacaConfigFromEnv({
      APCA_API_KEY_ID: 'k',
      APCA_API_SECRET_KEY: 's',
      APCA_API_BASE_URL: 'http://127.0.0.1:8790',
      APCA_DATA_BASE_URL: 'http://127.0.0.1:8790/',
      APCA_STREAM_URL: 'ws://127.0.0.1:8790/stream',
    });
    assert.deepEqual([config.dataUrl, config.streamUrl], ['http://127.0.0.1:8790', 'ws://127.0.0.1:8790/stream']);
    assert.throws(() => alpacaConfigFromEnv({ APCA_API_BASE_URL: 'paper' }), {
      message:
        'Alpaca configuration:\n  - APCA_API_KEY_ID is not set\n  - APCA_API_SECRET_KEY is not set\n  - APCA_API_BASE_URL must be an http(s) or ws(s) URL, got "paper"',
    });
  });
});
