/**
 * The report model: one account's report for one period, as plain JSON-ready data (exact decimal
 * strings, ISO times; formatting is the renderers' job). Built by `buildReport`
 * (src/reports/build-report.ts) from `ReportInput`, which `gatherReportInput`
 * (src/reports/gather-report.ts) reads from the books, the journal's execution summaries and the
 * history log.
 *
 * Invariants: Σ deployment lines + the house line = the account line, for every money column;
 * every P&L number of a line is the sleeve's own (the same valuation as `GET
 * /deployments/{id}/metrics` and the execution summary); a change that cannot be known (no close
 * recorded before the period and the subject is older than it) is null, never a guess.
 */
import type { FiguresView } from '../app/performance/figures-view.js';
import type { HistoryRow, RoundTripRow } from '../app/ports/store-port.js';

/** The part of an execution summary (src/engine/summary.ts, journaled with each run) a report reads. */
export interface SummaryLike {
  readonly id: string;
  readonly started_at: string;
  readonly finished_at: string;
  readonly dry_run?: boolean;
  readonly strategies: readonly SummaryStrategy[];
  readonly symbols: readonly {
    readonly symbol: string;
    readonly crossed: readonly { readonly deployment: string; readonly side: string; readonly qty: string }[];
  }[];
  readonly account: { readonly reconciled: boolean; readonly differences: readonly Difference[] } | null;
}

/** Figures of the views (src/app/performance/figures-view.ts), read-only. */
type Shown<K extends keyof FiguresView> = Readonly<Pick<FiguresView, K>>;

export interface SummaryStrategy extends Shown<'equity' | 'realized_pnl' | 'unrealized_pnl' | 'total_pnl'> {
  readonly deployment: string;
  readonly strategy: string;
  readonly signal: string;
  readonly allocation: readonly { readonly symbol: string; readonly weight: string }[];
  readonly orders_placed: number;
  readonly orders_filled: number;
  readonly crossed_qty: string;
  readonly fees_saved: string;
}

export interface Difference {
  readonly item: string;
  readonly broker: string;
  readonly books: string;
  readonly difference: string;
}

/** A sleeve valued now (the house included), with its deployment's settings: the figures a report reads. */
export interface ReportSleeve extends Shown<
  'capital' | 'equity' | 'realized_pnl' | 'unrealized_pnl' | 'fees' | 'dividends' | 'total_pnl'
> {
  readonly id: string;
  readonly name: string;
  readonly strategy: string;
  readonly status: string;
  readonly created_at: string;
}

export interface ReportOrder {
  readonly id: string;
  readonly deployment: string;
  readonly created_at: string;
  readonly status: string;
  readonly filled_qty: string;
  /** The block order this is a participant's child of, or null for a deployment's own order. */
  readonly block: string | null;
}

export interface ReconciliationInput {
  /** 'broker': checked against the broker now; 'last_rebalance': the check journaled with the last run. */
  readonly source: 'broker' | 'last_rebalance';
  readonly as_of: string;
  readonly reconciled: boolean;
  readonly differences: readonly Difference[];
}

export type ReportPeriodKind = 'day' | 'month';

export interface ReportInput {
  readonly accountName: string;
  readonly timeZone: string;
  /** The time the books are valued at. */
  readonly asOf: string;
  readonly period: ReportPeriodKind;
  readonly sleeves: readonly ReportSleeve[];
  /** Journaled rebalance runs (any order). */
  readonly runs: readonly { readonly ts: string; readonly summary: SummaryLike }[];
  readonly orders: readonly ReportOrder[];
  /** 'close' history rows (deployment, strategy and account scopes) up to asOf. */
  readonly closes: readonly HistoryRow[];
  /** History rows (any kind) of the strategy and account scopes for the chart window. */
  readonly series: readonly HistoryRow[];
  readonly roundTrips: readonly RoundTripRow[];
  /** null: not checked (no broker connection and no run recorded one). */
  readonly reconciliation: ReconciliationInput | null;
  /** Closed positions listed (the totals count all of them). Default 25. */
  readonly maxTrips?: number;
}

/** P&L figures shared by deployment, strategy, house and account lines. */
export interface PnlLine extends Shown<
  'capital' | 'equity' | 'realized_pnl' | 'unrealized_pnl' | 'fees' | 'total_pnl' | 'return_pct'
> {
  /** equity ÷ account equity × 100, 4 dp. */
  readonly allocation_pct: string;
  /** Change of total P&L since the last close before the period's day / month started. */
  readonly day_change: string | null;
  readonly mtd_change: string | null;
}

export interface Signal {
  readonly text: string;
  /** Target weights of the last run ("0.6" = 60 %). */
  readonly targets: readonly { readonly symbol: string; readonly weight: string }[];
  readonly run: string;
  readonly at: string;
}

export interface DeploymentLine extends PnlLine {
  readonly deployment: string;
  readonly name: string;
  readonly strategy: string;
  readonly status: string;
  /** From the latest execution summary; null for a deployment the engine does not run (its own bot). */
  readonly signal: Signal | null;
}

export interface StrategyLine extends PnlLine {
  readonly strategy: string;
  readonly deployments: readonly string[];
}

export interface ClosedPosition {
  readonly deployment: string;
  readonly strategy: string;
  readonly symbol: string;
  readonly opened_at: string;
  readonly closed_at: string;
  readonly realized_pnl: string;
  readonly fees: string;
  /** realized − fees. */
  readonly net_pnl: string;
}

export interface ClosedPositions {
  readonly count: number;
  /** Most recent first, at most `maxTrips`. */
  readonly shown: readonly ClosedPosition[];
  readonly realized_pnl: string;
  readonly fees: string;
  readonly net_pnl: string;
  readonly by_strategy: readonly { readonly strategy: string; readonly count: number; readonly net_pnl: string }[];
}

export interface ActivityLine {
  readonly deployment: string;
  readonly strategy: string;
  readonly orders_placed: number;
  readonly orders_filled: number;
  /** Shares bought or sold inside the account (internal crossing) in the period's runs. */
  readonly crossed_qty: string;
  readonly fees_saved: string;
}

export interface Activity {
  readonly lines: readonly ActivityLine[];
  readonly rebalance_runs: number;
  /** Orders that went to the broker (a block order counts once). */
  readonly broker_orders: number;
  /** Shares that changed hands inside the account (each cross counted once). */
  readonly crossed_shares: string;
  readonly fees_saved: string;
}

export interface Reconciliation {
  readonly status: 'balanced' | 'drift' | 'unchecked';
  readonly source: 'broker' | 'last_rebalance' | null;
  readonly as_of: string | null;
  readonly differences: readonly Difference[];
}

export interface ChartSeries {
  readonly name: string;
  /** Total P&L at each time, oldest first. */
  readonly points: readonly { readonly ts: string; readonly value: string }[];
}

export interface ReportModel {
  readonly account_name: string;
  readonly time_zone: string;
  readonly as_of: string;
  readonly period: {
    readonly kind: ReportPeriodKind;
    readonly from: string;
    readonly to: string;
    readonly day: string;
    readonly label: string;
  };
  readonly account: PnlLine & Shown<'dividends'>;
  readonly deployments: readonly DeploymentLine[];
  readonly house: PnlLine | null;
  readonly strategies: readonly StrategyLine[];
  readonly latest_rebalance: { readonly id: string; readonly finished_at: string } | null;
  readonly closed_positions: ClosedPositions;
  readonly activity: Activity;
  readonly reconciliation: Reconciliation;
  readonly chart: readonly ChartSeries[];
}
