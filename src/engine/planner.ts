/**
 * Consolidation (seed 003, DESIGN.md §5): per symbol, the strategies' opposite deltas are crossed
 * internally at the reference price (quote midpoint, else last trade) and only the net goes to the
 * broker as one block order carrying its allocation plan. Orders are listed sells first, then buys.
 * Pure: the plan is data the CLI prints (`rebalance --dry-run`) and the executor carries out.
 */
import { type Dec, ZERO } from '../core/decimal.js';
import { type CrossingPlan, planCrossing, type ReferencePrice } from '../core/crossing.js';
import type { Symbol } from '../core/ids.js';
import { type ManagerResult, defaultIncrement } from './manager.js';

export interface RebalancePlan {
  readonly symbols: readonly CrossingPlan[];
  /** Symbols with wishes but no reference price (skipped, reported). */
  readonly unpriced: readonly Symbol[];
}

export function planRebalance(
  result: ManagerResult,
  references: ReadonlyMap<Symbol, ReferencePrice>,
  options: { increment?: (symbol: Symbol) => Dec; minTradeQty?: (symbol: Symbol) => Dec } = {},
): RebalancePlan {
  const increment = options.increment ?? defaultIncrement;
  const plans: CrossingPlan[] = [];
  const unpriced: Symbol[] = [];
  for (const [symbol, contributions] of [...result.attribution].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const reference = references.get(symbol);
    if (!reference) {
      unpriced.push(symbol);
      continue;
    }
    plans.push(
      planCrossing({
        symbol,
        wishes: contributions.map((c) => ({ deployment: c.deployment, delta: c.delta })),
        reference,
        increment: increment(symbol),
        minTradeQty: options.minTradeQty?.(symbol) ?? ZERO,
      }),
    );
  }
  // Sells before buys: the sells free the cash (and the shares) the buys need.
  plans.sort((a, b) => rank(a) - rank(b));
  return { symbols: plans, unpriced };
}

const rank = (p: CrossingPlan) => (p.brokerOrder?.side === 'sell' ? 0 : p.brokerOrder ? 2 : 1);
