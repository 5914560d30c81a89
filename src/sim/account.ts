/**
 * The simulated broker account: cash and one net position per symbol, as Alpaca keeps them
 * (FACTS.md §3: positions are netted per symbol, long or short, never both).
 *
 * Entry points: `SimAccount` (`applyExecution`, `position`, `positions`, `equity`).
 * Invariants: cash changes by exactly −qty × price − fee for a buy and +qty × price − fee for a
 * sell; the average entry price re-averages when a position grows, stays when it shrinks,
 * restarts at the fill price for the remainder when a fill crosses zero, and is 0 when flat.
 * Averages are quotients rounded at 10^-18; quantities and cash are exact.
 */
import { type Dec, ZERO, abs, div, mul, sign } from '../core/decimal.js';
import type { Side } from '../core/events.js';
import type { Symbol } from '../core/ids.js';

export interface SimPosition {
  readonly symbol: Symbol;
  /** Signed: negative when short. */
  readonly qty: Dec;
  readonly avgEntryPrice: Dec;
}

export class SimAccount {
  private cashNow: Dec;
  private readonly held = new Map<Symbol, SimPosition>();

  /** `opening`: positions already held (a paper account resumed from its books after a restart). */
  constructor(startingCash: Dec, opening: readonly SimPosition[] = []) {
    this.cashNow = startingCash;
    for (const p of opening) if (p.qty !== ZERO) this.held.set(p.symbol, p);
  }

  get cash(): Dec {
    return this.cashNow;
  }

  /** The signed net quantity held in `symbol` (0 when flat). */
  position(symbol: Symbol): Dec {
    return this.held.get(symbol)?.qty ?? ZERO;
  }

  /** Open positions in first-traded order; flat symbols are absent (Alpaca answers 404 for them). */
  positions(): SimPosition[] {
    return [...this.held.values()].filter((p) => p.qty !== ZERO);
  }

  /** Books one execution. Throws RangeError on a non-positive quantity or price. */
  applyExecution(symbol: Symbol, side: Side, qty: Dec, price: Dec, fee: Dec): void {
    if (qty <= 0n || price <= 0n) throw new RangeError('SimAccount: an execution needs a positive qty and price');
    const notional = mul(qty, price);
    this.cashNow = (side === 'buy' ? this.cashNow - notional - fee : this.cashNow + notional - fee) as Dec;
    const before = this.held.get(symbol) ?? { symbol, qty: ZERO, avgEntryPrice: ZERO };
    const signed = (side === 'buy' ? qty : -qty) as Dec;
    const after = (before.qty + signed) as Dec;
    let avg: Dec;
    if (after === ZERO) avg = ZERO;
    else if (before.qty === ZERO || sign(after) !== sign(before.qty)) avg = price;
    else if (abs(after) > abs(before.qty))
      avg = div((mul(abs(before.qty), before.avgEntryPrice) + notional) as Dec, abs(after));
    else avg = before.avgEntryPrice;
    this.held.set(symbol, { symbol, qty: after, avgEntryPrice: avg });
  }

  /** Short market value (≤ 0) at the given marks; a symbol without a mark is valued at its entry. */
  shortMarketValue(markOf: (symbol: Symbol) => Dec | undefined): Dec {
    let total = ZERO;
    for (const p of this.positions())
      if (p.qty < 0n) total = (total + mul(p.qty, markOf(p.symbol) ?? p.avgEntryPrice)) as Dec;
    return total;
  }

  /** cash + Σ qty × mark; a symbol without a mark is valued at its average entry price. */
  equity(markOf: (symbol: Symbol) => Dec | undefined): Dec {
    let total = this.cashNow;
    for (const p of this.positions()) total = (total + mul(p.qty, markOf(p.symbol) ?? p.avgEntryPrice)) as Dec;
    return total;
  }
}
