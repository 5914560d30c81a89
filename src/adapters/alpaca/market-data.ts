/**
 * Marks from Alpaca's market-data API: the latest trade and quote of many symbols in batch —
 * stocks at /v2/stocks/{trades|quotes}/latest, crypto (symbols with "/") at
 * /v1beta3/crypto/us/latest/{trades|quotes} (FACTS §5).
 *
 * Entry point: `AlpacaMarketData.latest(symbols)` (the `MarketDataPort`).
 * Invariants: prices reach `Dec` from their decimal text (lossless JSON); a zero bid or ask
 * (no quote, e.g. outside hours) is absent rather than 0; symbols without data are absent from the
 * map; requests take slots from the data budget, in batches of at most 100 symbols.
 */
import type { MarketDataPort, Quote } from '../../app/ports/broker-port.js';
import type { Symbol } from '../../core/ids.js';
import type { AlpacaHttp } from './http.js';
import { LatestQuotesSchema, LatestTradesSchema } from './wire.js';

const BATCH = 100;

export class AlpacaMarketData implements MarketDataPort {
  constructor(
    private readonly http: AlpacaHttp,
    private readonly dataUrl: string,
    private readonly feed?: string,
  ) {}

  async latest(symbols: readonly Symbol[]): Promise<Map<Symbol, Quote>> {
    const unique = [...new Set(symbols)];
    const stocks = unique.filter((s) => !s.includes('/'));
    const crypto = unique.filter((s) => s.includes('/'));
    const out = new Map<Symbol, Quote>();
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < stocks.length; i += BATCH)
      jobs.push(this.fetchBatch(stocks.slice(i, i + BATCH), '/v2/stocks', out));
    for (let i = 0; i < crypto.length; i += BATCH)
      jobs.push(this.fetchBatch(crypto.slice(i, i + BATCH), '/v1beta3/crypto/us/latest', out));
    await Promise.all(jobs);
    return out;
  }

  private async fetchBatch(symbols: Symbol[], prefix: string, out: Map<Symbol, Quote>): Promise<void> {
    const params = new URLSearchParams({ symbols: symbols.join(',') });
    if (this.feed && prefix === '/v2/stocks') params.set('feed', this.feed);
    const path =
      prefix === '/v2/stocks' ? (kind: string) => `${prefix}/${kind}/latest` : (kind: string) => `${prefix}/${kind}`;
    const [trades, quotes] = await Promise.all([
      this.http.get(`${this.dataUrl}${path('trades')}?${params}`, LatestTradesSchema),
      this.http.get(`${this.dataUrl}${path('quotes')}?${params}`, LatestQuotesSchema),
    ]);
    for (const symbol of symbols) {
      const trade = trades?.trades[symbol];
      const quote = quotes?.quotes[symbol];
      if (!trade && !quote) continue;
      const ts = [trade?.t, quote?.t].filter((t): t is string => !!t).sort((a, b) => Date.parse(b) - Date.parse(a))[0]!;
      out.set(symbol, {
        symbol,
        ...(quote && quote.bp > 0n ? { bid: quote.bp } : {}),
        ...(quote && quote.ap > 0n ? { ask: quote.ap } : {}),
        ...(trade ? { last: trade.p } : {}),
        ts,
        source: 'alpaca',
      });
    }
  }
}
