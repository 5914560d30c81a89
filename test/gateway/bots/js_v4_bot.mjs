#!/usr/bin/env node
/**
 * A sample bot written the way a user of Alpaca's JS SDK 4.x writes one (`@alpacahq/alpaca-trade-api`
 * 4.0.2, the TypeScript SDK).
 *
 * The v4 client has no base-URL option (its MIGRATION.md: override per request through middleware),
 * so it is pointed at a server through its documented `middleware` option — a `pre` hook that
 * rewrites Alpaca's paper trading host to --base-url and its data host to --data-url — and the
 * stream through `alpaca.trading.stream({ url })`. Keys come from APCA_API_KEY_ID and
 * APCA_API_SECRET_KEY and are passed to the constructor explicitly.
 *
 * For SYMBOL it reads the account, the positions and the latest trade, listens to trade_updates,
 * buys QTY at market (client_order_id PREFIX-1) and polls the order until it is filled, rests a
 * far-away limit buy (PREFIX-2, 1.00, gtc), replaces it (PREFIX-2r: qty 2, 1.05), cancels it,
 * closes the position and checks that it is gone. It prints one JSON line with what it saw and
 * exits 0, or prints that line with "ok": false and "error" and exits 1 on any unexpected answer.
 *
 *   node js_v4_bot.mjs --base-url http://127.0.0.1:8790 --stream-url ws://127.0.0.1:8790/stream \
 *     --data-url http://127.0.0.1:8790 --symbol AAPL --prefix js-v4
 *
 * --no-limit skips the resting limit order (and so its replace and cancel), --no-replace the
 * replace step; --close-with sell closes with a market sell (PREFIX-3) instead of DELETE
 * /v2/positions/{symbol}. They are for servers that lack those endpoints.
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { Alpaca, ApiError, streaming } from '@alpacahq/alpaca-trade-api';

const PAPER_TRADING_HOST = 'https://paper-api.alpaca.markets';
const DATA_HOST = 'https://data.alpaca.markets';

const { values: args } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    'stream-url': { type: 'string' },
    'data-url': { type: 'string' },
    symbol: { type: 'string' },
    prefix: { type: 'string' },
    qty: { type: 'string', default: '2' },
    'no-limit': { type: 'boolean', default: false },
    'no-replace': { type: 'boolean', default: false },
    'close-with': { type: 'string', default: 'delete' },
    timeout: { type: 'string', default: '30' },
  },
});
for (const name of ['base-url', 'stream-url', 'data-url', 'symbol', 'prefix'])
  if (!args[name]) throw new Error(`--${name} is required`);
if (!['delete', 'sell'].includes(args['close-with'])) throw new Error('--close-with is delete or sell');
const symbol = args.symbol;
const prefix = args.prefix;
const qty = Number(args.qty);
const timeoutMs = Number(args.timeout) * 1000;

const version = createRequire(import.meta.url)('@alpacahq/alpaca-trade-api/package.json').version;
const seen = {
  bot: 'js-v4',
  client: `@alpacahq/alpaca-trade-api ${version}`,
  symbol,
  ok: false,
  orders: [],
  events: [],
  skipped: [],
};

class Unexpected extends Error {}

const alpaca = new Alpaca({
  keyId: process.env.APCA_API_KEY_ID,
  secret: process.env.APCA_API_SECRET_KEY,
  paper: true,
  middleware: [
    {
      pre: async ({ url, init }) => ({
        url: url.replace(PAPER_TRADING_HOST, args['base-url']).replace(DATA_HOST, args['data-url']),
        init,
      }),
    },
  ],
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (value) => (value === null || value === undefined ? null : String(value));
const orderFacts = (step, order) => ({
  step,
  id: order.id,
  client_order_id: order.clientOrderId,
  symbol: order.symbol,
  side: text(order.side),
  type: text(order.type),
  qty: text(order.qty),
  limit_price: text(order.limitPrice),
  status: text(order.status),
  filled_qty: text(order.filledQty),
  filled_avg_price: text(order.filledAvgPrice),
});

async function waitForOrder(orderId, wanted) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const order = await alpaca.trading.orders.getOrderByOrderID({ orderId });
    if (order.status === wanted) return order;
    if (['canceled', 'expired', 'rejected', 'replaced', 'filled', 'done_for_day'].includes(order.status))
      throw new Unexpected(`order ${order.clientOrderId} is ${order.status}, expected ${wanted}`);
    if (Date.now() > deadline)
      throw new Unexpected(`order ${order.clientOrderId} still ${order.status} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

async function waitForEvent(orderId, event) {
  const deadline = Date.now() + timeoutMs;
  while (!seen.events.some((e) => e.order_id === orderId && e.event === event)) {
    if (Date.now() > deadline)
      throw new Unexpected(`no ${event} event for order ${orderId} on the stream after ${timeoutMs} ms`);
    await sleep(50);
  }
}

const stream = alpaca.trading.stream({ url: args['stream-url'] });
stream.onTradeUpdate((update) =>
  seen.events.push({
    event: update.event,
    order_id: update.order.id,
    client_order_id: update.order.clientOrderId,
    symbol: update.order.symbol,
    status: text(update.order.status),
  }),
);

/** Connects the stream and resolves once the server answers that it listens to trade_updates. */
function listen() {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Unexpected('trade_updates stream did not start listening')), timeoutMs);
    stream.on(streaming.EVENT.SUBSCRIPTION, (streams) => {
      if (!streams.includes('trade_updates')) return;
      clearTimeout(timer);
      resolve();
    });
    stream.onError((error) => {
      clearTimeout(timer);
      reject(new Unexpected(`trade_updates stream: ${error}`));
    });
    stream.subscribeTradeUpdates();
    stream.connect();
  });
}

function describe(error) {
  if (error instanceof ApiError) return `${error.constructor.name} ${error.status} ${error.code}: ${error.message}`;
  return `${error?.constructor?.name ?? 'Error'}: ${error?.message ?? error}`;
}

let step = 'start';
let streamStarted = false;
try {
  step = 'account';
  const account = await alpaca.trading.account.getAccount();
  seen.account = {
    status: text(account.status),
    cash: text(account.cash),
    buying_power: text(account.buyingPower),
    equity: text(account.equity),
  };
  if (seen.account.status !== 'ACTIVE') throw new Unexpected(`account status ${seen.account.status}`);
  step = 'positions';
  seen.positions_before = (await alpaca.trading.positions.getAllOpenPositions()).map((p) => ({
    symbol: p.symbol,
    qty: text(p.qty),
  }));
  step = 'latest trade';
  const latest = await alpaca.marketData.stocks.stockLatestTrades({ symbols: symbol });
  const trade = latest.trades?.[symbol];
  seen.latest_trade_price = text(trade?.p ?? trade?.price);

  step = 'stream';
  streamStarted = true;
  await listen();

  step = 'market buy';
  const market = await alpaca.trading.orders.market({
    symbol,
    qty,
    side: 'buy',
    timeInForce: 'day',
    clientOrderId: `${prefix}-1`,
  });
  if (market.clientOrderId !== `${prefix}-1`)
    throw new Unexpected(`submitted ${prefix}-1, got back ${market.clientOrderId}`);
  const filled = await waitForOrder(market.id, 'filled');
  if (text(filled.filledQty) !== String(qty)) throw new Unexpected(`filledQty ${filled.filledQty}, expected ${qty}`);
  const byClientId = await alpaca.trading.orders.getOrderByClientOrderId({ clientOrderId: `${prefix}-1` });
  if (byClientId.id !== market.id) throw new Unexpected('getOrderByClientOrderId answered another order');
  seen.orders.push(orderFacts('market', filled));

  if (args['no-limit']) {
    seen.skipped.push('limit', 'replace');
  } else {
    step = 'limit buy';
    let resting = await alpaca.trading.orders.limit({
      symbol,
      qty: '1',
      side: 'buy',
      limitPrice: '1.00',
      timeInForce: 'gtc',
      clientOrderId: `${prefix}-2`,
    });
    if (!['new', 'accepted', 'pending_new'].includes(resting.status))
      throw new Unexpected(`limit order answered ${resting.status}`);
    if (args['no-replace']) {
      seen.skipped.push('replace');
    } else {
      step = 'replace';
      const replacement = await alpaca.trading.orders.patchOrderByOrderId({
        orderId: resting.id,
        patchOrderRequest: { qty: '2', limitPrice: '1.05', clientOrderId: `${prefix}-2r` },
      });
      seen.orders.push(orderFacts('replaced', await alpaca.trading.orders.getOrderByOrderID({ orderId: resting.id })));
      resting = replacement;
    }
    step = 'cancel';
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: resting.id });
    seen.orders.push(orderFacts('limit', await waitForOrder(resting.id, 'canceled')));
    await waitForEvent(resting.id, 'canceled');
  }

  step = 'close';
  let close;
  if (args['close-with'] === 'delete') {
    close = await alpaca.trading.positions.deleteOpenPosition({ symbolOrAssetId: symbol });
  } else {
    seen.skipped.push('close_position');
    const position = await alpaca.trading.positions.getOpenPosition({ symbolOrAssetId: symbol });
    close = await alpaca.trading.orders.market({
      symbol,
      qty: position.qty,
      side: 'sell',
      timeInForce: 'day',
      clientOrderId: `${prefix}-3`,
    });
  }
  seen.orders.push(orderFacts('close', await waitForOrder(close.id, 'filled')));
  step = 'stream events';
  await waitForEvent(market.id, 'fill');
  await waitForEvent(close.id, 'fill');

  step = 'position gone';
  const left = await alpaca.trading.positions.getOpenPosition({ symbolOrAssetId: symbol }).then(
    (position) => position,
    (error) => {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    },
  );
  if (left) throw new Unexpected(`position ${symbol} still open after closing: qty ${left.qty}`);
  if ((await alpaca.trading.positions.getAllOpenPositions()).some((p) => p.symbol === symbol))
    throw new Unexpected(`${symbol} still listed in the positions`);
  seen.position_after = null;
  seen.ok = true;
} catch (error) {
  seen.error = `${step}: ${describe(error)}`;
} finally {
  if (streamStarted) stream.disconnect();
  console.log(JSON.stringify(seen));
}
process.exit(seen.ok ? 0 : 1);
