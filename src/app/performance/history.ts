/**
 * The P&L history log's rows and the snapshot rows, computed from the books as of a time
 * (src/app/marks/as-of.ts). Pure functions: the same state and time always give the same rows.
 *
 * Entry points: `historyRows(state, ts, kind)` — one row per deployment (the house excluded),
 * one per strategy (Σ of its deployments) and one for the account (Σ of every sleeve, the house
 * included, so it matches the broker); `snapshotRows(state, ts)` — the `deployment_metrics` rows
 * of every sleeve (as `LedgerService.append(…, { snapshotAt })` writes them).
 * Invariants: every sum is exact; each row satisfies equity = cash + positions value =
 * capital + total P&L, and total P&L = realized + unrealized − fees + dividends.
 */
import { type Dec, ZERO, abs, toPlain } from '../../core/decimal.js';
import { type DeploymentId, HOUSE } from '../../core/ids.js';
import { type Figures, NO_FIGURES, addFigures } from '../../core/figures.js';
import { type SleeveValue, valueSleeve } from '../../core/valuation.js';
import type { AccountState } from '../journal/account-state.js';
import { tradingDay } from '../marks/market-hours.js';
import { metricsRow } from '../journal/projections.js';
import type { HistoryRow, MetricsRow } from '../ports/store-port.js';
import { figuresView } from './figures-view.js';

export type HistoryKind = 'close' | 'rebalance';
export const HISTORY_KINDS: readonly HistoryKind[] = ['close', 'rebalance'];
export type HistoryScope = 'deployment' | 'strategy' | 'account';
/** The subject of the account's row. */
export const ACCOUNT = 'account';

/** A subject's figures, with how many sleeves they sum and their open positions. */
interface Totals {
  figures: Figures;
  members: number;
  gross: Dec;
  open: number;
}

const emptyTotals = (): Totals => ({ figures: NO_FIGURES, members: 0, gross: ZERO, open: 0 });

function addSleeve(t: Totals, v: SleeveValue): void {
  t.members++;
  t.figures = addFigures(t.figures, v);
  for (const p of v.positions) {
    if (p.qty === 0n) continue;
    t.gross = (t.gross + abs(p.marketValue)) as Dec;
    t.open++;
  }
}

function row(scope: HistoryScope, subject: string, kind: HistoryKind, ts: string, t: Totals): HistoryRow {
  const f = figuresView(t.figures);
  return {
    scope,
    subject,
    kind,
    ts,
    day: tradingDay(ts),
    members: t.members,
    capital: f.capital,
    cash: f.cash,
    positionsValue: f.positions_value,
    equity: f.equity,
    realizedPnl: f.realized_pnl,
    unrealizedPnl: f.unrealized_pnl,
    fees: f.fees,
    dividends: f.dividends,
    totalPnl: f.total_pnl,
    returnPct: f.return_pct,
    grossExposure: toPlain(t.gross),
    openPositions: t.open,
  };
}

/**
 * History rows for every deployment, strategy and the account at `ts` (normalized to
 * `Date#toISOString`), each sleeve valued by its own cost method at the state's marks.
 */
export function historyRows(state: AccountState, ts: string, kind: HistoryKind): HistoryRow[] {
  const at = new Date(ts).toISOString();
  const { ledger, infos } = state;
  const account = emptyTotals();
  const strategies = new Map<string, Totals>();
  const rows: HistoryRow[] = [];
  const ids = [...ledger.sleeves.keys()].sort();
  for (const id of ids) {
    const v = valueSleeve(ledger.sleeves.get(id)!, ledger.marks);
    addSleeve(account, v);
    if (id === HOUSE) continue;
    const own = emptyTotals();
    addSleeve(own, v);
    rows.push(row('deployment', id, kind, at, own));
    const strategy = infos.get(id as DeploymentId)?.strategy ?? id;
    let totals = strategies.get(strategy);
    if (!totals) strategies.set(strategy, (totals = emptyTotals()));
    addSleeve(totals, v);
  }
  for (const name of [...strategies.keys()].sort()) rows.push(row('strategy', name, kind, at, strategies.get(name)!));
  rows.push(row('account', ACCOUNT, kind, at, account));
  return rows;
}

/** `deployment_metrics` rows of every sleeve (the house included) at `ts`. */
export function snapshotRows(state: AccountState, ts: string): MetricsRow[] {
  const { ledger } = state;
  return [...ledger.sleeves.values()].map((sleeve) => metricsRow(ledger, sleeve, ts));
}
