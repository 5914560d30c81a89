/**
 * Compatibility proof with a client nobody here wrote: Alpaca's official TypeScript SDK
 * (`@alpacahq/alpaca-trade-api` 4.0.2) drives the emulator — create orders, read them back by id
 * and by client order id, positions, account, activities, latest market data, a typed error for a
 * refused order, and `trade_updates` over its own stream client (auth, listen, binary frames).
 *
 * The v4 facade has no base-URL option (FACTS §7): REST is redirected with its documented `pre`
 * middleware, the stream with `trading.stream({ url })`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Alpaca, ApiError } from '@alpacahq/alpaca-trade-api';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { START, waitFor } from './helpers.js';

const TRADING_HOST = 'https://paper-api.alpaca.markets';
const DATA_HOST = 'https://data.alpaca.markets';

describe('the official Alpaca SDK against the emulator', () => {
  let emulator: EmulatorHandle;
  let alpaca: Alpaca;
  let stream: ReturnType<Alpaca['trading']['stream']>;
  const updates: {
    event: string;
    executionId?: string;
    qty?: string;
    price?: string;
    positionQty?: string;
    order: { clientOrderId?: string; status?: string; filledQty?: string };
  }[] = [];

  before(async () => {
    emulator = await startEmulator({ start: START, stepMs: 60_000 });
    alpaca = new Alpaca({
      keyId: emulator.keyId,
      secret: emulator.secretKey,
      paper: true,
      retry: false,
      timeoutMs: 0,
      middleware: [
        {
          pre: async ({ url, init }) => ({
            url: url.replace(TRADING_HOST, emulator.url).replace(DATA_HOST, emulator.url),
            init,
          }),
        },
      ],
    });
    stream = alpaca.trading.stream({ url: emulator.wsUrl, reconnect: false });
    stream.onTradeUpdate((u) => void updates.push(u as never));
    stream.subscribeTradeUpdates();
    stream.connect();
    await waitFor(() => emulator.control.stats().streamListeners === 1, 'the SDK stream to listen');
  });

  after(async () => {
    stream.disconnect();
    await emulator.close();
  });

  it('creates a market order, reads it back, and receives new and fill over its stream', async () => {
    const created = await alpaca.trading.orders.market({
      symbol: 'AAPL',
      qty: 5,
      side: 'buy',
      clientOrderId: 'sdk-buy-1',
    });
    assert.deepEqual(
      [created.symbol, created.qty, created.side, created.status, created.clientOrderId],
      ['AAPL', '5', 'buy', 'new', 'sdk-buy-1'],
    );
    emulator.control.advance(1);
    const byId = await alpaca.trading.orders.getOrderByOrderID({ orderId: created.id! });
    assert.deepEqual([byId.status, byId.filledQty], ['filled', '5']);
    assert.ok(byId.filledAt instanceof Date && byId.filledAvgPrice);
    const byClientId = await alpaca.trading.orders.getOrderByClientOrderId({ clientOrderId: 'sdk-buy-1' });
    assert.equal(byClientId.id, created.id);
    await waitFor(() => updates.filter((u) => u.order.clientOrderId === 'sdk-buy-1').length === 2, 'two trade updates');
    const [news, fill] = updates.filter((u) => u.order.clientOrderId === 'sdk-buy-1');
    assert.equal(news!.event, 'new');
    assert.deepEqual([fill!.event, fill!.qty, fill!.positionQty, fill!.order.status], ['fill', '5', '5', 'filled']);
    assert.match(fill!.executionId!, /^[0-9a-f-]{36}$/);
    assert.equal(fill!.price, byId.filledAvgPrice);
  });

  it('reads positions, the account and FILL activities', async () => {
    const positions = await alpaca.trading.positions.getAllOpenPositions();
    assert.deepEqual(
      positions.map((p) => [p.symbol, p.qty, p.side, p.assetClass]),
      [['AAPL', '5', 'long', 'us_equity']],
    );
    const account = await alpaca.trading.account.getAccount();
    assert.equal(account.status, 'ACTIVE');
    assert.ok(Number(account.cash) < 100_000 && Number(account.equity) > 99_000);
    // The SDK's generated oneOf decoder reads every row as NonTradeActivities (no required
    // fields), so only the fields both shapes share survive its mapping.
    const fills = await alpaca.trading.accountActivities.getAccountActivitiesByActivityType({ activityType: 'FILL' });
    assert.deepEqual(
      fills.map((f) => [f.activityType, f.symbol, f.qty]),
      [['FILL', 'AAPL', '5']],
    );
    assert.match(String(fills[0]!.id), /^\d{17}::[0-9a-f-]{36}$/);
  });

  it('cancels a resting limit order and sees canceled on the stream', async () => {
    const resting = await alpaca.trading.orders.limit({
      symbol: 'MSFT',
      qty: '2',
      side: 'buy',
      limitPrice: '100',
      timeInForce: 'gtc',
      clientOrderId: 'sdk-rest',
    });
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: resting.id! });
    await waitFor(
      () => updates.some((u) => u.order.clientOrderId === 'sdk-rest' && u.event === 'canceled'),
      'canceled',
    );
    const open = await alpaca.trading.orders.getAllOrders({ status: 'open' });
    assert.deepEqual(open, []);
  });

  it("gets a typed ApiError with Alpaca's code and words for a refused order", async () => {
    await assert.rejects(
      alpaca.trading.orders.market({ symbol: 'AAPL', qty: 1, side: 'buy', clientOrderId: 'sdk-buy-1' }),
      (e: unknown) => {
        assert.ok(e instanceof ApiError, String(e));
        assert.deepEqual([e.status, Number(e.code), e.message], [422, 40010001, 'client_order_id must be unique']);
        return true;
      },
    );
  });

  it('reads latest stock trades and quotes', async () => {
    const trades = await alpaca.marketData.stocks.stockLatestTrades({ symbols: 'AAPL,MSFT' });
    const quotes = await alpaca.marketData.stocks.stockLatestQuotes({ symbols: 'AAPL' });
    assert.deepEqual(Object.keys(trades.trades ?? {}).sort(), ['AAPL', 'MSFT']);
    const q = quotes.quotes?.AAPL as { bp?: unknown; ap?: unknown; bidPrice?: unknown; askPrice?: unknown };
    assert.ok(q && Number(q.bp ?? q.bidPrice) < Number(q.ap ?? q.askPrice));
  });
});
