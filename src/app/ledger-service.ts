/**
 * The ledger service: the one writer of an account's journal. It keeps the live ledger in memory,
 * and `append` journals new events and writes their projections in ONE durable transaction before
 * the live state changes hands (a fill is committed before anything acts on it).
 *
 * Guarantees: an event key is journaled at most once (a retried or duplicated event is reported as
 * a duplicate; the same key with different content is a `JOURNAL_CONFLICT`); a batch is
 * all-or-nothing (a rejected or failed batch leaves the journal, the projections and the live
 * ledger exactly as they were); `load` folds the journal, so the live state always equals a replay.
 */
import { eventKey } from '../core/events.js';
import type { DeploymentId, Symbol } from '../core/ids.js';
import { type Applied, type Ledger, type TradeBooked, applyEvent, eventProblem, newLedger } from '../core/ledger.js';
import { AppError } from './errors.js';
import { type JournalEvent, decodePayload, deploymentSettings, encodeEvent } from './journal-codec.js';
import {
  type DeploymentInfo,
  balanceRow,
  deploymentRow,
  markRow,
  metricsRow,
  positionRow,
  roundTripRow,
  tradeRow,
} from './projections.js';
import type { JournalRecord, Projections, RoundTripRow, StorePort, TradeRow } from './store-port.js';

export interface AppendResult {
  readonly appended: number;
  readonly duplicates: number;
  readonly trades: readonly TradeBooked[];
  readonly lastSeq: number;
}

export interface LoadProgress {
  (done: number, total: number): void;
}

const PAGE = 5000;

/** A rejected event in a batch: its position, the field and why. */
export interface BatchProblem {
  readonly index: number;
  readonly field: string;
  readonly message: string;
}

export class LedgerService {
  private constructor(
    readonly store: StorePort,
    private ledgerState: Ledger,
    private infos: Map<DeploymentId, DeploymentInfo>,
    private seq: number,
    private readonly now: () => Date,
  ) {}

  /** Folds the whole journal into a fresh ledger. */
  static async load(store: StorePort, options: { now?: () => Date; onProgress?: LoadProgress } = {}): Promise<LedgerService> {
    const { ledger, infos, lastSeq } = await foldJournal(store, options.onProgress);
    return new LedgerService(store, ledger, infos, lastSeq, options.now ?? (() => new Date()));
  }

  get ledger(): Ledger {
    return this.ledgerState;
  }

  get lastSeq(): number {
    return this.seq;
  }

  deploymentInfo(id: DeploymentId): DeploymentInfo | undefined {
    return this.infos.get(id);
  }

  deploymentIds(): DeploymentId[] {
    return [...this.ledgerState.sleeves.keys()];
  }

  /**
   * Problems that would stop `events` from being journaled, in order (all of them, not just the
   * first). Checks rules that need the ledger: unknown deployments, quantities, duplicates with
   * different content.
   */
  async check(events: readonly JournalEvent[]): Promise<BatchProblem[]> {
    const problems: BatchProblem[] = [];
    const created = new Set<DeploymentId>();
    const batchKeys = new Map<string, string>();
    const has = (id: DeploymentId) => this.ledgerState.sleeves.has(id) || created.has(id);
    for (const [index, event] of events.entries()) {
      const key = eventKey(event);
      const payload = encodeEvent(event);
      const earlier = batchKeys.get(key) ?? (this.ledgerState.applied.has(key) ? (await this.store.journalEntry(key))?.payload : undefined);
      if (earlier !== undefined) {
        if (earlier !== payload) problems.push({ index, field: conflictField(event), message: `${key} is already journaled with different content` });
        continue;
      }
      batchKeys.set(key, payload);
      const problem = eventProblem(has, event);
      if (problem) problems.push({ index, ...problem });
      if (event.type === 'deployment') created.add(event.deployment);
    }
    return problems;
  }

  /**
   * Journals `events` (skipping exact duplicates) with their projections in one transaction.
   * Throws `AppError` VALIDATION_FAILED / JOURNAL_CONFLICT (nothing written) or the store's error.
   */
  async append(events: readonly JournalEvent[], options: { snapshotAt?: string } = {}): Promise<AppendResult> {
    const problems = await this.check(events);
    if (problems.length > 0) {
      const conflict = problems.find((p) => p.message.includes('already journaled'));
      throw new AppError(conflict ? 'JOURNAL_CONFLICT' : 'VALIDATION_FAILED', describe(problems[0]!), { problems });
    }
    const recordedAt = this.now().toISOString();
    const records: JournalRecord[] = [];
    const results: { applied: Applied; seq: number }[] = [];
    let seq = this.seq;
    let duplicates = 0;
    try {
      for (const event of events) {
        const applied = applyEvent(this.ledgerState, event);
        if (applied.duplicate) {
          duplicates++;
          continue;
        }
        seq++;
        if (event.type === 'deployment') {
          this.infos.set(event.deployment, { ...deploymentSettings(event), status: 'active', createdAt: event.ts, updatedAt: event.ts });
        }
        records.push({ seq, key: eventKey(event), type: event.type, payload: encodeEvent(event), tsEvent: event.ts, tsRecorded: recordedAt });
        results.push({ applied, seq });
      }
      if (records.length > 0) {
        await this.store.commit(records, this.projectionsOf(results, options.snapshotAt));
      }
    } catch (error) {
      await this.reload();
      throw error;
    }
    this.seq = seq;
    return { appended: records.length, duplicates, trades: results.flatMap((r) => r.applied.trades), lastSeq: seq };
  }

  /** Rebuilds the live state from the store (after a failed commit). */
  async reload(): Promise<void> {
    const { ledger, infos, lastSeq } = await foldJournal(this.store);
    this.ledgerState = ledger;
    this.infos = infos;
    this.seq = lastSeq;
  }

  private projectionsOf(results: readonly { applied: Applied; seq: number }[], snapshotAt?: string): Projections {
    const touched = new Map<DeploymentId, Set<Symbol>>();
    const marked = new Set<Symbol>();
    const trades: TradeRow[] = [];
    const roundTrips: RoundTripRow[] = [];
    for (const { applied, seq } of results) {
      for (const [deployment, symbols] of applied.touched) {
        let set = touched.get(deployment);
        if (!set) touched.set(deployment, (set = new Set()));
        for (const s of symbols) set.add(s);
      }
      for (const s of applied.marked) marked.add(s);
      for (const t of applied.trades) trades.push(tradeRow(t, seq));
      applied.roundTrips.forEach((trip, idx) => roundTrips.push(roundTripRow(trip, seq, idx)));
    }
    const ledger = this.ledgerState;
    const deployments = [];
    const balances = [];
    const positions = [];
    for (const [deployment, symbols] of touched) {
      const sleeve = ledger.sleeves.get(deployment)!;
      deployments.push(deploymentRow(sleeve, this.infos.get(deployment)!));
      balances.push(balanceRow(sleeve));
      for (const symbol of symbols) positions.push(positionRow(deployment, sleeve.positions.get(symbol)!));
    }
    const metrics = snapshotAt ? [...ledger.sleeves.values()].map((s) => metricsRow(ledger, s, snapshotAt)) : [];
    return { deployments, balances, positions, trades, marks: [...marked].map((s) => markRow(ledger, s)), roundTrips, metrics };
  }
}


function conflictField(event: JournalEvent): string {
  return event.type === 'fill' || event.type === 'capital_flow' ? 'id' : event.type === 'deployment' ? 'deployment' : 'ts';
}

function describe(problem: BatchProblem): string {
  return `event ${problem.index + 1}: ${problem.field}: ${problem.message}`;
}

/** Folds every journal record, in seq order, into a fresh ledger. */
export async function foldJournal(
  store: StorePort,
  onProgress?: LoadProgress,
  onApplied?: (applied: Applied, seq: number) => void,
): Promise<{ ledger: Ledger; infos: Map<DeploymentId, DeploymentInfo>; lastSeq: number }> {
  const ledger = newLedger();
  const infos = new Map<DeploymentId, DeploymentInfo>();
  const { count } = await store.journalStats();
  let lastSeq = 0;
  let done = 0;
  onProgress?.(0, count);
  for (;;) {
    const page = await store.readJournal(lastSeq, PAGE);
    if (page.length === 0) break;
    for (const record of page) {
      const event = decodePayload(record.payload, `seq ${record.seq}`);
      const applied = applyEvent(ledger, event);
      if (event.type === 'deployment') {
        infos.set(event.deployment, { ...deploymentSettings(event), status: 'active', createdAt: event.ts, updatedAt: event.ts });
      }
      onApplied?.(applied, record.seq);
      lastSeq = record.seq;
    }
    done += page.length;
    onProgress?.(done, count);
  }
  return { ledger, infos, lastSeq };
}
