/**
 * The execution summary of a rebalance run (seed 003 §4): for every strategy its allocation,
 * signal, realized / unrealized / total P&L, orders placed and filled, quantity crossed internally
 * and the fees crossing saved; per symbol what was crossed and what went to the broker; for the
 * account, Σ sleeves + house = broker. Decimal strings throughout; JSON-ready.
 */
import { type Dec, ZERO, mul, toPlain } from '../core/decimal.js';
import type { Symbol } from '../core/ids.js';
import { isTerminal } from '../core/orders.js';
import { sleeveTotals } from '../core/valuation.js';
import type { AccountView } from '../app/api.js';
import { childOrderId } from '../app/journal/account-state.js';
import { type FiguresView, figuresView, pickView } from '../app/performance/figures-view.js';
import type { EnginePort } from '../app/ports/engine-port.js';
import type { ManagerResult } from './manager.js';
import type { RebalancePlan } from './planner.js';

/** The figures each strategy's summary shows, in its key order (after the allocation). */
const SUMMARY_FIGURES = ['equity', 'realized_pnl', 'unrealized_pnl', 'total_pnl'] as const;

export interface StrategySummary extends Pick<FiguresView, (typeof SUMMARY_FIGURES)[number]> {
  deployment: string;
  strategy: string;
  signal: string;
  allocation: { symbol: string; weight: string; target_qty: string; delta: string }[];
  orders_placed: number;
  orders_filled: number;
  crossed_qty: string;
  fees_saved: string;
  refused: string[];
}

export interface SymbolSummary {
  symbol: string;
  reference_price: string;
  reference_source: string;
  crossed: { deployment: string; side: string; qty: string }[];
  broker: { side: string; qty: string; blocks: { id: string; status: string; filled_qty: string }[] } | null;
  unsent_residual: string | null;
}

export interface ExecutionSummary {
  id: string;
  started_at: string;
  finished_at: string;
  dry_run: boolean;
  strategies: StrategySummary[];
  symbols: SymbolSummary[];
  unpriced_symbols: string[];
  unknown_strategies: { deployment: string; strategy: string }[];
  account: { reconciled: boolean; differences: AccountView['differences'] } | null;
}

export interface SummaryInput {
  id: string;
  startedAt: string;
  finishedAt: string;
  dryRun: boolean;
  app: EnginePort;
  manager: ManagerResult;
  plan: RebalancePlan;
  blocks: ReadonlyMap<Symbol, readonly string[]>;
  refused: readonly { deployment: string; code: string; message: string }[];
  feePerShare: Dec;
  account: AccountView | null;
}

export function buildSummary(input: SummaryInput): ExecutionSummary {
  const { app, manager, plan } = input;
  const state = app.state;
  const crossedBy = new Map<string, bigint>();
  for (const p of plan.symbols)
    for (const leg of p.cross?.legs ?? [])
      crossedBy.set(leg.deployment, (crossedBy.get(leg.deployment) ?? 0n) + leg.qty);
  const strategies = manager.runs.map((run): StrategySummary => {
    const sleeve = app.ledger.sleeves.get(run.deployment)!;
    const v = sleeveTotals(sleeve, app.ledger.marks);
    let placed = 0;
    let filled = 0;
    for (const ids of input.blocks.values()) {
      for (const blockId of ids) {
        const child = state.orders.get(childOrderId(blockId, run.deployment));
        if (!child) continue;
        placed++;
        if (isTerminal(child.status) && child.filledQty > 0n) filled++;
      }
    }
    const crossed = (crossedBy.get(run.deployment) ?? 0n) as Dec;
    return {
      deployment: run.deployment,
      strategy: run.strategy,
      signal: run.signal,
      allocation: [...new Set([...run.weights.keys(), ...run.deltas.keys()])].sort().map((symbol) => ({
        symbol,
        weight: toPlain(run.weights.get(symbol) ?? ZERO),
        target_qty: toPlain(run.targets.get(symbol) ?? ZERO),
        delta: toPlain(run.deltas.get(symbol) ?? ZERO),
      })),
      ...pickView(figuresView(v), SUMMARY_FIGURES),
      orders_placed: placed,
      orders_filled: filled,
      crossed_qty: toPlain(crossed),
      fees_saved: toPlain(mul(crossed, input.feePerShare)),
      refused: input.refused.filter((r) => r.deployment === run.deployment).map((r) => r.message),
    };
  });
  const symbols = plan.symbols.map((p): SymbolSummary => {
    const ids = input.blocks.get(p.symbol) ?? [];
    return {
      symbol: p.symbol,
      reference_price: toPlain(p.reference.price),
      reference_source: p.reference.source,
      crossed: (p.cross?.legs ?? []).map((l) => ({ deployment: l.deployment, side: l.side, qty: toPlain(l.qty) })),
      broker: p.brokerOrder
        ? {
            side: p.brokerOrder.side,
            qty: toPlain(p.brokerOrder.qty),
            blocks: ids.map((id) => {
              const block = state.blocks.get(id)!;
              const booked = [...block.booked.values()].reduce((s, q) => s + q, 0n) as Dec;
              const first = state.orders.get(block.children[0]!)!;
              return { id, status: first.status, filled_qty: toPlain(booked) };
            }),
          }
        : null,
      unsent_residual: p.unsentResidual ? toPlain(p.unsentResidual.qty) : null,
    };
  });
  return {
    id: input.id,
    started_at: input.startedAt,
    finished_at: input.finishedAt,
    dry_run: input.dryRun,
    strategies,
    symbols,
    unpriced_symbols: [...plan.unpriced],
    unknown_strategies: manager.unknownStrategies.map((u) => ({ deployment: u.deployment, strategy: u.strategy })),
    account: input.account ? { reconciled: input.account.reconciled, differences: input.account.differences } : null,
  };
}
