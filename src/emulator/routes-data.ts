/**
 * The emulator's market-data endpoints (Alpaca's data API, FACTS §5, served on the same port):
 * latest trades and quotes for stocks (`/v2/stocks/{trades|quotes}/latest?symbols=`, and the
 * single-symbol `/v2/stocks/{symbol}/{trades|quotes}/latest`) and for crypto
 * (`/v1beta3/crypto/us/latest/{trades|quotes}?symbols=`).
 *
 * Invariants: as Alpaca's data API does, prices and sizes are JSON numbers — written from the
 * simulation's exact decimals, never through a float; symbols the venue does not trade (or of the
 * other asset class) are absent from batch answers.
 */
import type { FastifyInstance } from 'fastify';
import type { Symbol } from '../core/ids.js';
import type { SimQuote } from '../sim/index.js';
import { queryOf, sendError, sendJson } from './http-util.js';
import { rawNumber } from '../core/exact-json.js';
import { type Venue, isCrypto } from './venue.js';

const SIZE = rawNumber(100);

function stockTrade(q: SimQuote, id: number) {
  return { t: q.ts, x: 'V', p: rawNumber(q.last), s: SIZE, c: ['@'], i: id, z: 'C' };
}
function stockQuote(q: SimQuote) {
  return {
    t: q.ts,
    bx: 'V',
    bp: rawNumber(q.bid),
    bs: SIZE,
    ax: 'V',
    ap: rawNumber(q.ask),
    as: SIZE,
    c: ['R'],
    z: 'C',
  };
}
function cryptoTrade(q: SimQuote, id: number) {
  return { t: q.ts, p: rawNumber(q.last), s: rawNumber(1), i: id, tks: 'B' };
}
function cryptoQuote(q: SimQuote) {
  return { t: q.ts, bp: rawNumber(q.bid), bs: rawNumber(1), ap: rawNumber(q.ask), as: rawNumber(1) };
}

export function registerDataRoutes(app: FastifyInstance, venue: Venue): void {
  const tradeId = () => venue.market.current().step + 1;
  const batch = (crypto: boolean, symbolsParam: string | undefined, make: (q: SimQuote) => unknown) => {
    const out: Record<string, unknown> = {};
    for (const symbol of (symbolsParam ?? '').split(',').map((s) => s.trim())) {
      if (!symbol || isCrypto(symbol) !== crypto) continue;
      const quote = venue.market.latest(symbol as Symbol);
      if (quote) out[symbol] = make(quote);
    }
    return out;
  };
  const needSymbols = (symbols: string | undefined) => (symbols ? undefined : 'symbols is required');

  app.get('/v2/stocks/trades/latest', async (request, reply) => {
    const { symbols } = queryOf(request);
    const problem = needSymbols(symbols);
    if (problem) return sendError(reply, 400, 40010001, problem);
    return sendJson(reply, 200, { trades: batch(false, symbols, (q) => stockTrade(q, tradeId())) });
  });
  app.get('/v2/stocks/quotes/latest', async (request, reply) => {
    const { symbols } = queryOf(request);
    const problem = needSymbols(symbols);
    if (problem) return sendError(reply, 400, 40010001, problem);
    return sendJson(reply, 200, { quotes: batch(false, symbols, stockQuote) });
  });
  app.get<{ Params: { symbol: string } }>('/v2/stocks/:symbol/trades/latest', async (request, reply) => {
    const quote = isCrypto(request.params.symbol) ? undefined : venue.market.latest(request.params.symbol as Symbol);
    if (!quote) return sendError(reply, 404, 40410000, `no trade found for ${request.params.symbol}`);
    return sendJson(reply, 200, { symbol: request.params.symbol, trade: stockTrade(quote, tradeId()) });
  });
  app.get<{ Params: { symbol: string } }>('/v2/stocks/:symbol/quotes/latest', async (request, reply) => {
    const quote = isCrypto(request.params.symbol) ? undefined : venue.market.latest(request.params.symbol as Symbol);
    if (!quote) return sendError(reply, 404, 40410000, `no quote found for ${request.params.symbol}`);
    return sendJson(reply, 200, { symbol: request.params.symbol, quote: stockQuote(quote) });
  });
  app.get('/v1beta3/crypto/us/latest/trades', async (request, reply) => {
    const { symbols } = queryOf(request);
    const problem = needSymbols(symbols);
    if (problem) return sendError(reply, 400, 40010001, problem);
    return sendJson(reply, 200, { trades: batch(true, symbols, (q) => cryptoTrade(q, tradeId())) });
  });
  app.get('/v1beta3/crypto/us/latest/quotes', async (request, reply) => {
    const { symbols } = queryOf(request);
    const problem = needSymbols(symbols);
    if (problem) return sendError(reply, 400, 40010001, problem);
    return sendJson(reply, 200, { quotes: batch(true, symbols, cryptoQuote) });
  });
}
