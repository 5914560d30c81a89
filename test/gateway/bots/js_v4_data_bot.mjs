#!/usr/bin/env node
/**
 * A market-data bot written the way a user of Alpaca's JS SDK 4.x writes one (`@alpacahq/alpaca-trade-api`
 * 4.0.2): `alpaca.marketData.stockStream({ url })`, the client's own option for the stream's URL
 * (the feed's full URL, e.g. ws://127.0.0.1:8081/v2/iex). Keys come from APCA_API_KEY_ID and
 * APCA_API_SECRET_KEY and are passed to the constructor explicitly. The SDK speaks msgpack.
 *
 * It subscribes to the trades and quotes of SYMBOL, waits for COUNT of each, disconnects and prints
 * one JSON line: client, symbol, trades (symbol, price, size, id, timestamp), quotes (symbol,
 * bidPrice, askPrice, timestamp).
 *
 *   node js_v4_data_bot.mjs --url ws://127.0.0.1:8081/v2/iex --symbol AAPL --count 2
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { Alpaca } from '@alpacahq/alpaca-trade-api';

const { values: args } = parseArgs({
  options: { url: { type: 'string' }, symbol: { type: 'string' }, count: { type: 'string', default: '2' } },
});
const count = Number(args.count);
const { version } = createRequire(import.meta.url)('@alpacahq/alpaca-trade-api/package.json');

const alpaca = new Alpaca({ keyId: process.env.APCA_API_KEY_ID, secret: process.env.APCA_API_SECRET_KEY, paper: true });
const stream = alpaca.marketData.stockStream({ url: args.url });
const trades = [];
const quotes = [];
const done = () => {
  if (trades.length < count || quotes.length < count) return;
  stream.disconnect();
  console.log(JSON.stringify({ client: `@alpacahq/alpaca-trade-api ${version}`, symbol: args.symbol, trades, quotes }));
  process.exit(0);
};
stream.onTrade((t) => {
  if (trades.length < count)
    trades.push({ symbol: t.symbol, price: t.price, size: t.size, id: t.id, timestamp: t.timestampRaw });
  done();
});
stream.onQuote((q) => {
  if (quotes.length < count)
    quotes.push({ symbol: q.symbol, bidPrice: q.bidPrice, askPrice: q.askPrice, timestamp: q.timestampRaw });
  done();
});
stream.onError((error) => console.error(`stream error: ${error}`));
stream.subscribeForTrades([args.symbol]);
stream.subscribeForQuotes([args.symbol]);
stream.connect();
