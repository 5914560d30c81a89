/**
 * The house sleeve's opening, when Subledger first meets an account: whatever the broker holds
 * beyond the sleeves the books already have (none on a fresh store; a journal imported from
 * elsewhere has some). So Σ sleeves + house = broker from the first moment, for cash and for every
 * symbol.
 *
 * Entry point: `houseOpening(cash, positions, ledger)`.
 * Invariants: the house's cash is the broker's minus the sleeves'; each symbol's house quantity is
 * the broker's minus the sleeves' (negative when the sleeves hold more than the broker: the books
 * then show it as a house short, and reconciliation stays exact); it opens at the broker's average
 * entry price, else at the sleeves' own average cost. Capital = cash + Σ qty × price, the cash the
 * house has before its opening fills are booked.
 */
import { type Dec, ZERO, div, mul } from './decimal.js';
import { HOUSE, type Symbol } from './ids.js';
import type { Ledger } from './ledger.js';

export interface BrokerHolding {
  readonly symbol: Symbol;
  readonly qty: Dec;
  readonly avgEntryPrice: Dec;
}

export interface HouseOpening {
  readonly capital: Dec;
  /** Signed quantities (a sell opens a short), in symbol order. */
  readonly positions: readonly { symbol: Symbol; qty: Dec; price: Dec }[];
}

export function houseOpening(cash: Dec, positions: readonly BrokerHolding[], ledger: Ledger): HouseOpening {
  let houseCash = cash as bigint;
  const held = new Map<Symbol, { qty: bigint; cost: bigint }>(); // the sleeves', per symbol
  for (const [id, sleeve] of ledger.sleeves) {
    if (id === HOUSE) continue;
    houseCash -= sleeve.cash;
    for (const [symbol, p] of sleeve.positions) {
      const h = held.get(symbol) ?? { qty: 0n, cost: 0n };
      held.set(symbol, { qty: h.qty + p.qty, cost: h.cost + p.cost });
    }
  }
  const broker = new Map(positions.map((p) => [p.symbol, p]));
  let capital = houseCash;
  const opening: { symbol: Symbol; qty: Dec; price: Dec }[] = [];
  for (const symbol of [...new Set([...held.keys(), ...broker.keys()])].sort()) {
    const sleeves = held.get(symbol) ?? { qty: 0n, cost: 0n };
    const qty = ((broker.get(symbol)?.qty ?? 0n) - sleeves.qty) as Dec;
    if (qty === ZERO) continue;
    const price =
      broker.get(symbol)?.avgEntryPrice ?? (sleeves.qty !== 0n ? div(sleeves.cost as Dec, sleeves.qty as Dec) : ZERO);
    capital += mul(qty, price);
    opening.push({ symbol, qty, price });
  }
  return { capital: capital as Dec, positions: opening };
}
