#!/usr/bin/env node
/**
 * A sample bot written the way a user of Alpaca's JS SDK 3.x writes one (`@alpacahq/alpaca-trade-api`
 * 3.1.3, installed here under the npm alias `alpaca-trade-api-v3`).
 *
 * It is pointed at a server only through the SDK's own options: `new Alpaca({ keyId, secretKey,
 * paper: true, baseUrl, dataBaseUrl })` — the constructor's names for APCA_API_BASE_URL and
 * APCA_DATA_BASE_URL. The SDK derives the trade_updates socket from `baseUrl` (`http` becomes `ws`,
 * plus `/stream`), so it has no stream option. Keys come from APCA_API_KEY_ID and
 * APCA_API_SECRET_KEY and are passed to the constructor explicitly.
 *
 * For SYMBOL it reads the account, the positions and the latest trade, listens to trade_updates,
 * buys QTY at market (client_order_id PREFIX-1) and polls the order until it is filled, rests a
 * far-away limit buy (PREFIX-2, 1.00, gtc), replaces it (PREFIX-2r: qty 2, 1.05), cancels it,
 * closes the position and checks that it is gone. It prints one JSON line with what it saw and
 * exits 0, or prints that line with "ok": false and "error" and exits 1 on any unexpected answer.
 *
 *   node js_v3_bot.mjs --base-url http://127.0.0.1:8790 --data-url http://127.0.0.1:8790 \
 *     --symbol AAPL --prefix js-v3
 *
 * --no-limit skips the resting limit order (and so its replace and cancel), --no-replace the
 * replace step; --close-with sell closes with a market sell (PREFIX-3) instead of DELETE
 * /v2/positions/{symbol}. They are for servers that lack those endpoints.
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import Alpaca from 'alpaca-trade-api-v3';

const { values: args } = parseArgs({
  options: {
    'base-url': { type: 'string' },
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
for (const name of ['base-url', 'data-url', 'symbol', 'prefix'])
  if (!args[name]) throw new Error(`--${name} is required`);
if (!['delete', 'sell'].includes(args['close-with'])) throw new Error('--close-with is delete or sell');
const symbol = args.symbol;
const prefix = args.prefix;
const qty = Number(args.qty);
const timeoutMs = Number(args.timeout) * 1000;

const version = createRequire(import.meta.url)('alpaca-trade-api-v3/package.json').version;
const seen = {
  bot: 'js-v3',
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
  secretKey: process.env.APCA_API_SECRET_KEY,
  paper: true,
  baseUrl: args['base-url'],
  dataBaseUrl: args['data-url'],
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (value) => (value === null || value === undefined ? null : String(value));
const orderFacts = (step, order) => ({
  step,
  id: order.id,
  client_order_id: order.client_order_id,
  symbol: order.symbol,
  side: order.side,
  type: order.type,
  qty: text(order.qty),
  limit_price: text(order.limit_price),
  status: order.status,
  filled_qty: text(order.filled_qty),
  filled_avg_price: text(order.filled_avg_price),
});

async function waitForOrder(orderId, wanted) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const order = await alpaca.getOrder(orderId);
    if (order.status === wanted) return order;
    if (['canceled', 'expired', 'rejected', 'replaced', 'filled', 'done_for_day'].includes(order.status))
      throw new Unexpected(`order ${order.client_order_id} is ${order.status}, expected ${wanted}`);
    if (Date.now() > deadline)
      throw new Unexpected(`order ${order.client_order_id} still ${order.status} after ${timeoutMs} ms`);
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

/** Connects trade_ws and resolves once it is authorized and has asked for trade_updates. */
function listen() {
  const socket = alpaca.trade_ws;
  socket.onOrderUpdate((update) =>
    seen.events.push({
      event: update.event,
      order_id: update.order.id,
      client_order_id: update.order.client_order_id,
      symbol: update.order.symbol,
      status: update.order.status,
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Unexpected('trade_updates stream did not connect')), timeoutMs);
    socket.onConnect(() => {
      socket.subscribe(['trade_updates']);
      clearTimeout(timer);
      // The SDK does not surface the `listening` answer: give it a moment to arrive.
      setTimeout(resolve, 300);
    });
    socket.onError((error) => {
      if (socket.state() !== 'connected') {
        clearTimeout(timer);
        reject(new Unexpected(`trade_updates stream: ${error}`));
      }
    });
    socket.connect();
  });
}

function describe(error) {
  if (error?.response) return `HTTP ${error.response.status} ${JSON.stringify(error.response.data)}`;
  return `${error?.constructor?.name ?? 'Error'}: ${error?.message ?? error}`;
}

let step = 'start';
let streamStarted = false;
try {
  step = 'account';
  const account = await alpaca.getAccount();
  seen.account = {
    status: account.status,
    cash: account.cash,
    buying_power: account.buying_power,
    equity: account.equity,
  };
  if (account.status !== 'ACTIVE') throw new Unexpected(`account status ${account.status}`);
  step = 'positions';
  seen.positions_before = (await alpaca.getPositions()).map((p) => ({ symbol: p.symbol, qty: p.qty }));
  step = 'latest trade';
  seen.latest_trade_price = text((await alpaca.getLatestTrade(symbol)).Price);

  step = 'stream';
  streamStarted = true;
  await listen();

  step = 'market buy';
  const market = await alpaca.createOrder({
    symbol,
    qty,
    side: 'buy',
    type: 'market',
    time_in_force: 'day',
    client_order_id: `${prefix}-1`,
  });
  if (market.client_order_id !== `${prefix}-1`)
    throw new Unexpected(`submitted ${prefix}-1, got back ${market.client_order_id}`);
  const filled = await waitForOrder(market.id, 'filled');
  if (filled.filled_qty !== String(qty)) throw new Unexpected(`filled_qty ${filled.filled_qty}, expected ${qty}`);
  if ((await alpaca.getOrderByClientId(`${prefix}-1`)).id !== market.id)
    throw new Unexpected('getOrderByClientId answered another order');
  seen.orders.push(orderFacts('market', filled));

  if (args['no-limit']) {
    seen.skipped.push('limit', 'replace');
  } else {
    step = 'limit buy';
    let resting = await alpaca.createOrder({
      symbol,
      qty: 1,
      side: 'buy',
      type: 'limit',
      time_in_force: 'gtc',
      limit_price: '1.00',
      client_order_id: `${prefix}-2`,
    });
    if (!['new', 'accepted', 'pending_new'].includes(resting.status))
      throw new Unexpected(`limit order answered ${resting.status}`);
    if (args['no-replace']) {
      seen.skipped.push('replace');
    } else {
      step = 'replace';
      const replacement = await alpaca.replaceOrder(resting.id, {
        qty: '2',
        limit_price: '1.05',
        client_order_id: `${prefix}-2r`,
      });
      seen.orders.push(orderFacts('replaced', await alpaca.getOrder(resting.id)));
      resting = replacement;
    }
    step = 'cancel';
    await alpaca.cancelOrder(resting.id);
    seen.orders.push(orderFacts('limit', await waitForOrder(resting.id, 'canceled')));
    await waitForEvent(resting.id, 'canceled');
  }

  step = 'close';
  let close;
  if (args['close-with'] === 'delete') {
    close = await alpaca.closePosition(symbol);
  } else {
    seen.skipped.push('close_position');
    const position = await alpaca.getPosition(symbol);
    close = await alpaca.createOrder({
      symbol,
      qty: position.qty,
      side: 'sell',
      type: 'market',
      time_in_force: 'day',
      client_order_id: `${prefix}-3`,
    });
  }
  seen.orders.push(orderFacts('close', await waitForOrder(close.id, 'filled')));
  step = 'stream events';
  await waitForEvent(market.id, 'fill');
  await waitForEvent(close.id, 'fill');

  step = 'position gone';
  const left = await alpaca.getPosition(symbol).then(
    (position) => position,
    (error) => {
      if (error?.response?.status === 404) return null;
      throw error;
    },
  );
  if (left) throw new Unexpected(`position ${symbol} still open after closing: qty ${left.qty}`);
  if ((await alpaca.getPositions()).some((p) => p.symbol === symbol))
    throw new Unexpected(`${symbol} still listed in the positions`);
  seen.position_after = null;
  seen.ok = true;
} catch (error) {
  seen.error = `${step}: ${describe(error)}`;
} finally {
  if (streamStarted) alpaca.trade_ws.disconnect();
  console.log(JSON.stringify(seen));
}
process.exit(seen.ok ? 0 : 1);
