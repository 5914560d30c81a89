/**
 * The strategies' price history is the journal's marks (so a replay feeds a strategy the same
 * prices): `recordPrices` journals one mark per universe symbol from one batched quote call.
 * A symbol without a quote keeps its last mark; nothing is zeroed.
 */
import type { Symbol } from '../core/ids.js';
import type { MarketDataPort } from '../app/ports/broker-port.js';
import { markOf } from '../app/marks/price-updater.js';
import type { EnginePort } from '../app/ports/engine-port.js';

export async function recordPrices(
  app: EnginePort,
  market: MarketDataPort,
  universe: readonly Symbol[],
): Promise<number> {
  const quotes = await market.latest(universe);
  const events = [...quotes].flatMap(([symbol, q]) => markOf(symbol, q) ?? []);
  return (await app.append(events)).appended;
}
