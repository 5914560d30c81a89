/**
 * The writer of everything valued "as of a time": marks with their snapshot, each day's close
 * (snapshots + daily history rows) and the history rows of rebalance runs; and the replay of all
 * of it from the journal.
 *
 * Entry points: `Recorder` (`commitMarks`, `closeDays`, `appendHistory`, `snapshot`, `stateAt`)
 * for the running app; `rebuildHistory` and `verifyHistory` for the journal alone (CLI, tests).
 * Invariant: every row written for time T is computed from the books as of T (src/app/marks/as-of.ts),
 * a pure function of the journal and T, so a re-run at the same T and a replay of the journal
 * give identical rows (rows are upserts keyed by subject and time: writing again is harmless).
 * Fast path: when the journal holds nothing effective after T, the live state IS the state as of
 * T; marks and their snapshot are then committed in ONE transaction (the ledger service's
 * `snapshotAt`). Otherwise the state is folded from the journal, outside the append lock. The
 * journal's latest effective time comes from the ledger service (it tracks every commit), so the
 * recorder never re-reads the journal to know it.
 */
import type { AccountState } from '../journal/account-state.js';
import { JournalWatermark, PrefixFold, firstEventTime, timeOf } from './as-of.js';
import { type HistoryKind, historyRows, snapshotRows } from '../performance/history.js';
import type { JournalEvent } from '../journal/journal-codec.js';
import type { AppendResult, LedgerService } from '../journal/ledger-service.js';
import type { MarketHours } from './market-hours.js';
import { type HistoryRow, type MetricsRow, type StorePort, emptyProjections } from '../ports/store-port.js';

/** What to write at a time. */
export interface Writes {
  readonly history?: HistoryKind;
  readonly snapshot?: boolean;
}

export interface AsOfRows {
  readonly history: HistoryRow[];
  readonly snapshots: MetricsRow[];
}

export const CLOSE: Writes = { history: 'close', snapshot: true };

/**
 * Closes written per store write when catching up: two transactions per batch instead of per day
 * (100 deployments × 50 closes is 5,000 snapshot rows and ~5,000 history rows a batch).
 */
export const CLOSES_PER_BATCH = 50;

export interface CloseDaysOptions {
  readonly onProgress?: (done: number, total: number) => void;
  /** Called after each batch is written, with its last close (the scheduler keeps its cursor there). */
  readonly onWritten?: (close: string) => Promise<void>;
  /** Stops before the next close once aborted (a process closing). */
  readonly signal?: AbortSignal;
}

/** The rows `writes` asks for, from the books as of `at`. */
export function rowsAsOf(state: AccountState, at: string, writes: Writes): AsOfRows {
  return {
    history: writes.history ? historyRows(state, at, writes.history) : [],
    snapshots: writes.snapshot ? snapshotRows(state, at) : [],
  };
}

export async function persistRows(store: StorePort, rows: AsOfRows): Promise<void> {
  if (rows.snapshots.length > 0) await store.commit([], { ...emptyProjections(), metrics: rows.snapshots });
  await store.writeHistory(rows.history);
}

export class Recorder {
  constructor(private readonly service: LedgerService) {}

  private get store() {
    return this.service.store;
  }

  /**
   * Journals mark events and, with `snapshotAt`, writes every sleeve's `deployment_metrics` row as
   * of that time. Events already journaled (same key) are skipped by the ledger service.
   */
  async commitMarks(events: readonly JournalEvent[], snapshotAt?: string): Promise<AppendResult | undefined> {
    const at = snapshotAt === undefined ? undefined : new Date(snapshotAt).toISOString();
    const { result, slow } = await this.service.exclusive(async (writer) => {
      const fast = at !== undefined && this.liveIsAsOf(at) && events.every((e) => timeOf(e.ts) <= timeOf(at));
      let result: AppendResult | undefined;
      // Fast: the marks, the fence after `at` and the snapshot in one transaction.
      if (fast) result = await writer.append([...events, valuationTaken(at)], { snapshotAt: at });
      else if (events.length > 0) result = await writer.append(events);
      if (fast && (result?.appended ?? 0) === 0)
        await persistRows(this.store, rowsAsOf(this.service.state, at, { snapshot: true }));
      return { result, slow: at !== undefined && !fast };
    });
    if (slow) await this.write(at!, { snapshot: true });
    return result;
  }

  /** Snapshots of every sleeve as of `ts`. */
  async snapshot(ts: string): Promise<void> {
    await this.write(new Date(ts).toISOString(), { snapshot: true });
  }

  /**
   * History rows of `kind` for every deployment, strategy and the account as of `ts` ('close' also
   * snapshots every sleeve). The multi-strategy engine calls `appendHistory('rebalance', ts)` after each run.
   */
  async appendHistory(kind: HistoryKind, ts: string): Promise<void> {
    await this.write(new Date(ts).toISOString(), kind === 'close' ? CLOSE : { history: kind });
  }

  /**
   * The day's close for each of `closes` (ascending): snapshots and daily history rows, written
   * `CLOSES_PER_BATCH` closes at a time (the rows are upserts, so a batch is the same rows as one
   * write per close). After each batch `onWritten` gets its last close. With `signal` aborted it
   * stops before the next close. Returns how many closes were written.
   */
  async closeDays(closes: readonly string[], options: CloseDaysOptions = {}): Promise<number> {
    let fold: PrefixFold | undefined;
    let batch: AsOfRows = { history: [], snapshots: [] };
    let written = 0;
    let computed = 0;
    const flush = async () => {
      await persistRows(this.store, batch);
      batch = { history: [], snapshots: [] };
      written = computed;
      await options.onWritten?.(closes[written - 1]!);
      options.onProgress?.(written, closes.length);
    };
    for (const close of closes) {
      if (options.signal?.aborted) break;
      // Let I/O in between (a catch-up runs beside a serving process): on SQLite every read and
      // write here resolves at once, so without this the whole catch-up would hold the event loop.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const at = new Date(close).toISOString();
      let rows = await this.rowsFromLive(at, CLOSE);
      if (!rows) {
        fold ??= new PrefixFold(this.store);
        rows = rowsAsOf(await fold.at(at), at, CLOSE);
      }
      batch.history.push(...rows.history);
      batch.snapshots.push(...rows.snapshots);
      computed++;
      if (computed - written >= CLOSES_PER_BATCH) await flush();
    }
    if (computed > written) await flush();
    return written;
  }

  /** The books as of `ts`: the live state when it is that, else folded from the journal. */
  async stateAt(ts: string): Promise<AccountState> {
    const at = new Date(ts).toISOString();
    return this.liveIsAsOf(at) ? this.service.state : new PrefixFold(this.store).at(at);
  }

  private async write(at: string, writes: Writes): Promise<void> {
    const rows = (await this.rowsFromLive(at, writes)) ?? rowsAsOf(await new PrefixFold(this.store).at(at), at, writes);
    await persistRows(this.store, rows);
  }

  /**
   * Rows computed from the committed state, or undefined when it is not the state as of `at`. In
   * the same writer section a `valuation_taken` fence is journaled after `at`, so nothing journaled
   * later — a late report stamped before `at` included — counts as of `at` in a replay.
   */
  private async rowsFromLive(at: string, writes: Writes): Promise<AsOfRows | undefined> {
    return this.service.exclusive(async (writer) => {
      if (!this.liveIsAsOf(at)) return undefined;
      const rows = rowsAsOf(writer.state, at, writes);
      await writer.append([valuationTaken(at)]);
      return rows;
    });
  }

  /** Has the committed state folded exactly the journal as of `at` (nothing committed is effective after it)? */
  private liveIsAsOf(at: string): boolean {
    return this.service.latestEventMs <= timeOf(at);
  }
}

/** The fence journaled after a valuation at `at` (see `ValuationTaken`). */
function valuationTaken(at: string): JournalEvent {
  return { type: 'valuation_taken', at, ts: new Date(timeOf(at) + 1).toISOString() };
}

/**
 * Recomputes, from the journal alone, every trading day's close from the journal's first event
 * to its latest one (snapshots and daily history rows) and writes them (upserts). Returns the closes.
 */
export async function rebuildHistory(
  store: StorePort,
  hours: MarketHours,
  onProgress?: (done: number, total: number) => void,
): Promise<string[]> {
  const first = await firstEventTime(store);
  if (first === undefined) return [];
  const watermark = new JournalWatermark();
  await watermark.refresh(store);
  const closes = hours.closesBetween(new Date(first), new Date(watermark.latest));
  const fold = new PrefixFold(store);
  for (const [i, close] of closes.entries()) {
    await persistRows(store, rowsAsOf(await fold.at(close), close, CLOSE));
    onProgress?.(i + 1, closes.length);
  }
  return closes;
}

export interface HistoryDifference {
  readonly table: 'pnl_history' | 'deployment_metrics';
  readonly key: string;
  readonly stored: unknown;
  readonly rebuilt: unknown;
}

/**
 * Replays the journal to every time a history row or a snapshot was written and compares the
 * stored rows with the recomputed ones (none missing, none different). Empty when they agree.
 */
export async function verifyHistory(store: StorePort): Promise<HistoryDifference[]> {
  const stored = new Map<string, { table: HistoryDifference['table']; row: unknown }>();
  const wanted = new Map<string, { history: Set<HistoryKind>; snapshot: boolean }>(); // ts → what was written
  const want = (ts: string) => {
    let w = wanted.get(ts);
    if (!w) wanted.set(ts, (w = { history: new Set(), snapshot: false }));
    return w;
  };
  for (const scope of ['deployment', 'strategy', 'account']) {
    for (const row of await store.history({ scope })) {
      stored.set(historyKey(row), { table: 'pnl_history', row });
      want(row.ts).history.add(row.kind as HistoryKind);
    }
  }
  for (const d of await store.deployments()) {
    for (const row of await store.metrics(d.id)) {
      stored.set(snapshotKey(row), { table: 'deployment_metrics', row });
      want(row.ts).snapshot = true;
    }
  }
  const differences: HistoryDifference[] = [];
  const fold = new PrefixFold(store);
  for (const ts of [...wanted.keys()].sort((a, b) => timeOf(a) - timeOf(b))) {
    const w = wanted.get(ts)!;
    const state = await fold.at(ts);
    const rebuilt: { key: string; table: HistoryDifference['table']; row: unknown }[] = [];
    for (const kind of w.history)
      for (const row of historyRows(state, ts, kind)) rebuilt.push({ key: historyKey(row), table: 'pnl_history', row });
    if (w.snapshot)
      for (const row of snapshotRows(state, ts))
        rebuilt.push({ key: snapshotKey(row), table: 'deployment_metrics', row });
    for (const r of rebuilt) {
      const s = stored.get(r.key);
      if (!s || canonical(s.row) !== canonical(r.row))
        differences.push({ table: r.table, key: r.key, stored: s?.row ?? null, rebuilt: r.row });
      stored.delete(r.key);
    }
  }
  for (const [key, s] of stored) differences.push({ table: s.table, key, stored: s.row, rebuilt: null });
  return differences;
}

const canonical = (row: unknown) => JSON.stringify(row, Object.keys(row as object).sort());
const historyKey = (r: HistoryRow) => `${r.scope}/${r.subject}/${r.kind}/${r.ts}`;
const snapshotKey = (r: MetricsRow) => `${r.deploymentId}/${r.ts}`;
