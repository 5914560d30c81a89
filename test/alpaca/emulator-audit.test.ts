/**
 * The emulator's audit records (src/emulator/order-log.ts): the rejection log — every refused order
 * submission, whichever rule refused it (the account rules, validation, duplicate ids, what is not
 * emulated, auth and the rate limit), with the order's fields, Alpaca's status, code and words, and
 * the open orders it was refused against — in process and over `GET /_control/rejections`; and the
 * wash-trade audit of the order history (`GET /_control/audit`): empty while Alpaca's rules hold,
 * the overlapping pair when the rule is switched off, and the sweep itself on made-up histories.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AuditOrder, type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { washTradeAudit } from '../../src/emulator/order-log.js';
import { START, control } from './helpers.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

function client(emulator: EmulatorHandle) {
  const auth = { 'APCA-API-KEY-ID': emulator.keyId, 'APCA-API-SECRET-KEY': emulator.secretKey };
  const post = async (body: unknown, headers: Record<string, string> = auth): Promise<Answer> => {
    const response = await fetch(`${emulator.url}/v2/orders`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const order = (id: string, side: 'buy' | 'sell', qty: string, limit?: string, symbol = 'AAPL') =>
    post({
      client_order_id: id,
      symbol,
      side,
      qty,
      type: limit ? 'limit' : 'market',
      time_in_force: 'gtc',
      ...(limit ? { limit_price: limit } : {}),
    });
  const cancel = (id: string) =>
    fetch(`${emulator.url}/v2/orders/${id}`, { method: 'DELETE', headers: auth }).then((r) => r.status);
  const get = async (path: string) => (await fetch(`${emulator.url}/_control/${path}`)).json();
  return { post, order, cancel, get };
}

const withEmulator = async (
  run: (emulator: EmulatorHandle, c: ReturnType<typeof client>) => Promise<void>,
  options: Parameters<typeof startEmulator>[0] = {},
) => {
  const emulator = await startEmulator({ start: START, stepMs: 60_000, rateLimitPerMinute: false, ...options });
  try {
    await run(emulator, client(emulator));
  } finally {
    await emulator.close();
  }
};

describe('emulator: rejection log', () => {
  it("records each account rule's refusal with the order, Alpaca's answer and the orders it was refused against", async () => {
    await withEmulator(async (emulator, c) => {
      assert.equal((await c.order('low-buy', 'buy', '1', '1.00')).status, 200);
      assert.equal((await c.order('wash', 'sell', '2')).status, 403); // a market sell against an open buy
      assert.equal((await c.order('opp', 'sell', '1', '9999.00')).status, 403); // flat, a buy open
      assert.equal((await c.order('rich', 'buy', '100000')).status, 403); // buying power
      assert.equal((await c.order('low-buy', 'buy', '1', '1.00')).status, 422); // duplicate id
      assert.equal((await c.order('long', 'buy', '5', undefined, 'MSFT')).status, 200);
      emulator.control.advance(1);
      assert.equal((await c.order('rest-sell', 'sell', '3', '9999.00', 'MSFT')).status, 200);
      assert.equal((await c.order('too-many', 'sell', '3', '9998.00', 'MSFT')).status, 403); // qty available
      assert.equal((await c.order('short', 'sell', '4', undefined, 'NVDA')).status, 200);
      emulator.control.advance(1);
      assert.equal((await c.order('flip', 'buy', '6', undefined, 'NVDA')).status, 403); // short → long

      const log = emulator.control.rejections();
      assert.deepEqual(
        log.map((r) => [r.client_order_id, r.rule, r.http_status, r.code]),
        [
          ['wash', 'wash_trade', 403, 40310000],
          ['opp', 'opposite_order_open', 403, 40310000],
          ['rich', 'insufficient_buying_power', 403, 40310000],
          ['low-buy', 'duplicate_client_order_id', 422, 40010001],
          ['too-many', 'insufficient_qty', 403, 40310000],
          ['flip', 'position_flip', 403, 40310000],
        ],
      );
      const wash = log[0]!;
      assert.deepEqual(
        {
          ...wash,
          seq: typeof wash.seq,
          time: wash.time,
        },
        {
          seq: 'number',
          time: START,
          rule: 'wash_trade',
          http_status: 403,
          code: 40310000,
          message: 'potential wash trade detected. use complex orders',
          client_order_id: 'wash',
          symbol: 'AAPL',
          side: 'sell',
          type: 'market',
          time_in_force: 'gtc',
          limit_price: null,
          qty: '2',
          notional: null,
          position_qty: '0',
          open_orders: [{ client_order_id: 'low-buy', side: 'buy', type: 'limit', limit_price: '1', qty: '1' }],
          conflicts: ['low-buy'],
        },
      );
      assert.deepEqual(log[1]!.conflicts, ['low-buy']);
      assert.deepEqual([log[4]!.conflicts, log[4]!.position_qty, log[4]!.limit_price], [['rest-sell'], '5', '9998']);
      assert.deepEqual([log[5]!.conflicts, log[5]!.position_qty], [[], '-4']);
      assert.ok(log.every((r, i) => i === 0 || r.seq > log[i - 1]!.seq));
      // Over HTTP: the same records.
      assert.deepEqual(await c.get('rejections'), JSON.parse(JSON.stringify(log)));
    });
  });

  it('records what the HTTP edge refuses: malformed and unsupported orders, bad JSON, auth, the rate limit', async () => {
    await withEmulator(async (emulator, c) => {
      const answers = [
        await c.post({ client_order_id: 'no-symbol', side: 'buy', qty: '1', type: 'market', time_in_force: 'day' }),
        await c.post({
          client_order_id: 'bracket',
          symbol: 'AAPL',
          side: 'buy',
          qty: '1',
          type: 'market',
          order_class: 'bracket',
          time_in_force: 'day',
        }),
        await c.post('{"symbol": "AAPL", '),
        await c.post({ client_order_id: 'no-key', symbol: 'AAPL', side: 'buy', qty: '1', type: 'market' }, {}),
        await c.post({
          client_order_id: 'sub-penny',
          symbol: 'AAPL',
          side: 'buy',
          qty: '1',
          type: 'limit',
          limit_price: '1.001',
          time_in_force: 'day',
        }),
      ];
      await control(emulator, 'rate-limit', { per_minute: 1 });
      await c.order('first', 'buy', '1');
      answers.push(await c.order('second', 'buy', '1'));
      assert.deepEqual(
        answers.map((a) => a.status),
        [422, 422, 400, 401, 422, 429],
      );
      assert.deepEqual(
        emulator.control.rejections().map((r) => [r.client_order_id, r.rule, r.http_status, r.code]),
        [
          ['no-symbol', 'invalid_order', 422, 40010001],
          ['bracket', 'unsupported', 422, 42210000],
          [null, 'invalid_order', 400, 40010000],
          [null, 'unauthorized', 401, 40110000], // refused before its body was read
          ['sub-penny', 'sub_penny_price', 422, 42210000],
          [null, 'rate_limit', 429, 42910000],
        ],
      );
      const [noSymbol, stop] = emulator.control.rejections();
      assert.deepEqual([noSymbol!.symbol, noSymbol!.side, noSymbol!.position_qty], [null, 'buy', null]);
      assert.deepEqual(
        [stop!.type, stop!.symbol, stop!.position_qty, stop!.message],
        ['market', 'AAPL', '0', 'order_class bracket is not supported by the Subledger emulator'],
      );
    });
  });

  it('accepted orders and cancels leave the log empty', async () => {
    await withEmulator(async (emulator, c) => {
      const placed = await c.order('a', 'buy', '1', '1.00');
      assert.equal(await c.cancel(String(placed.body.id)), 204);
      assert.equal(await c.cancel(String(placed.body.id)), 422); // not cancelable: not a submission
      await c.order('b', 'buy', '1');
      emulator.control.advance(1);
      assert.deepEqual(emulator.control.rejections(), []);
      assert.deepEqual(await c.get('rejections'), []);
    });
  });
});

describe('emulator: wash-trade audit', () => {
  it("is empty while Alpaca's rules are enforced, however the orders come and go", async () => {
    await withEmulator(async (emulator, c) => {
      await c.order('buy-low', 'buy', '1', '1.00');
      await c.order('sell-high', 'sell', '1', '9999.00'); // refused (flat with a buy open)
      await c.order('sell-mkt', 'sell', '1'); // refused (wash trade)
      await c.order('buy-mkt', 'buy', '3');
      emulator.control.advance(2);
      await c.order('sell-high-2', 'sell', '1', '9999.00'); // long now: rests beside buy-low
      await c.order('buy-mkt-2', 'buy', '1'); // refused: could trade with sell-high-2
      emulator.control.advance(1);
      assert.equal(emulator.control.rejections().length, 3);
      assert.deepEqual(emulator.control.washTradeAudit(), []);
      assert.deepEqual(await c.get('audit'), []);
    });
  });

  it('names each overlapping pair that could trade when the rule is switched off', async () => {
    await withEmulator(
      async (emulator, c) => {
        const buy = await c.order('buy-low', 'buy', '1', '1.00');
        await c.order('far-sell', 'sell', '1', '9999.00'); // opposite but cannot trade with buy-low
        await c.order('sell-mkt', 'sell', '2'); // could trade with buy-low: a violation
        await c.order('other-symbol', 'sell', '1', undefined, 'MSFT');
        emulator.control.advance(1); // the market orders fill
        assert.equal(await c.cancel(String(buy.body.id)), 204);
        await c.order('sell-mkt-later', 'sell', '1'); // buy-low is gone: no violation

        const violations = emulator.control.washTradeAudit();
        assert.equal(violations.length, 1);
        const [v] = violations;
        const history = emulator.control.venue.orderHistory();
        const seqOf = (id: string) => history.find((o) => o.client_order_id === id)!;
        assert.deepEqual(
          [v!.symbol, v!.buy.client_order_id, v!.sell.client_order_id, v!.from_seq, v!.until_seq],
          ['AAPL', 'buy-low', 'sell-mkt', seqOf('sell-mkt').accepted_seq, seqOf('sell-mkt').closed_seq],
        );
        assert.equal(seqOf('sell-mkt').status, 'filled');
        assert.ok(seqOf('buy-low').closed_seq! > seqOf('sell-mkt').closed_seq!);
        assert.equal(seqOf('sell-mkt-later').closed_seq, null);
        assert.deepEqual(await c.get('audit'), JSON.parse(JSON.stringify(violations)));
      },
      { rules: { washTrade: false, noFlip: false } },
    );
  });

  it('the sweep: open intervals by sequence number, opposite sides, one symbol, could-trade prices', () => {
    let n = 0;
    const o = (
      side: 'buy' | 'sell',
      limit: string | null,
      accepted: number,
      closed: number | null,
      symbol = 'AAPL',
    ): AuditOrder => ({
      id: `o${++n}`,
      client_order_id: `c${n}`,
      symbol,
      side,
      type: limit === null ? 'market' : 'limit',
      limit_price: limit,
      time_in_force: 'day',
      status: closed === null ? 'new' : 'filled',
      accepted_seq: accepted,
      accepted_at: START,
      closed_seq: closed,
      closed_at: closed === null ? null : START,
    });
    const pairs = (orders: AuditOrder[]) =>
      washTradeAudit(orders).map((v) => [v.buy.client_order_id, v.sell.client_order_id, v.from_seq, v.until_seq]);
    n = 0;
    assert.deepEqual(pairs([o('buy', '10', 1, 3), o('sell', '10', 4, null)]), []); // one after the other
    n = 0;
    assert.deepEqual(pairs([o('buy', '10', 1, 5), o('sell', '10', 2, 3)]), [['c1', 'c2', 2, 3]]); // buy ≥ sell
    n = 0;
    assert.deepEqual(pairs([o('buy', '9.99', 1, null), o('sell', '10', 2, null)]), []); // buy < sell
    n = 0;
    assert.deepEqual(pairs([o('buy', '1', 1, null), o('sell', null, 2, null)]), [['c1', 'c2', 2, null]]); // market
    n = 0;
    assert.deepEqual(pairs([o('buy', null, 1, null), o('buy', null, 2, null)]), []); // same side
    n = 0;
    assert.deepEqual(pairs([o('buy', null, 1, null), o('sell', null, 2, null, 'MSFT')]), []); // two symbols
    n = 0;
    assert.deepEqual(pairs([o('sell', '5', 1, 9), o('buy', '6', 2, 4), o('buy', '7', 5, 6), o('buy', '4', 7, 8)]), [
      ['c2', 'c1', 2, 4],
      ['c3', 'c1', 5, 6],
    ]);
  });
});
