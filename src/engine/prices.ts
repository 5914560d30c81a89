/**
 * The strategies' price history is the journal's marks (so a replay feeds a strategy the same
 * prices): `recordPrices` journals one mark per universe symbol from one batched quote call.
 * A symbol without a quote keeps its last mark; nothing is zeroed.
 */
import type { Symbol } from '../core/ids.js';
import { type MarketDataPort, quotePrice } from '../app/broker-port.js';
import type { JournalEvent } from '../app/journal-codec.js';
import type { LedgerService } from '../app/ledger-service.js';

export async function recordPrices(
  service: LedgerService,
  market: MarketDataPort,
  universe: readonly Symbol[],
): Promise<number> {
  const quotes = await market.latest(universe);
  const events: JournalEvent[] = [];
  for (const [symbol, q] of quotes) {
    const price = quotePrice(q);
    if (price !== undefined && price > 0n) events.push({ type: 'mark', symbol, price, ts: q.ts, source: q.source });
  }
  return (await service.append(events)).appended;
}
