/**
 * The Alpaca adapter against the emulator, beyond the broker contract: marks from market data
 * (stocks and crypto, exact), where a first start begins (`now` or `beginning`), a backfill that
 * rebuilds partial fills with their running averages, a failing handler that gets the fill again
 * with the cursor held back, crypto's own rules, and activities paging.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExecutionReport } from '../../src/app/ports/broker-port.js';
import { type Dec, abs, dec, div, sub, sum, mul } from '../../src/core/decimal.js';
import type { ClientOrderId, Symbol } from '../../src/core/ids.js';
import { startEmulator } from '../../src/emulator/index.js';
import { START, adapterFor, alpacaHarness, memoryCursors } from './helpers.js';

const sym = (s: string) => s as Symbol;

describe('alpaca adapter: market data', () => {
  it('gives exact bid, ask and last for stocks and crypto in one call; unknown symbols are absent', async () => {
    const h = await alpacaHarness();
    try {
      h.emulator.control.advance(3);
      const quotes = await h.broker.latest([sym('AAPL'), sym('MSFT'), sym('BTC/USD'), sym('NOPE')]);
      assert.deepEqual([...quotes.keys()].sort(), ['AAPL', 'BTC/USD', 'MSFT']);
      for (const symbol of ['AAPL', 'MSFT', 'BTC/USD'].map(sym)) {
        const expected = h.emulator.control.venue.market.latest(symbol)!;
        const q = quotes.get(symbol)!;
        assert.deepEqual(
          [q.bid, q.ask, q.last, q.ts, q.source],
          [expected.bid, expected.ask, expected.last, expected.ts, 'alpaca'],
        );
      }
    } finally {
      await h.broker.close();
      await h.dispose!();
    }
  });
});

describe('alpaca adapter: first start and backfill', () => {
  const withFills = async () => {
    const emulator = await startEmulator({ start: START, stepMs: 60_000, maxQtyPerStep: '7' });
    const post = (body: Record<string, string>) =>
      fetch(`${emulator.url}/v2/orders`, {
        method: 'POST',
        headers: {
          'APCA-API-KEY-ID': emulator.keyId,
          'APCA-API-SECRET-KEY': emulator.secretKey,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
    await post({
      symbol: 'AAPL',
      qty: '20',
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
      client_order_id: 'old-1',
    });
    emulator.control.advance(3);
    return { emulator };
  };

  it('`now` starts at the latest fill: history before the first start is not replayed', async () => {
    const { emulator } = await withFills();
    const cursors = memoryCursors();
    const broker = adapterFor(emulator, cursors);
    const fills: ExecutionReport[] = [];
    broker.subscribe(async (r) => void (r.execution && fills.push(r)));
    await broker.ready();
    assert.deepEqual(fills, []);
    assert.match(JSON.parse([...cursors.values.values()][0]!).activity_id, /::/);
    await broker.close();
    await emulator.close();
  });

  it('`beginning` replays every fill with the order as it stood then (running average)', async () => {
    const { emulator } = await withFills();
    const broker = adapterFor(emulator, memoryCursors(), { startFrom: 'beginning' });
    const fills: ExecutionReport[] = [];
    broker.subscribe(async (r) => void (r.execution && fills.push(r)));
    await broker.ready();
    assert.deepEqual(
      fills.map((f) => [f.kind, f.order.filledQty, f.order.status]),
      [
        ['partial_fill', dec('7'), 'partially_filled'],
        ['partial_fill', dec('14'), 'partially_filled'],
        ['fill', dec('20'), 'filled'],
      ],
    );
    let notional = dec('0');
    for (const f of fills) {
      notional = (notional + mul(f.execution!.qty, f.execution!.price)) as Dec;
      const exact = div(notional, f.order.filledQty);
      assert.ok(abs(sub(f.order.filledAvgPrice!, exact)) < dec('0.000000001'), `${f.order.filledAvgPrice} ≈ ${exact}`);
    }
    assert.equal(sum(fills.map((f) => f.execution!.qty)), dec('20'));
    await broker.close();
    await emulator.close();
  });

  it('a handler that fails on a fill gets it again from the next backfill; the cursor waits', async () => {
    const h = await alpacaHarness();
    try {
      let fail = true;
      const got: string[] = [];
      h.broker.subscribe(async (r) => {
        if (!r.execution) return;
        if (fail) throw new Error('journal down');
        got.push(r.execution.id);
      });
      const before = h.cursors.values.get([...h.cursors.values.keys()][0]!);
      await h.broker.submit({
        clientOrderId: 'fails-once' as ClientOrderId,
        symbol: sym('AAPL'),
        side: 'buy',
        qty: dec('3'),
        type: 'market',
        timeInForce: 'day',
      });
      await h.advance();
      assert.equal(h.errors.length, 1);
      await h.broker.backfillNow();
      assert.equal(
        h.cursors.values.get([...h.cursors.values.keys()][0]!),
        before,
        'the cursor did not move past the failure',
      );
      fail = false;
      await h.broker.backfillNow();
      assert.equal(got.length, 1);
      assert.notEqual(h.cursors.values.get([...h.cursors.values.keys()][0]!), before);
      await h.broker.backfillNow();
      assert.equal(got.length, 1, 'delivered once it was taken');
    } finally {
      await h.broker.close();
      await h.dispose!();
    }
  });
});

describe('alpaca adapter: crypto and activities', () => {
  it("crypto: fractional buys, no day orders, no shorting — with Alpaca's refusals", async () => {
    const h = await alpacaHarness();
    try {
      const base = { symbol: sym('BTC/USD'), type: 'market', timeInForce: 'gtc' } as const;
      await h.broker.submit({ ...base, clientOrderId: 'btc-1' as ClientOrderId, side: 'buy', qty: dec('0.25') });
      await h.advance();
      const position = (await h.broker.positionDetails()).find((p) => p.symbol === 'BTC/USD')!;
      assert.deepEqual([position.qty, position.qtyAvailable], [dec('0.25'), dec('0.25')]);
      await assert.rejects(
        h.broker.submit({ ...base, clientOrderId: 'btc-2' as ClientOrderId, side: 'sell', qty: dec('0.5') }),
        { code: 'insufficient_qty', message: 'insufficient qty available for order (requested: 0.5, available: 0.25)' },
      );
      await assert.rejects(
        h.broker.submit({
          ...base,
          clientOrderId: 'btc-3' as ClientOrderId,
          side: 'buy',
          qty: dec('1'),
          timeInForce: 'day',
        }),
        { code: 'invalid_order' },
      );
    } finally {
      await h.broker.close();
      await h.dispose!();
    }
  });

  it('activities: all pages oldest first, DIV rows included, page_token continues exactly', async () => {
    const h = await alpacaHarness({ maxQtyPerStep: '1' });
    try {
      await h.broker.submit({
        clientOrderId: 'many' as ClientOrderId,
        symbol: sym('AAPL'),
        side: 'buy',
        qty: dec('130'),
        type: 'market',
        timeInForce: 'gtc',
      });
      h.emulator.control.advance(130);
      h.emulator.control.dividend('AAPL', '0.25');
      const all = await h.broker.activities();
      assert.equal(all.length, 131);
      assert.deepEqual(
        all.map((a) => a.id),
        h.emulator.control.venue.activities().map((a) => a.id),
      );
      const div = all.at(-1)!;
      assert.deepEqual([div.activity_type, 'net_amount' in div ? div.net_amount : undefined], ['DIV', dec('32.5')]);
      const after = await h.broker.activities({ types: ['FILL'], pageToken: all[99]!.id });
      assert.deepEqual(
        after.map((a) => a.id),
        all.slice(100, 130).map((a) => a.id),
      );
    } finally {
      await h.broker.close();
      await h.dispose!();
    }
  });
});
