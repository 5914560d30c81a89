/**
 * Market data on the gateway, so a bot needs one URL: the latest trades and quotes of stocks
 * (`/v2/stocks/{symbol}/{trades|quotes}/latest`, `/v2/stocks/{trades|quotes}/latest?symbols=`) and
 * crypto (`/v1beta3/crypto/us/latest/{trades|quotes}?symbols=`), answered from Subledger's own
 * market-data port (one upstream for every bot: Alpaca's data API, the emulator or the paper market).
 *
 * Invariants: as Alpaca's data API does, prices are JSON numbers — written from exact decimals,
 * never through a float; a symbol without data is absent from a batch answer and a 404 alone.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { stringifyJson, rawNumber } from '../core/exact-json.js';
import type { Symbol } from '../core/ids.js';
import { type MarketDataPort, type Quote, quoteMid } from '../app/ports/broker-port.js';
import { isCrypto } from '../app/marks/market-hours.js';

const SIZE = rawNumber(100);

function trade(q: Quote): Record<string, unknown> | undefined {
  const price = q.last ?? quoteMid(q);
  if (price === undefined) return undefined;
  return isCrypto(q.symbol)
    ? { t: q.ts, p: rawNumber(price), s: rawNumber(1), i: 0, tks: 'B' }
    : { t: q.ts, x: 'V', p: rawNumber(price), s: SIZE, c: ['@'], i: 0, z: 'C' };
}

function quote(q: Quote): Record<string, unknown> | undefined {
  const bid = q.bid ?? q.last;
  const ask = q.ask ?? q.last;
  if (bid === undefined || ask === undefined) return undefined;
  return isCrypto(q.symbol)
    ? { t: q.ts, bp: rawNumber(bid), bs: rawNumber(1), ap: rawNumber(ask), as: rawNumber(1) }
    : { t: q.ts, bx: 'V', bp: rawNumber(bid), bs: SIZE, ax: 'V', ap: rawNumber(ask), as: SIZE, c: ['R'], z: 'C' };
}

const send = (reply: FastifyReply, status: number, body: unknown) =>
  reply.code(status).type('application/json').send(stringifyJson(body));

export function registerDataRoutes(fastify: FastifyInstance, market: MarketDataPort): void {
  const latest = async (symbols: readonly string[]) => market.latest(symbols as Symbol[]);
  const list = (text: unknown) =>
    String(text ?? '')
      .split(',')
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean);
  const batch =
    (kind: 'trades' | 'quotes', crypto: boolean) => async (request: { query: unknown }, reply: FastifyReply) => {
      const symbols = list((request.query as Record<string, unknown>).symbols).filter((s) => isCrypto(s) === crypto);
      if (symbols.length === 0) return send(reply, 400, { code: 40010001, message: 'symbols is required' });
      const quotes = await latest(symbols);
      const out: Record<string, unknown> = {};
      for (const [symbol, q] of quotes) {
        const item = kind === 'trades' ? trade(q) : quote(q);
        if (item) out[symbol] = item;
      }
      return send(reply, 200, { [kind]: out });
    };
  fastify.get('/v2/stocks/trades/latest', batch('trades', false));
  fastify.get('/v2/stocks/quotes/latest', batch('quotes', false));
  fastify.get('/v1beta3/crypto/us/latest/trades', batch('trades', true));
  fastify.get('/v1beta3/crypto/us/latest/quotes', batch('quotes', true));
  for (const kind of ['trades', 'quotes'] as const)
    fastify.get<{ Params: { symbol: string } }>(`/v2/stocks/:symbol/${kind}/latest`, async (request, reply) => {
      const symbol = request.params.symbol.toUpperCase();
      const q = (await latest([symbol])).get(symbol as Symbol);
      const item = q ? (kind === 'trades' ? trade(q) : quote(q)) : undefined;
      if (!item) return send(reply, 404, { code: 40410000, message: `no ${kind} for ${symbol}` });
      return send(reply, 200, { symbol, [kind === 'trades' ? 'trade' : 'quote']: item });
    });
}
