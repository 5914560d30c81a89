/**
 * Every wish of a rebalance passes its deployment's own risk check before anything is crossed or
 * sent (DESIGN.md §5): a buy may count on the proceeds of the same deployment's sells in this run
 * (sells go first), at the reference price. Refused wishes are dropped and reported.
 */
import { type Dec, ZERO, mul } from '../core/decimal.js';
import type { Symbol } from '../core/ids.js';
import { isOpen } from '../core/orders.js';
import { type Holding, checkOrder, sleeveHoldings } from '../core/risk.js';
import { sleeveTotals } from '../core/valuation.js';
import { limitsOf } from '../app/risk/limits.js';
import type { EnginePort } from '../app/ports/engine-port.js';
import type { Contribution, ManagerResult } from './manager.js';

export interface Refusal {
  readonly deployment: string;
  readonly code: string;
  readonly message: string;
}

export function precheckWishes(
  app: EnginePort,
  result: ManagerResult,
  prices: ReadonlyMap<Symbol, Dec>,
  /** 1 + the market-order margin: a buy reserves price × this. */
  reserveFactor: Dec,
): { result: ManagerResult; refused: Refusal[] } {
  const { ledger, ordersByDeployment } = app.state;
  const refused: Refusal[] = [];
  const attribution = new Map<Symbol, Contribution[]>();
  for (const run of result.runs) {
    const sleeve = ledger.sleeves.get(run.deployment)!;
    const info = app.deploymentInfo(run.deployment)!;
    const equity = sleeveTotals(sleeve, ledger.marks).equity;
    // The sleeve's positions as this run's accepted wishes leave them, a traded symbol valued at
    // the run's price (the price its proceeds are counted at), so the exposure a buy is checked
    // against matches the cash it counts on.
    const book = new Map<Symbol, Holding>(sleeveHoldings(sleeve, ledger.marks).map((h) => [h.symbol, h]));
    const shift = (symbol: Symbol, delta: Dec, price: Dec) => {
      const qty = ((book.get(symbol)?.qty ?? 0n) + delta) as Dec;
      if (qty === 0n) book.delete(symbol);
      else book.set(symbol, { symbol, qty, value: mul(qty, price) });
    };
    let proceeds = 0n;
    for (const [symbol, delta] of run.deltas) if (delta < 0n) proceeds += mul(-delta as Dec, prices.get(symbol)!);
    // Sells first, so their proceeds are there for the buys.
    const ordered = [...run.deltas].sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [symbol, delta] of ordered) {
      const price = prices.get(symbol)!;
      const side = delta > 0n ? 'buy' : 'sell';
      const risk = checkOrder({
        deployment: run.deployment,
        active: info.status === 'active',
        limits: limitsOf(info.limits),
        cash: (sleeve.cash + (side === 'buy' ? proceeds : 0n)) as Dec,
        equity,
        heldQty: sleeve.positions.get(symbol)?.qty ?? ZERO,
        holdings: [...book.values()],
        openOrders: (ordersByDeployment.get(run.deployment) ?? []).filter(isOpen),
        symbol,
        side,
        qty: (delta > 0n ? delta : -delta) as Dec,
        price,
        reservePrice: side === 'buy' ? mul(price, reserveFactor) : price,
      });
      if (!risk.ok) {
        refused.push({ deployment: run.deployment, code: risk.code, message: risk.message });
        continue;
      }
      if (side === 'buy') proceeds -= mul(delta, mul(price, reserveFactor));
      shift(symbol, delta, price);
      const list = attribution.get(symbol) ?? [];
      list.push({ deployment: run.deployment, strategy: run.strategy, target: run.targets.get(symbol) ?? ZERO, delta });
      attribution.set(symbol, list);
    }
  }
  // Keep the manager's deployment order within each symbol.
  const order = new Map(result.runs.map((r, i) => [r.deployment as string, i]));
  for (const list of attribution.values()) list.sort((a, b) => order.get(a.deployment)! - order.get(b.deployment)!);
  return { result: { ...result, attribution }, refused };
}
