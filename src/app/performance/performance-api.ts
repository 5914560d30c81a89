/**
 * The performance facade the edges use (REST API, CLI, dashboard): statistics per deployment,
 * strategy and account, the P&L history log, the metrics snapshots and the equity series.
 * Outputs are JSON-ready views; money and ratios are exact decimal strings (never JS numbers);
 * counts are numbers. Ratios are fractions ("0.0123" is 1.23 %), as empyrical / quantstats
 * print them; a statistic that is not defined is null.
 *
 * Implemented by `Performance` (src/app/performance/performance.ts). Unknown deployments and strategies throw
 * `AppError` NOT_FOUND; a bad range throws VALIDATION_FAILED.
 */
import type { DeploymentId } from '../../core/ids.js';
import type { FiguresView } from './figures-view.js';
import type { HistoryKind } from './history.js';

/** Inclusive bounds: a date ("2025-01-02", the whole day) or an ISO-8601 time. */
export interface RangeInput {
  readonly from?: string;
  readonly to?: string;
}

export interface TradeStatsView {
  /** Closed round trips (flat → flat) in the range, each net of its fees. */
  count: number;
  wins: number;
  losses: number;
  breakeven: number;
  win_rate: string | null;
  /** Σ wins ÷ |Σ losses|; null when infinite (wins and no losses) — see `profit_factor_infinite`. */
  profit_factor: string | null;
  profit_factor_infinite: boolean;
  average_win: string | null;
  average_loss: string | null;
  average_trade: string | null;
  net_pnl: string;
}

export interface StatsView {
  scope: 'deployment' | 'strategy' | 'account';
  subject: string;
  /** Deployments summed (a strategy's, or every sleeve for the account). */
  deployments: string[];
  /** First and last trading day (YYYY-MM-DD) of the daily closes used. */
  from: string | null;
  to: string | null;
  /** Time of the last close used, or null when there is none yet. */
  as_of: string | null;
  /** Daily returns used (one per close). */
  days: number;
  /** At the last close. */
  equity: string | null;
  capital: string | null;
  total_pnl: string | null;
  /** Change of total P&L over the range. */
  pnl: string;
  fees_paid: string;
  /** Time-weighted return over the range (geometric linking of daily returns; flows do not count as performance). */
  total_return: string | null;
  annual_return: string | null;
  /** ≤ 0, on the growth curve of the daily returns. */
  max_drawdown: string | null;
  sharpe: string | null;
  sortino: string | null;
  /** Days with a gain ÷ days that moved. */
  period_win_rate: string | null;
  trades: TradeStatsView;
  /** Fraction of days with any open position. */
  exposure: string | null;
  /** Traded notional (buys and sells) ÷ mean daily equity. */
  turnover: string | null;
  /** Why the return statistics are null, when a capital base was ≤ 0. */
  problem: string | null;
}

/** The short form for lists and the dashboard. */
export interface StatsSummaryView {
  scope: 'deployment' | 'strategy' | 'account';
  subject: string;
  as_of: string | null;
  days: number;
  total_pnl: string | null;
  total_return: string | null;
  max_drawdown: string | null;
  sharpe: string | null;
  sortino: string | null;
  win_rate: string | null;
}

export interface StatsOverviewView {
  account: StatsSummaryView;
  strategies: StatsSummaryView[];
  deployments: StatsSummaryView[];
}

export interface StrategyView {
  name: string;
  deployments: string[];
  stats: StatsSummaryView;
}

export type HistoryPeriod = 'daily' | 'monthly' | 'all';

export interface HistoryEntryView extends FiguresView {
  /** YYYY-MM-DD for daily and `all` rows, YYYY-MM for monthly ones. */
  period: string;
  /** The row's time (monthly: the month's last close). */
  ts: string;
  kind: HistoryKind;
  /** Deployments summed. The figures follow (total P&L: cumulative, since the subject started). */
  members: number;
  /** Change of total P&L since the previous row (monthly: the previous month's end). */
  pnl_change: string;
  /** Time-weighted return of the period (monthly: the month's daily returns linked); null when undefined. */
  period_return: string | null;
  gross_exposure: string;
  open_positions: number;
}

export interface HistoryView {
  scope: 'deployment' | 'strategy' | 'account';
  subject: string;
  period: HistoryPeriod;
  rows: HistoryEntryView[];
}

/** A `deployment_metrics` snapshot: the figures but capital, at `ts`. */
export interface SnapshotView extends Omit<FiguresView, 'capital'> {
  ts: string;
}

export interface EquitySeriesView {
  deployment_id: string;
  /** Snapshots in the range before downsampling. */
  points_total: number;
  max_points: number;
  /** Equity at each kept snapshot (min/max bucketing keeps every peak and trough). */
  equity: { ts: string; equity: string }[];
  /** Drawdown of the time-weighted growth curve (capital flows are not losses), ≤ 0. */
  drawdown: { ts: string; drawdown: string }[];
}

export interface PerformanceApi {
  deploymentStats(id: DeploymentId, range: RangeInput): Promise<StatsView>;
  strategyStats(name: string, range: RangeInput): Promise<StatsView>;
  accountStats(range: RangeInput): Promise<StatsView>;
  statsOverview(): Promise<StatsOverviewView>;
  strategies(): Promise<StrategyView[]>;
  deploymentHistory(id: DeploymentId, period: HistoryPeriod, range: RangeInput): Promise<HistoryView>;
  strategyHistory(name: string, period: HistoryPeriod, range: RangeInput): Promise<HistoryView>;
  accountHistory(period: HistoryPeriod, range: RangeInput): Promise<HistoryView>;
  metricsHistory(id: DeploymentId, range: RangeInput): Promise<SnapshotView[]>;
  equitySeries(id: DeploymentId, range: RangeInput, maxPoints: number): Promise<EquitySeriesView>;
}
