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
import { type SleeveValue, valueSleeve } from '../../core/valuation.js';
import type { AccountState } from '../journal/account-state.js';
import { tradingDay } from '../marks/market-hours.js';
import { metricsRow, returnPercent } from '../journal/projections.js';
import type { HistoryRow, MetricsRow } from '../ports/store-port.js';

export type HistoryKind = 'close' | 'rebalance';
export const HISTORY_KINDS: readonly HistoryKind[] = ['close', 'rebalance'];
export type HistoryScope = 'deployment' | 'strategy' | 'account';
/** The subject of the account's row. */
export const ACCOUNT = 'account';

interface Totals {
  members: number;
  capital: Dec;
  cash: Dec;
  positionsValue: Dec;
  equity: Dec;
  realized: Dec;
  unrealized: Dec;
  fees: Dec;
  dividends: Dec;
  totalPnl: Dec;
  gross: Dec;
  open: number;
}

const emptyTotals = (): Totals => ({
  members: 0,
  capital: ZERO,
  cash: ZERO,
  positionsValue: ZERO,
  equity: ZERO,
  realized: ZERO,
  unrealized: ZERO,
  fees: ZERO,
  dividends: ZERO,
  totalPnl: ZERO,
  gross: ZERO,
  open: 0,
});

function addSleeve(t: Totals, v: SleeveValue): void {
  t.members++;
  t.capital = (t.capital + v.capital) as Dec;
  t.cash = (t.cash + v.cash) as Dec;
  t.positionsValue = (t.positionsValue + v.positionsValue) as Dec;
  t.equity = (t.equity + v.equity) as Dec;
  t.realized = (t.realized + v.realized) as Dec;
  t.unrealized = (t.unrealized + v.unrealized) as Dec;
  t.fees = (t.fees + v.fees) as Dec;
  t.dividends = (t.dividends + v.dividends) as Dec;
  t.totalPnl = (t.totalPnl + v.totalPnl) as Dec;
  for (const p of v.positions) {
    if (p.qty === 0n) continue;
    t.gross = (t.gross + abs(p.marketValue)) as Dec;
    t.open++;
  }
}

function row(scope: HistoryScope, subject: string, kind: HistoryKind, ts: string, t: Totals): HistoryRow {
  return {
    scope,
    subject,
    kind,
    ts,
    day: tradingDay(ts),
    members: t.members,
    capital: toPlain(t.capital),
    cash: toPlain(t.cash),
    positionsValue: toPlain(t.positionsValue),
    equity: toPlain(t.equity),
    realizedPnl: toPlain(t.realized),
    unrealizedPnl: toPlain(t.unrealized),
    fees: toPlain(t.fees),
    dividends: toPlain(t.dividends),
    totalPnl: toPlain(t.totalPnl),
    returnPct: returnPercent(t.totalPnl, t.capital),
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
