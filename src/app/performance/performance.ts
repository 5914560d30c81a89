/**
 * `Performance`: the read side of issue 6 (implements `PerformanceApi`): statistics per
 * deployment, strategy and account, the P&L history log (daily, monthly, every run), the metrics
 * snapshots and the equity/drawdown series for charts. Everything is read from the store: the
 * history and snapshot rows (written by src/app/marks/recorder.ts from the journal), round trips,
 * trades, and the `deployments` projection (which deployments and strategies exist). So it serves
 * the running app and the CLI alike.
 *
 * Entry points: the `PerformanceApi` methods. Throws AppError NOT_FOUND for an unknown deployment
 * (the house is not one) or strategy, VALIDATION_FAILED for a bad range or point budget.
 */
import { type Dec, dec, toPlain } from '../../core/decimal.js';
import { drawdownSeries, downsampleEquity, downsampleMinMax, type EquityPoint } from '../../core/equity-series.js';
import { type DeploymentId, HOUSE } from '../../core/ids.js';
import { dailyReturns, growthCurve } from '../../core/stats.js';
import { AppError } from '../errors.js';
import { storedFiguresView } from './figures-view.js';
import { ACCOUNT, type HistoryScope } from './history.js';
import { type Range, historyEntries, monthlyEntries, parseRange, splitRange } from './history-views.js';
import type {
  EquitySeriesView,
  HistoryPeriod,
  HistoryView,
  PerformanceApi,
  RangeInput,
  SnapshotView,
  StatsOverviewView,
  StatsView,
  StrategyView,
} from './performance-api.js';
import { statsView, summaryOf } from './statistics.js';
import type { MetricsRow, RoundTripRow, StorePort, TradeRow } from '../ports/store-port.js';

const TRADE_PAGE = 5000;

export class Performance implements PerformanceApi {
  constructor(private readonly store: StorePort) {}

  /** Every sleeve's id (the house included) → its strategy, ids sorted. */
  private async directory(): Promise<Map<string, string>> {
    return new Map((await this.store.deployments()).map((d) => [d.id, d.strategy]));
  }

  private async requireDeployment(id: DeploymentId): Promise<void> {
    if (id === HOUSE || !(await this.directory()).has(id)) throw new AppError('NOT_FOUND', `no deployment '${id}'`);
  }

  /** Deployments by strategy (the house excluded), names and ids sorted. */
  private async strategyMap(): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    for (const [id, strategy] of await this.directory()) {
      if (id === HOUSE) continue;
      const list = map.get(strategy) ?? [];
      list.push(id);
      map.set(strategy, list);
    }
    return new Map([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  private async requireStrategy(name: string): Promise<string[]> {
    const members = (await this.strategyMap()).get(name);
    if (!members) throw new AppError('NOT_FOUND', `no strategy '${name}' (no deployment has it)`);
    return members;
  }

  async deploymentStats(id: DeploymentId, range: RangeInput): Promise<StatsView> {
    await this.requireDeployment(id);
    return this.stats('deployment', id, [id], parseRange(range));
  }

  async strategyStats(name: string, range: RangeInput): Promise<StatsView> {
    return this.stats('strategy', name, await this.requireStrategy(name), parseRange(range));
  }

  async accountStats(range: RangeInput): Promise<StatsView> {
    return this.stats('account', ACCOUNT, [...(await this.directory()).keys()], parseRange(range));
  }

  async statsOverview(): Promise<StatsOverviewView> {
    const strategies: StatsView[] = [];
    for (const [name, members] of await this.strategyMap())
      strategies.push(await this.stats('strategy', name, members, {}));
    const deployments: StatsView[] = [];
    for (const id of (await this.directory()).keys())
      if (id !== HOUSE) deployments.push(await this.stats('deployment', id, [id], {}));
    return {
      account: summaryOf(await this.accountStats({})),
      strategies: strategies.map(summaryOf),
      deployments: deployments.map(summaryOf),
    };
  }

  async strategies(): Promise<StrategyView[]> {
    const out: StrategyView[] = [];
    for (const [name, deployments] of await this.strategyMap())
      out.push({ name, deployments, stats: summaryOf(await this.stats('strategy', name, deployments, {})) });
    return out;
  }

  async deploymentHistory(id: DeploymentId, period: HistoryPeriod, range: RangeInput): Promise<HistoryView> {
    await this.requireDeployment(id);
    return this.history('deployment', id, period, parseRange(range));
  }

  async strategyHistory(name: string, period: HistoryPeriod, range: RangeInput): Promise<HistoryView> {
    await this.requireStrategy(name);
    return this.history('strategy', name, period, parseRange(range));
  }

  async accountHistory(period: HistoryPeriod, range: RangeInput): Promise<HistoryView> {
    return this.history('account', ACCOUNT, period, parseRange(range));
  }

  async metricsHistory(id: DeploymentId, range: RangeInput): Promise<SnapshotView[]> {
    await this.requireDeployment(id);
    return (await this.snapshots(id, parseRange(range))).map(snapshotView);
  }

  async equitySeries(id: DeploymentId, range: RangeInput, maxPoints: number): Promise<EquitySeriesView> {
    await this.requireDeployment(id);
    if (!Number.isSafeInteger(maxPoints) || maxPoints < 4) {
      throw new AppError('VALIDATION_FAILED', 'points: must be an integer ≥ 4', {
        fields: [{ field: 'points', message: 'must be an integer ≥ 4' }],
      });
    }
    const rows = await this.snapshots(id, parseRange(range));
    const equity: EquityPoint[] = rows.map((r) => ({ ts: r.ts, equity: dec(r.equity) }));
    const drawdown = drawdownSeries(performanceCurve(rows) ?? equity);
    return {
      deployment_id: id,
      points_total: rows.length,
      max_points: maxPoints,
      equity: downsampleEquity(equity, maxPoints).map((p) => ({ ts: p.ts, equity: toPlain(p.equity) })),
      drawdown: downsampleMinMax(drawdown, maxPoints, (p) => p.drawdown).map((p) => ({
        ts: p.ts,
        drawdown: toPlain(p.drawdown),
      })),
    };
  }

  private async stats(
    scope: HistoryScope,
    subject: string,
    deployments: readonly string[],
    range: Range,
  ): Promise<StatsView> {
    const closes = await this.store.history({ scope, subject, kind: 'close' });
    const { base, rows } = splitRange(closes, range);
    const from = base ? base.day : rows[0]?.day;
    const roundTrips: RoundTripRow[] = [];
    const trades: TradeRow[] = [];
    if (rows.length > 0) {
      for (const id of deployments) {
        roundTrips.push(...(await this.store.roundTrips(id)));
        trades.push(...(await this.allTrades(id, from)));
      }
    }
    return statsView({ scope, subject, deployments, base, rows, roundTrips, trades });
  }

  /** Every trade of a deployment from a day on (ts compared as text from the day: a superset, filtered exactly later). */
  private async allTrades(deploymentId: string, fromDay: string | undefined): Promise<TradeRow[]> {
    const out: TradeRow[] = [];
    let after: { seq: number; leg: number } | undefined;
    for (;;) {
      const page = await this.store.trades({
        deploymentId,
        ...(fromDay ? { from: fromDay } : {}),
        ...(after ? { after } : {}),
        limit: TRADE_PAGE,
      });
      out.push(...page);
      if (page.length < TRADE_PAGE) return out;
      const last = page[page.length - 1]!;
      after = { seq: last.seq, leg: last.leg };
    }
  }

  private async history(
    scope: HistoryScope,
    subject: string,
    period: HistoryPeriod,
    range: Range,
  ): Promise<HistoryView> {
    const all = await this.store.history({ scope, subject, ...(period === 'all' ? {} : { kind: 'close' }) });
    const { base, rows } = splitRange(all, range);
    return {
      scope,
      subject,
      period,
      rows: period === 'monthly' ? monthlyEntries(base, rows) : historyEntries(base, rows),
    };
  }

  /**
   * The deployment's snapshots in the range, oldest first, one per instant: the same instant may
   * be stored under two spellings (an import snapshots at its last event's own "…:00Z"), and both
   * rows are the state as of that instant; the `Date#toISOString` spelling is kept.
   */
  private async snapshots(id: string, range: Range): Promise<MetricsRow[]> {
    const out: MetricsRow[] = [];
    for (const row of splitRange(await this.store.metrics(id), range).rows) {
      const prev = out.at(-1);
      if (prev && Date.parse(prev.ts) === Date.parse(row.ts)) {
        if (row.ts === new Date(row.ts).toISOString()) out[out.length - 1] = row;
      } else out.push(row);
    }
    return out;
  }
}

/**
 * The growth curve of the time-weighted returns between snapshots (capital = equity − total P&L,
 * its changes are flows, not performance), as points for `drawdownSeries`; undefined when a
 * capital base is ≤ 0 (the caller falls back to raw equity).
 */
function performanceCurve(rows: readonly MetricsRow[]): EquityPoint[] | undefined {
  if (rows.length === 0) return [];
  const capital = (r: MetricsRow) => (dec(r.equity) - dec(r.totalPnl)) as Dec;
  try {
    const returns = dailyReturns(
      dec(rows[0]!.equity),
      rows.slice(1).map((r, i) => ({ equity: dec(r.equity), flow: (capital(r) - capital(rows[i]!)) as Dec })),
    );
    return growthCurve(returns).map((g, i) => ({ ts: rows[i]!.ts, equity: g }));
  } catch {
    return undefined;
  }
}

function snapshotView(r: MetricsRow): SnapshotView {
  return { ts: r.ts, ...storedFiguresView(r) };
}
