/**
 * Reads what a report needs: the sleeves valued now and the orders and execution summaries from
 * the ledger service's folded state (read synchronously first, so a report asked for right
 * after a rebalance shows exactly that run's books), then the history closes, the chart's history
 * rows and the round trips from the store, and the reconciliation (the broker now when a check is
 * given, else the one journaled with the latest run).
 *
 * Entry points: `gatherReportInput(sources, options)`, `lastEventTime(service)`.
 */
import type { AccountView } from '../app/api.js';
import type { LedgerService } from '../app/journal/ledger-service.js';
import { figuresView, pickView } from '../app/performance/figures-view.js';
import type { HistoryRow } from '../app/ports/store-port.js';
import { toPlain } from '../core/decimal.js';
import { sleeveTotals } from '../core/valuation.js';
import type {
  ReconciliationInput,
  ReportInput,
  ReportOrder,
  ReportPeriodKind,
  ReportSleeve,
  SummaryLike,
} from './report-model.js';

export interface ReportSources {
  readonly service: LedgerService;
  /** Checks the books against the broker now (`Subledger#account`); without it the last run's check is shown. */
  readonly account?: () => Promise<AccountView>;
}

export interface GatherOptions {
  readonly accountName: string;
  readonly timeZone: string;
  readonly period: ReportPeriodKind;
  readonly asOf: string;
  /** Days of history in the chart (default 30). */
  readonly chartDays?: number;
  readonly maxTrips?: number;
}

const DAY_MS = 86_400_000;

/** A `ReportSleeve`'s figures, in its key order. */
const SLEEVE_FIGURES = [
  'capital',
  'equity',
  'realized_pnl',
  'unrealized_pnl',
  'fees',
  'dividends',
  'total_pnl',
] as const;

/** The latest event time in the folded journal (marks, fills, runs), or undefined when it is empty. */
export async function lastEventTime(service: LedgerService): Promise<string | undefined> {
  const last = service.lastSeq;
  if (last === 0) return undefined;
  const [record] = await service.store.readJournal(last - 1, 1);
  return record?.tsEvent;
}

export async function gatherReportInput(sources: ReportSources, options: GatherOptions): Promise<ReportInput> {
  const { service } = sources;
  const state = service.state;
  // In-memory state first, before any await: one consistent picture of the books.
  const sleeves: ReportSleeve[] = service.deploymentIds().map((id) => {
    const info = service.deploymentInfo(id)!;
    const totals = sleeveTotals(service.ledger.sleeves.get(id)!, service.ledger.marks);
    return {
      id,
      name: info.name,
      strategy: info.strategy,
      status: info.status,
      created_at: info.createdAt,
      ...pickView(figuresView(totals), SLEEVE_FIGURES),
    };
  });
  const runs = [...state.rebalances.values()].map((r) => ({ ts: r.ts, summary: r.summary as unknown as SummaryLike }));
  const blockOf = new Map<string, string>();
  for (const block of state.blocks.values()) for (const child of block.children) blockOf.set(child, block.id);
  const orders: ReportOrder[] = [...state.orders.values()].map((o) => ({
    id: o.id,
    deployment: o.deployment,
    created_at: o.createdAt,
    status: o.status,
    filled_qty: toPlain(o.filledQty),
    block: blockOf.get(o.id) ?? null,
  }));

  const asOfMs = Date.parse(options.asOf);
  const windowFrom = new Date(asOfMs - (options.chartDays ?? 30) * DAY_MS).toISOString();
  const to = new Date(asOfMs).toISOString();
  const closes: HistoryRow[] = [];
  for (const scope of ['deployment', 'strategy', 'account'])
    closes.push(...(await service.store.history({ scope, kind: 'close', to })));
  const series: HistoryRow[] = [];
  for (const scope of ['strategy', 'account'])
    series.push(...(await service.store.history({ scope, from: windowFrom, to })));
  const roundTrips = await service.store.roundTrips();
  const reconciliation = await reconcile(sources, runs);
  return {
    accountName: options.accountName,
    timeZone: options.timeZone,
    asOf: to,
    period: options.period,
    sleeves,
    runs,
    orders,
    closes,
    series,
    roundTrips,
    reconciliation,
    ...(options.maxTrips !== undefined ? { maxTrips: options.maxTrips } : {}),
  };
}

async function reconcile(
  sources: ReportSources,
  runs: readonly { ts: string; summary: SummaryLike }[],
): Promise<ReconciliationInput | null> {
  if (sources.account) {
    try {
      const view = await sources.account();
      return { source: 'broker', as_of: view.as_of, reconciled: view.reconciled, differences: view.differences };
    } catch {
      // The broker cannot be asked now: the report still goes out, with the last recorded check.
    }
  }
  const last = [...runs]
    .filter((r) => r.summary.account)
    .sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts))
    .at(-1);
  if (!last) return null;
  return {
    source: 'last_rebalance',
    as_of: last.summary.finished_at,
    reconciled: last.summary.account!.reconciled,
    differences: last.summary.account!.differences,
  };
}
