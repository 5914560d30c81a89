/**
 * A sleeve's numbers at the current marks, under either cost method (DESIGN.md §4).
 *
 * Entry points: `valuePosition`, `valueSleeve`.
 * Guarantees: equity = cash + positions value = capital + total P&L, where
 * capital = initial + flows and total P&L = realized + unrealized − fees + dividends, exactly.
 * A position without any mark is valued at its cost (unrealized 0) and reported with `mark: null`.
 */
import { type Dec, quotientString } from './decimal.js';
import type { CostMethod } from './events.js';
import type { Figures } from './figures.js';
import type { Symbol } from './ids.js';
import { type Mark, type Sleeve, valueAtMark } from './ledger.js';
import { type PositionState, lotsCost } from './position.js';

export interface PositionValue {
  readonly symbol: Symbol;
  readonly qty: Dec;
  /** Cost basis under the method (signed, qty × average cost). */
  readonly costBasis: Dec;
  /** Average cost as an exact quotient string (≥ 20 significant digits), "0" when flat. */
  readonly avgCost: string;
  readonly mark: Mark | null;
  readonly marketValue: Dec;
  readonly realized: Dec;
  readonly unrealized: Dec;
  readonly fees: Dec;
  readonly dividends: Dec;
}

/** A sleeve's figures, with what only a sleeve has: its cost method and where its capital came from. */
export interface SleeveTotals extends Figures {
  readonly method: CostMethod;
  readonly initialCapital: Dec;
  readonly flows: Dec;
}

export interface SleeveValue extends SleeveTotals {
  readonly positions: readonly PositionValue[];
}

/** Average cost (cost basis ÷ qty) as an exact quotient string (≥ 20 significant digits), "0" when flat. */
export function averageCostText(costBasis: Dec, qty: Dec): string {
  return qty === 0n ? '0' : quotientString(costBasis, qty);
}

export function valuePosition(pos: PositionState, mark: Mark | undefined, method: CostMethod): PositionValue {
  const costBasis = method === 'fifo' ? lotsCost(pos) : pos.cost;
  const marketValue = mark ? valueAtMark(pos.qty, mark) : costBasis;
  return {
    symbol: pos.symbol,
    qty: pos.qty,
    costBasis,
    avgCost: averageCostText(costBasis, pos.qty),
    mark: mark ?? null,
    marketValue,
    realized: method === 'fifo' ? pos.realizedFifo : pos.realizedAverage,
    unrealized: (marketValue - costBasis) as Dec,
    fees: pos.fees,
    dividends: pos.dividends,
  };
}

/**
 * A sleeve's totals at `marks` under `method` (default: the deployment's own), without building a
 * view per position (no average-cost quotient): the hot path of risk checks, metrics and snapshots.
 */
export function sleeveTotals(
  sleeve: Sleeve,
  marks: ReadonlyMap<Symbol, Mark>,
  method: CostMethod = sleeve.costMethod,
): SleeveTotals {
  let positionsValue = 0n;
  let realized = 0n;
  let unrealized = 0n;
  let fees = 0n;
  let dividends = 0n;
  for (const pos of sleeve.positions.values()) {
    const costBasis = method === 'fifo' ? lotsCost(pos) : pos.cost;
    const mark = marks.get(pos.symbol);
    const marketValue = mark ? valueAtMark(pos.qty, mark) : costBasis;
    positionsValue += marketValue;
    realized += method === 'fifo' ? pos.realizedFifo : pos.realizedAverage;
    unrealized += marketValue - costBasis;
    fees += pos.fees;
    dividends += pos.dividends;
  }
  return {
    method,
    initialCapital: sleeve.initialCapital,
    flows: sleeve.flows,
    capital: (sleeve.initialCapital + sleeve.flows) as Dec,
    cash: sleeve.cash,
    positionsValue: positionsValue as Dec,
    equity: (sleeve.cash + positionsValue) as Dec,
    realized: realized as Dec,
    unrealized: unrealized as Dec,
    fees: fees as Dec,
    dividends: dividends as Dec,
    totalPnl: (realized + unrealized - fees + dividends) as Dec,
  };
}

/** Values a sleeve at `marks` under `method` (default: the deployment's own), with every position. */
export function valueSleeve(
  sleeve: Sleeve,
  marks: ReadonlyMap<Symbol, Mark>,
  method: CostMethod = sleeve.costMethod,
): SleeveValue {
  const positions = [...sleeve.positions.values()].map((pos) => valuePosition(pos, marks.get(pos.symbol), method));
  positions.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return { ...sleeveTotals(sleeve, marks, method), positions };
}
