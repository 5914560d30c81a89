/**
 * `buildReport`: the pure report model (src/reports/report-model.ts) from the gathered input —
 * sleeves valued now, the latest execution summary (signals and targets), the history log's
 * closes (day and month-to-date changes), round trips closed in the period, orders and internal
 * crossing of the period, and the reconciliation.
 *
 * The period is the account's local day (or month to date) containing `asOf`, in its time zone.
 * Exact decimals throughout (bigint `Dec`); the same input always gives the same model.
 */
import { type Dec, ZERO, dec, percentString, toPlain } from '../core/decimal.js';
import { type Figures, returnPercent, sumFigures } from '../core/figures.js';
import { HOUSE } from '../core/ids.js';
import type { HistoryRow } from '../app/ports/store-port.js';
import { buildActivity, buildClosedPositions } from './report-activity.js';
import type {
  ChartSeries,
  DeploymentLine,
  PnlLine,
  Reconciliation,
  ReportInput,
  ReportModel,
  ReportSleeve,
  Signal,
  StrategyLine,
  SummaryLike,
} from './report-model.js';
import { formatLocalDate, localDayKey, localParts, startOfLocalDay, startOfLocalMonth } from './time-zone.js';

const ACCOUNT = 'account';
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** The figures a `ReportSleeve` carries (no cash / positions split: a report shows neither). */
const REPORTED = ['capital', 'equity', 'realized', 'unrealized', 'fees', 'dividends', 'totalPnl'] as const;

interface Totals {
  figures: Pick<Figures, (typeof REPORTED)[number]>;
  /** The oldest sleeve's creation time. */
  createdAt: number;
}

function totalsOf(sleeves: readonly ReportSleeve[]): Totals {
  const figures = sleeves.map((s) => ({
    capital: dec(s.capital),
    equity: dec(s.equity),
    realized: dec(s.realized_pnl),
    unrealized: dec(s.unrealized_pnl),
    fees: dec(s.fees),
    dividends: dec(s.dividends),
    totalPnl: dec(s.total_pnl),
  }));
  return {
    figures: sumFigures(figures, REPORTED),
    createdAt: sleeves.reduce((t, s) => Math.min(t, Date.parse(s.created_at)), Infinity),
  };
}

/** Closes by "scope subject", oldest first. */
function indexCloses(rows: readonly HistoryRow[]): Map<string, HistoryRow[]> {
  const map = new Map<string, HistoryRow[]>();
  for (const r of rows) {
    if (r.kind !== 'close') continue;
    const key = `${r.scope} ${r.subject}`;
    const list = map.get(key) ?? [];
    list.push(r);
    map.set(key, list);
  }
  for (const list of map.values()) list.sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  return map;
}

/**
 * Change of total P&L since the last close before `start`: against 0 when the subject was created
 * at or after `start` (it had no P&L before), null when it is older and no close was recorded.
 */
function changeSince(closes: readonly HistoryRow[] | undefined, start: number, t: Totals): string | null {
  let base: HistoryRow | undefined;
  for (const r of closes ?? []) if (Date.parse(r.ts) < start) base = r;
  const total = t.figures.totalPnl;
  if (base) return toPlain((total - dec(base.totalPnl)) as Dec);
  return t.createdAt >= start ? toPlain(total) : null;
}

function lineOf(
  t: Totals,
  accountEquity: Dec,
  closes: readonly HistoryRow[] | undefined,
  dayStart: number,
  monthStart: number,
): PnlLine {
  const f = t.figures;
  return {
    capital: toPlain(f.capital),
    equity: toPlain(f.equity),
    allocation_pct: percentString(f.equity, accountEquity, 4),
    realized_pnl: toPlain(f.realized),
    unrealized_pnl: toPlain(f.unrealized),
    fees: toPlain(f.fees),
    total_pnl: toPlain(f.totalPnl),
    return_pct: returnPercent(f.totalPnl, f.capital),
    day_change: changeSince(closes, dayStart, t),
    mtd_change: changeSince(closes, monthStart, t),
  };
}

function latestRun(runs: ReportInput['runs'], asOf: number): SummaryLike | undefined {
  let best: { ts: number; summary: SummaryLike } | undefined;
  for (const r of runs) {
    const ts = Date.parse(r.ts);
    if (r.summary.dry_run || ts > asOf) continue;
    if (!best || ts >= best.ts) best = { ts, summary: r.summary };
  }
  return best?.summary;
}

function signalOf(run: SummaryLike | undefined, deployment: string): Signal | null {
  const s = run?.strategies.find((x) => x.deployment === deployment);
  if (!run || !s) return null;
  return {
    text: s.signal,
    targets: s.allocation.map((a) => ({ symbol: a.symbol, weight: a.weight })),
    run: run.id,
    at: run.finished_at,
  };
}

function reconciliationOf(input: ReportInput): Reconciliation {
  const r = input.reconciliation;
  if (!r) return { status: 'unchecked', source: null, as_of: null, differences: [] };
  const drift = !r.reconciled || r.differences.some((d) => dec(d.difference) !== ZERO);
  return {
    status: drift ? 'drift' : 'balanced',
    source: r.source,
    as_of: r.as_of,
    differences: r.differences.map((d) => ({ ...d })),
  };
}

/** Total P&L lines per strategy and for the account over the chart window, ending at the books now. */
function chartOf(input: ReportInput, strategies: readonly StrategyLine[], accountTotal: Dec): ChartSeries[] {
  const asOf = Date.parse(input.asOf);
  const byKey = new Map<string, Map<number, string>>();
  for (const r of input.series) {
    const ts = Date.parse(r.ts);
    if (ts > asOf || (r.scope !== 'strategy' && r.scope !== 'account')) continue;
    const key = r.scope === 'account' ? ACCOUNT : r.subject;
    const points = byKey.get(key) ?? new Map<number, string>();
    points.set(ts, r.totalPnl);
    byKey.set(key, points);
  }
  const seriesOf = (name: string, now: string): ChartSeries => {
    const points = byKey.get(name) ?? new Map<number, string>();
    points.set(asOf, now);
    return {
      name,
      points: [...points].sort(([a], [b]) => a - b).map(([ts, value]) => ({ ts: new Date(ts).toISOString(), value })),
    };
  };
  return [...strategies.map((s) => seriesOf(s.strategy, s.total_pnl)), seriesOf(ACCOUNT, toPlain(accountTotal))];
}

export function buildReport(input: ReportInput): ReportModel {
  const asOf = Date.parse(input.asOf);
  if (Number.isNaN(asOf)) throw new RangeError(`asOf: "${input.asOf}" is not a time`);
  const tz = input.timeZone;
  const dayStart = startOfLocalDay(asOf, tz);
  const monthStart = startOfLocalMonth(asOf, tz);
  const from = input.period === 'day' ? dayStart : monthStart;
  const closes = indexCloses(input.closes);
  const account = totalsOf(input.sleeves);
  const run = latestRun(input.runs, asOf);

  const own = [...input.sleeves].filter((s) => s.id !== HOUSE).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const deployments: DeploymentLine[] = own.map((s) => ({
    deployment: s.id,
    name: s.name,
    strategy: s.strategy,
    status: s.status,
    signal: signalOf(run, s.id),
    ...lineOf(totalsOf([s]), account.figures.equity, closes.get(`deployment ${s.id}`), dayStart, monthStart),
  }));
  const groups = new Map<string, ReportSleeve[]>();
  for (const s of own) groups.set(s.strategy, [...(groups.get(s.strategy) ?? []), s]);
  const strategies: StrategyLine[] = [...groups]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([strategy, members]) => ({
      strategy,
      deployments: members.map((m) => m.id),
      ...lineOf(totalsOf(members), account.figures.equity, closes.get(`strategy ${strategy}`), dayStart, monthStart),
    }));
  const accountLine = lineOf(account, account.figures.equity, closes.get(`account ${ACCOUNT}`), dayStart, monthStart);
  const houseSleeve = input.sleeves.find((s) => s.id === HOUSE);
  // The house has no history rows of its own (the account's rows include it): its changes are
  // the account's minus the deployments'.
  const house = houseSleeve ? houseLine(houseSleeve, account.figures.equity, accountLine, deployments) : null;
  const p = localParts(asOf, tz);
  return {
    account_name: input.accountName,
    time_zone: tz,
    as_of: new Date(asOf).toISOString(),
    period: {
      kind: input.period,
      from: new Date(from).toISOString(),
      to: new Date(asOf).toISOString(),
      day: localDayKey(asOf, tz),
      label:
        input.period === 'day' ? formatLocalDate(input.asOf, tz) : `${MONTHS[p.month - 1]} ${p.year} (month to date)`,
    },
    account: { ...accountLine, dividends: toPlain(account.figures.dividends) },
    deployments,
    house,
    strategies,
    latest_rebalance: run ? { id: run.id, finished_at: run.finished_at } : null,
    closed_positions: buildClosedPositions(input, from, asOf),
    activity: buildActivity(input, from, asOf),
    reconciliation: reconciliationOf(input),
    chart: chartOf(input, strategies, account.figures.totalPnl),
  };
}

function houseLine(
  sleeve: ReportSleeve,
  accountEquity: Dec,
  account: PnlLine,
  deployments: readonly DeploymentLine[],
): PnlLine {
  const rest = (pick: (l: PnlLine) => string | null): string | null => {
    const whole = pick(account);
    if (whole === null || deployments.some((d) => pick(d) === null)) return null;
    return toPlain((dec(whole) - deployments.reduce((s, d) => s + dec(pick(d)!), 0n)) as Dec);
  };
  const t = totalsOf([sleeve]);
  return {
    ...lineOf(t, accountEquity, undefined, 0, 0),
    day_change: rest((l) => l.day_change),
    mtd_change: rest((l) => l.mtd_change),
  };
}
