/**
 * What users see of a sleeve: JSON-ready views with exact decimal strings (never rounded; the
 * CLI and dashboard round for display). Shared by the CLI, the REST API and the reports.
 */
import { type Dec, toPlain } from '../../core/decimal.js';
import type { CostMethod } from '../../core/events.js';
import type { DeploymentId } from '../../core/ids.js';
import { type Ledger, markPrice } from '../../core/ledger.js';
import { type SleeveTotals, type SleeveValue, sleeveTotals, valueSleeve } from '../../core/valuation.js';
import type { DeploymentInfo } from '../journal/projections.js';
import { type FiguresView, PNL_COLUMNS, figuresView, pickView } from './figures-view.js';

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

/**
 * A sleeve's figures with seed 000's public names for cash, positions value and equity
 * (`virtual_*`), then its P&L figures; its capital shows as initial capital and flows.
 */
export interface SleeveView extends Pick<FiguresView, (typeof PNL_COLUMNS)[number]> {
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
  positions: PositionView[];
}

const s = (d: Dec) => toPlain(d);

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
  const f = figuresView(v);
  return {
    id,
    name: info.name,
    strategy: info.strategy,
    status: info.status,
    cost_method: v.method,
    initial_capital: s(v.initialCapital),
    capital_flows: s(v.flows),
    virtual_cash: f.cash,
    virtual_positions_value: f.positions_value,
    virtual_portfolio_value: f.equity,
    ...pickView(f, PNL_COLUMNS),
  };
}

/** The sleeve of `id` valued at the ledger's marks, by `method` (default: the deployment's), with its positions. */
export function sleeveView(ledger: Ledger, id: DeploymentId, info: DeploymentInfo, method?: CostMethod): SleeveView {
  return sleeveViewOf(valuedSleeve(ledger, id, method), id, info);
}

/** The sleeve of `id` valued at the ledger's marks, by `method` (default: the deployment's). */
export function valuedSleeve(ledger: Ledger, id: DeploymentId, method?: CostMethod): SleeveValue {
  const sleeve = ledger.sleeves.get(id);
  if (!sleeve) throw new Error(`no sleeve for deployment '${id}'`);
  return valueSleeve(sleeve, ledger.marks, method);
}

/** The view of a sleeve already valued (`valuedSleeve`). */
export function sleeveViewOf(v: SleeveValue, id: DeploymentId, info: DeploymentInfo): SleeveView {
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
