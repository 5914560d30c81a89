/**
 * Failure drills for the Alpaca adapter against the emulator: the stream drops mid-burst (and
 * stays refused while fills go on) → reconnect → backfill → every fill delivered exactly once;
 * Alpaca's account rules refuse orders → `BrokerRejection` with Subledger's code and the broker's
 * words; a POST that times out is resolved by looking the order up, never by a blind resubmit;
 * 429 → reads back off; both stream auth forms and both frame kinds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BrokerRejection, type ExecutionReport, type OrderRequest } from '../../src/app/ports/broker-port.js';
import { dec, sum } from '../../src/core/decimal.js';
import type { ClientOrderId, Symbol } from '../../src/core/ids.js';
import { type AlpacaHarness, alpacaHarness, control, waitFor } from './helpers.js';

let n = 0;
const order = (fields: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: `drill-${++n}` as ClientOrderId,
  symbol: 'AAPL' as Symbol,
  side: 'buy',
  qty: dec('10'),
  type: 'market',
  timeInForce: 'day',
  ...fields,
});

async function withHarness(
  body: (h: AlpacaHarness) => Promise<void>,
  ...args: Parameters<typeof alpacaHarness>
): Promise<void> {
  const h = await alpacaHarness(...args);
  try {
    await body(h);
  } finally {
    await h.broker.close();
    await h.dispose!();
  }
}

const rejectedWith = (code: string, message: string) => (e: unknown) => {
  assert.ok(e instanceof BrokerRejection, String(e));
  assert.deepEqual([e.code, e.brokerMessage, e.retryable], [code, message, false]);
  return true;
};

describe('alpaca drills: the stream drops mid-burst', () => {
  it('reconnects, backfills, and delivers every fill exactly once', () =>
    withHarness(
      async (h) => {
        const fills: ExecutionReport[] = [];
        h.broker.subscribe(async (r) => void (r.execution && fills.push(r)));
        const symbols = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL'] as Symbol[];
        for (const symbol of symbols) await h.broker.submit(order({ symbol, qty: dec('50') }));
        await h.settle();
        // 5 orders × 5 partial fills of 10; the stream is cut after the 7th fill frame and stays
        // refused for two more steps, so fills 8–15 reach the adapter only through backfill.
        await control(h.emulator, 'drop-streams', { after_frames: 7, refuse: true });
        h.emulator.control.advance(3);
        await waitFor(() => h.emulator.control.stats().streamConnections === 0, 'the drop');
        await new Promise((resolve) => setTimeout(resolve, 50)); // reconnect attempts are refused
        await control(h.emulator, 'accept-streams');
        await waitFor(() => h.broker.stats().backfills >= 2, 'the backfill after reconnect');
        h.emulator.control.advance(2);
        const activities = h.emulator.control.venue.activities().filter((a) => a.activity_type === 'FILL');
        assert.equal(activities.length, 25);
        await waitFor(() => fills.length === 25, `25 fills (got ${fills.length})`);
        await h.broker.idle();
        assert.deepEqual(
          fills.map((f) => f.execution!.id).sort(),
          activities.map((a) => a.id.split('::')[1]).sort(),
          'each execution once',
        );
        for (const symbol of symbols) {
          const own = fills.filter((f) => f.order.symbol === symbol);
          assert.equal(sum(own.map((f) => f.execution!.qty)), dec('50'), symbol);
          assert.deepEqual(
            own.map((f) => f.order.filledQty),
            ['10', '20', '30', '40', '50'].map(dec),
            `${symbol}: cumulative quantities in order`,
          );
        }
        assert.ok(h.broker.stats().connections >= 2);
        await h.broker.backfillNow();
        assert.equal(fills.length, 25, 'another backfill delivers nothing again');
      },
      { maxQtyPerStep: '10' },
    ));
});

describe("alpaca drills: Alpaca's account rules", () => {
  it('wash trade: a market buy against a resting sell', () =>
    withHarness(async (h) => {
      await h.broker.submit(order({ side: 'sell', type: 'limit', limitPrice: dec('500'), timeInForce: 'gtc' }));
      await assert.rejects(
        h.broker.submit(order()),
        rejectedWith('wash_trade', 'potential wash trade detected. use complex orders'),
      );
    }));

  it('insufficient qty available: shares held by another open sell', () =>
    withHarness(async (h) => {
      await h.broker.submit(order({ qty: dec('10') }));
      await h.advance();
      await h.broker.submit(
        order({ side: 'sell', qty: dec('8'), type: 'limit', limitPrice: dec('500'), timeInForce: 'gtc' }),
      );
      await assert.rejects(
        h.broker.submit(
          order({ side: 'sell', qty: dec('5'), type: 'limit', limitPrice: dec('600'), timeInForce: 'gtc' }),
        ),
        rejectedWith('insufficient_qty', 'insufficient qty available for order (requested: 5, available: 2)'),
      );
    }));

  it('no flip in one order: short 10, buy 15', () =>
    withHarness(async (h) => {
      await h.broker.submit(order({ side: 'sell', qty: dec('10') }));
      await h.advance();
      await assert.rejects(
        h.broker.submit(order({ qty: dec('15') })),
        rejectedWith('position_flip', 'order would flip the position from short to long; close the position first'),
      );
    }));

  it('flat with a pending short sell, a buy that cannot cross is refused', () =>
    withHarness(async (h) => {
      await h.broker.submit(order({ side: 'sell', type: 'limit', limitPrice: dec('500'), timeInForce: 'gtc' }));
      await assert.rejects(
        h.broker.submit(order({ type: 'limit', limitPrice: dec('50'), timeInForce: 'gtc' })),
        rejectedWith('opposite_order_open', 'cannot open a long buy while a short sell order is open'),
      );
    }));

  it('sub-penny prices are a 422 with the price in the words', () =>
    withHarness(async (h) => {
      await assert.rejects(
        h.broker.submit(order({ type: 'limit', limitPrice: dec('99.123'), timeInForce: 'gtc' })),
        rejectedWith(
          'sub_penny_price',
          'invalid limit_price 99.123. sub-penny increment does not fulfill minimum pricing criteria',
        ),
      );
    }));
});

describe('alpaca drills: unknown outcomes and limits', () => {
  const posts = (h: AlpacaHarness) =>
    h.emulator.control.requests().filter((r) => r.method === 'POST' && r.url === '/v2/orders');

  it('a POST that times out after Alpaca took it is resolved by lookup, not resubmitted', () =>
    withHarness(
      async (h) => {
        await control(h.emulator, 'delay', { method: 'POST', path: '/v2/orders', ms: 400, times: 1, phase: 'after' });
        const request = order();
        const answer = await h.broker.submit(request);
        assert.deepEqual([answer.clientOrderId, answer.status], [request.clientOrderId, 'new']);
        await new Promise((resolve) => setTimeout(resolve, 450)); // let the late answer be logged
        assert.equal(posts(h).length, 1, 'exactly one POST');
        assert.ok(
          h.emulator.control.requests().some((r) => r.url.startsWith('/v2/orders:by_client_order_id')),
          'looked up by client order id',
        );
      },
      {},
      { timeoutMs: 150 },
    ));

  it('a POST that never got processed is sent once more; the account still gets one order', () =>
    withHarness(
      async (h) => {
        await control(h.emulator, 'delay', { method: 'POST', path: '/v2/orders', ms: 300, times: 1, phase: 'before' });
        const request = order();
        const answer = await h.broker.submit(request);
        assert.equal(answer.clientOrderId, request.clientOrderId);
        await new Promise((resolve) => setTimeout(resolve, 350)); // the first POST wakes up: a duplicate
        const orders = h.emulator.control.venue.allOrders().filter((o) => o.client_order_id === request.clientOrderId);
        assert.equal(orders.length, 1);
        assert.deepEqual(
          posts(h).map((r) => r.status),
          [200, 422],
        );
      },
      {},
      { timeoutMs: 150 },
    ));

  it('429: reads back off until the window resets and succeed; a write is a retryable rejection', async () => {
    // Virtual time for the adapter: a wait passes at once, and the first one "lets the minute
    // pass" by lifting the emulator's limit — deterministic, and no real minute spent.
    let offset = 0;
    const waits: number[] = [];
    let lift: (() => void) | undefined;
    const timers = {
      now: () => Date.now() + offset,
      sleep: async (ms: number) => {
        waits.push(ms);
        offset += ms;
        lift?.();
        lift = undefined;
      },
    };
    await withHarness(
      async (h) => {
        h.emulator.control.setRateLimit(2);
        await h.broker.account();
        await h.broker.account();
        lift = () => h.emulator.control.setRateLimit(null);
        assert.ok((await h.broker.account()).cash > 0n, 'the third read waits out the 429 and succeeds');
        h.emulator.control.setRateLimit(1);
        await h.broker.account();
        await assert.rejects(h.broker.submit(order()), (e: unknown) => {
          assert.ok(e instanceof BrokerRejection);
          assert.deepEqual([e.code, e.brokerMessage, e.retryable], ['rate_limited', 'rate limit exceeded', true]);
          return true;
        });
        assert.deepEqual(
          h.emulator.control
            .requests()
            .slice(-6)
            .map((r) => `${r.method} ${r.url} ${r.status}`),
          [
            'GET /v2/account 200',
            'GET /v2/account 200',
            'GET /v2/account 429',
            'GET /v2/account 200',
            'GET /v2/account 200',
            'POST /v2/orders 429',
          ],
        );
        assert.ok(
          waits.some((ms) => ms > 1000),
          `waited for the window to reset (${waits.join(', ')} ms)`,
        );
      },
      {},
      { timers },
    );
  });
});

describe('alpaca drills: stream protocol variants', () => {
  for (const [label, emulator, broker] of [
    ['server takes only {"action":"auth"}; the adapter falls back to it', { authForms: ['auth'] }, {}],
    [
      'server takes only "authenticate"; the adapter starts with "auth"',
      { authForms: ['authenticate'] },
      { stream: { authForm: 'auth', pingIntervalMs: 0 } },
    ],
    ['JSON in text frames', { frames: 'text' }, {}],
  ] as const) {
    it(label, () =>
      withHarness(
        async (h) => {
          const request = order();
          await h.broker.submit(request);
          await h.advance();
          assert.equal((await h.broker.orderByClientId(request.clientOrderId))!.status, 'filled');
        },
        emulator,
        broker,
      ),
    );
  }
});
