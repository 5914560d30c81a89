/**
 * Performance statistics of a deployment, a strategy or the account (ACCOUNTING.md §6), from its
 * daily closes in the P&L history, its closed round trips and its trades — the arithmetic is
 * src/core/stats.ts; this module picks the inputs and shapes the view.
 *
 * Entry point: `statsView(input)`.
 * Definitions: daily returns by the GIPS sub-period method with each day's change of capital
 * (initial + flows) as a flow at the start of the day, so deposits and withdrawals are not
 * performance; the first day's base is the capital it started with. Days before the subject had
 * any capital (base 0, nothing moved) are not counted. Win rate and profit factor over round trips
 * closed in the range, net of their fees. Exposure: share of days with an open position.
 * Turnover: Σ |qty × price| of the range's trades ÷ mean daily equity. Fees paid: the change of
 * cumulative fees over the range.
 */
import { type Dec, ZERO, abs, dec, mul, toPlain } from '../../core/decimal.js';
import type { Symbol } from '../../core/ids.js';
import { type ProfitFactor, dailyReturns, exposure, returnStats, tradeStats, turnover } from '../../core/stats.js';
import { pointOf } from './history-views.js';
import type { StatsSummaryView, StatsView, TradeStatsView } from './performance-api.js';
import type { HistoryRow, RoundTripRow, TradeRow } from '../ports/store-port.js';

export interface StatsInput {
  readonly scope: StatsView['scope'];
  readonly subject: string;
  readonly deployments: readonly string[];
  /** The close before the range (or undefined) and the closes in it, in time order. */
  readonly base: HistoryRow | undefined;
  readonly rows: readonly HistoryRow[];
  /** Round trips and trades of the subject's deployments (any time; filtered to the range here). */
  readonly roundTrips: readonly RoundTripRow[];
  readonly trades: readonly TradeRow[];
}

const s = (d: Dec | null): string | null => (d === null ? null : toPlain(d));
const time = (ts: string) => Date.parse(ts);

/** The statistics view; never throws for data (an undefined statistic is null, with `problem` saying why). */
export function statsView(input: StatsInput): StatsView {
  const { base, rows } = input;
  const last = rows.at(-1);
  // The window the closes cover: after the base close, up to the last close.
  const start = base ? time(base.ts) : -Infinity;
  const end = last ? time(last.ts) : -Infinity;
  const inWindow = (ts: string) => time(ts) > start && time(ts) <= end;

  let problem: string | null = null;
  let returns: Dec[];
  const firstFunded = rows.findIndex((r, i) => {
    const prev = pointOf(i === 0 ? base : rows[i - 1]);
    const cur = pointOf(r);
    return prev.equity + (cur.capital - prev.capital) !== 0n || cur.equity !== 0n;
  });
  const counted = firstFunded < 0 ? [] : rows.slice(firstFunded);
  try {
    const prev0 = pointOf(firstFunded <= 0 ? base : rows[firstFunded - 1]);
    let prevCapital = prev0.capital;
    returns = dailyReturns(
      prev0.equity,
      counted.map((r) => {
        const p = pointOf(r);
        const flow = (p.capital - prevCapital) as Dec;
        prevCapital = p.capital;
        return { equity: p.equity, flow };
      }),
    );
  } catch (error) {
    problem = (error as Error).message;
    returns = [];
  }
  const r = problem === null ? returnStats(returns) : null;
  const trips = input.roundTrips.filter((t) => inWindow(t.closedAt));
  const notional = input.trades
    .filter((t) => inWindow(t.ts))
    .reduce((sum, t) => sum + abs(mul(dec(t.qty), dec(t.price))), 0n) as Dec;
  const startFees = base ? dec(base.fees) : ZERO;
  const startPnl = base ? dec(base.totalPnl) : ZERO;
  return {
    scope: input.scope,
    subject: input.subject,
    deployments: [...input.deployments],
    from: rows[0]?.day ?? null,
    to: last?.day ?? null,
    as_of: last?.ts ?? null,
    days: returns.length,
    equity: last?.equity ?? null,
    capital: last?.capital ?? null,
    total_pnl: last?.totalPnl ?? null,
    pnl: toPlain(last ? ((dec(last.totalPnl) - startPnl) as Dec) : ZERO),
    fees_paid: toPlain(last ? ((dec(last.fees) - startFees) as Dec) : ZERO),
    total_return: r && returns.length > 0 ? toPlain(r.totalReturn) : null,
    annual_return: r ? s(r.annualReturn) : null,
    max_drawdown: r && returns.length > 0 ? toPlain(r.maxDrawdown) : null,
    sharpe: r ? s(r.sharpe) : null,
    sortino: r ? s(r.sortino) : null,
    period_win_rate: r ? s(r.winRate) : null,
    trades: tradesView(trips),
    exposure: s(exposure(counted.map((row) => dec(row.grossExposure)))),
    turnover: s(
      turnover(
        notional,
        counted.map((row) => dec(row.equity)),
      ),
    ),
    problem,
  };
}

function tradesView(trips: readonly RoundTripRow[]): TradeStatsView {
  const t = tradeStats(
    trips.map((trip) => ({
      symbol: trip.symbol as Symbol,
      openedAt: trip.openedAt,
      closedAt: trip.closedAt,
      realized: dec(trip.realizedPnl),
      fees: dec(trip.fees),
    })),
  );
  return {
    count: t.count,
    wins: t.wins,
    losses: t.losses,
    breakeven: t.breakeven,
    win_rate: s(t.winRate),
    ...profitFactorView(t.profitFactor),
    average_win: s(t.averageWin),
    average_loss: s(t.averageLoss),
    average_trade: s(t.averageTrade),
    net_pnl: toPlain(t.netPnl),
  };
}

function profitFactorView(pf: ProfitFactor): { profit_factor: string | null; profit_factor_infinite: boolean } {
  return pf.infinite
    ? { profit_factor: null, profit_factor_infinite: true }
    : { profit_factor: toPlain(pf.value), profit_factor_infinite: false };
}

export function summaryOf(v: StatsView): StatsSummaryView {
  return {
    scope: v.scope,
    subject: v.subject,
    as_of: v.as_of,
    days: v.days,
    total_pnl: v.total_pnl,
    total_return: v.total_return,
    max_drawdown: v.max_drawdown,
    sharpe: v.sharpe,
    sortino: v.sortino,
    win_rate: v.trades.win_rate,
  };
}
