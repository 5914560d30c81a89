/**
 * What users see of a sleeve: JSON-ready views with exact decimal strings (never rounded; the
 * CLI and dashboard round for display). Shared by the CLI, the REST API and the reports.
 */
import { type Dec, toPlain } from '../../core/decimal.js';
import type { CostMethod } from '../../core/events.js';
import type { DeploymentId } from '../../core/ids.js';
import { type Ledger, markPrice } from '../../core/ledger.js';
import { type SleeveTotals, sleeveTotals, valueSleeve } from '../../core/valuation.js';
import { type DeploymentInfo, returnPercent } from '../journal/projections.js';

export interface PositionView {
  symbol: string;
  qty: string;
  avg_cost: string;
  cost_basis: string;
  mark: string | null;
  mark_ts: string | null;
  mark_source: string | null;
  /** The mark is missing or older than the staleness threshold (the app's price updater decides; without a clock: no mark). */
  mark_stale: boolean;
  market_value: string;
  realized_pnl: string;
  unrealized_pnl: string;
  fees: string;
  dividends: string;
}

export interface SleeveView {
  id: string;
  name: string;
  strategy: string;
  status: string;
  cost_method: CostMethod;
  initial_capital: string;
  capital_flows: string;
  virtual_cash: string;
  virtual_positions_value: string;
  virtual_portfolio_value: string;
  realized_pnl: string;
  unrealized_pnl: string;
  fees: string;
  dividends: string;
  total_pnl: string;
  return_pct: string;
  positions: PositionView[];
}

const s = (d: Dec) => toPlain(d);

/** The sleeve of `id` valued at the ledger's marks, by `method` (default: the deployment's). */
/** A sleeve's totals as users see them, without its positions (no per-position quotient). */
export function sleeveSummaryView(
  ledger: Ledger,
  id: DeploymentId,
  info: DeploymentInfo,
  method?: CostMethod,
): Omit<SleeveView, 'positions'> {
  const sleeve = ledger.sleeves.get(id);
  if (!sleeve) throw new Error(`no sleeve for deployment '${id}'`);
  return summaryOf(sleeveTotals(sleeve, ledger.marks, method), id, info);
}

function summaryOf(v: SleeveTotals, id: DeploymentId, info: DeploymentInfo): Omit<SleeveView, 'positions'> {
  return {
    id,
    name: info.name,
    strategy: info.strategy,
    status: info.status,
    cost_method: v.method,
    initial_capital: s(v.initialCapital),
    capital_flows: s(v.flows),
    virtual_cash: s(v.cash),
    virtual_positions_value: s(v.positionsValue),
    virtual_portfolio_value: s(v.equity),
    realized_pnl: s(v.realized),
    unrealized_pnl: s(v.unrealized),
    fees: s(v.fees),
    dividends: s(v.dividends),
    total_pnl: s(v.totalPnl),
    return_pct: returnPercent(v.totalPnl, v.capital),
  };
}

/** The sleeve of `id` valued at the ledger's marks, by `method` (default: the deployment's), with its positions. */
export function sleeveView(ledger: Ledger, id: DeploymentId, info: DeploymentInfo, method?: CostMethod): SleeveView {
  const sleeve = ledger.sleeves.get(id);
  if (!sleeve) throw new Error(`no sleeve for deployment '${id}'`);
  const v = valueSleeve(sleeve, ledger.marks, method);
  return {
    ...summaryOf(v, id, info),
    positions: v.positions.map((p) => ({
      symbol: p.symbol,
      qty: s(p.qty),
      avg_cost: p.avgCost,
      cost_basis: s(p.costBasis),
      mark: p.mark ? s(markPrice(p.mark)) : null,
      mark_ts: p.mark?.ts ?? null,
      mark_source: p.mark?.source ?? null,
      mark_stale: p.mark === null,
      market_value: s(p.marketValue),
      realized_pnl: s(p.realized),
      unrealized_pnl: s(p.unrealized),
      fees: s(p.fees),
      dividends: s(p.dividends),
    })),
  };
}
