/**
 * What a paper account looks like according to the books: Σ sleeves + house is the broker, so a
 * paper broker (whose account lives in memory) resumes after a restart from the journal: cash,
 * one net position per symbol with its average entry, the time to continue from, and the last
 * prices. Without this, a restarted `serve` would reconcile against a fresh $100,000 account.
 */
import { type Dec, div } from '../../core/decimal.js';
import type { Symbol } from '../../core/ids.js';
import { type Ledger, markPrice } from '../../core/ledger.js';

export interface BrokerResume {
  /** undefined for books with no sleeve at all (a fresh account opens with the paper broker's own cash). */
  readonly cash: Dec | undefined;
  readonly positions: { symbol: Symbol; qty: Dec; avgEntryPrice: Dec }[];
  /** The latest event time seen in the marks, if any. */
  readonly lastTs: string | undefined;
  readonly lastPrices: Map<Symbol, Dec>;
}

export function brokerStateFromBooks(ledger: Ledger): BrokerResume {
  const qty = new Map<Symbol, bigint>();
  const cost = new Map<Symbol, bigint>();
  let cash = 0n;
  for (const sleeve of ledger.sleeves.values()) {
    cash += sleeve.cash;
    for (const [symbol, p] of sleeve.positions) {
      qty.set(symbol, (qty.get(symbol) ?? 0n) + p.qty);
      cost.set(symbol, (cost.get(symbol) ?? 0n) + p.cost);
    }
  }
  const positions = [...qty]
    .filter(([, q]) => q !== 0n)
    .map(([symbol, q]) => ({ symbol, qty: q as Dec, avgEntryPrice: div(cost.get(symbol)! as Dec, q as Dec) }));
  let lastTs: string | undefined;
  const lastPrices = new Map<Symbol, Dec>();
  for (const [symbol, mark] of ledger.marks) {
    lastPrices.set(symbol, markPrice(mark));
    if (lastTs === undefined || mark.ts > lastTs) lastTs = mark.ts;
  }
  // Books with sleeves but no house yet (a journal imported from elsewhere): the paper account
  // holds exactly them, so the house opens empty (src/core/house.ts).
  return { cash: ledger.sleeves.size > 0 ? (cash as Dec) : undefined, positions, lastTs, lastPrices };
}
