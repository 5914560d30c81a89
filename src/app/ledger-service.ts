/**
 * The ledger service: the one writer of an account's journal. It keeps the folded account state
 * in memory, and `append` journals new events and writes their projections in ONE durable
 * transaction before the live state is used (a fill is committed before anything acts on it).
 *
 * Guarantees: an event key is journaled at most once (a retried or duplicated event is counted as
 * a duplicate; the same key with different content is a `JOURNAL_CONFLICT`); a batch is
 * all-or-nothing (a rejected or failed batch leaves journal, projections and live state as they
 * were); `load` folds the journal, so the live state always equals a replay. Appends are
 * serialized; `exclusive` lets a caller check and append without another append in between.
 */
import type { DeploymentId, Symbol } from '../core/ids.js';
import type { Ledger, TradeBooked } from '../core/ledger.js';
import type { OrderState } from '../core/orders.js';
import {
  type AccountState,
  type Effects,
  applyJournalEvent,
  journalEventProblem,
  newAccountState,
} from './account-state.js';
import { AppError } from './errors.js';
import { type JournalEvent, decodePayload, encodeEvent, journalKey } from './journal-codec.js';
import {
  type DeploymentInfo,
  balanceRow,
  deploymentRow,
  markRow,
  metricsRow,
  orderRow,
  positionRow,
  roundTripRow,
  tradeRow,
} from './projections.js';
import type { JournalRecord, OrderRow, Projections, RoundTripRow, StorePort, TradeRow } from './store-port.js';

export interface AppendResult {
  readonly appended: number;
  readonly duplicates: number;
  readonly trades: readonly TradeBooked[];
  readonly lastSeq: number;
}

export type LoadProgress = (done: number, total: number) => void;

const PAGE = 5000;

/** A rejected event in a batch: its position, the field and why. */
export interface BatchProblem {
  readonly index: number;
  readonly field: string;
  readonly message: string;
}

export class LedgerService {
  private tail: Promise<unknown> = Promise.resolve();
  private inExclusive = false;

  private constructor(
    readonly store: StorePort,
    private live: AccountState,
    private seq: number,
    private readonly now: () => Date,
  ) {}

  /** Folds the whole journal into a fresh state. */
  static async load(
    store: StorePort,
    options: { now?: () => Date; onProgress?: LoadProgress } = {},
  ): Promise<LedgerService> {
    const { state, lastSeq } = await foldJournal(store, options.onProgress);
    return new LedgerService(store, state, lastSeq, options.now ?? (() => new Date()));
  }

  get state(): AccountState {
    return this.live;
  }

  get ledger(): Ledger {
    return this.live.ledger;
  }

  get lastSeq(): number {
    return this.seq;
  }

  deploymentInfo(id: DeploymentId): DeploymentInfo | undefined {
    return this.live.infos.get(id);
  }

  deploymentIds(): DeploymentId[] {
    return [...this.live.ledger.sleeves.keys()];
  }

  /** Runs `work` with no other append in between (a check-then-append is atomic). */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      this.inExclusive = true;
      try {
        return await work();
      } finally {
        this.inExclusive = false;
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Problems that would stop `events` from being journaled, in order (all of them, not just the
   * first): unknown deployments or orders, non-positive quantities, known ids with other content.
   */
  async check(
    events: readonly JournalEvent[],
    payloads: readonly string[] = events.map(encodeEvent),
  ): Promise<BatchProblem[]> {
    const problems: BatchProblem[] = [];
    const created = new Set<DeploymentId>();
    const submitted = new Set<string>();
    const batchKeys = new Map<string, string>();
    const { ledger, orders } = this.live;
    const hasDeployment = (id: DeploymentId) => ledger.sleeves.has(id) || created.has(id);
    const hasOrder = (id: string) => orders.has(id) || submitted.has(id);
    for (const [index, event] of events.entries()) {
      const key = journalKey(event);
      const payload = payloads[index]!;
      // A status report says nothing new once its status and filled qty are journaled (the REST
      // answer and the stream both report "new"): a known key is enough, no need to read it back.
      if (event.type === 'order_updated' && (batchKeys.has(key) || ledger.applied.has(key))) continue;
      const earlier =
        batchKeys.get(key) ?? (ledger.applied.has(key) ? (await this.store.journalEntry(key))?.payload : undefined);
      if (earlier !== undefined) {
        // For money, other content under a known id is a conflict.
        if (earlier !== payload)
          problems.push({
            index,
            field: conflictField(event),
            message: `${key} is already journaled with different content`,
          });
        continue;
      }
      batchKeys.set(key, payload);
      const problem = journalEventProblem(this.live, event, hasDeployment, hasOrder);
      if (problem) problems.push({ index, ...problem });
      if (event.type === 'deployment') created.add(event.deployment);
      if (event.type === 'order_submitted' || event.type === 'block_submitted') submitted.add(event.id);
    }
    return problems;
  }

  /**
   * Journals `events` (skipping exact duplicates) with their projections in one transaction.
   * Throws `AppError` VALIDATION_FAILED / JOURNAL_CONFLICT (nothing written) or the store's error.
   */
  append(events: readonly JournalEvent[], options: { snapshotAt?: string } = {}): Promise<AppendResult> {
    return this.inExclusive ? this.appendNow(events, options) : this.exclusive(() => this.appendNow(events, options));
  }

  private async appendNow(events: readonly JournalEvent[], options: { snapshotAt?: string }): Promise<AppendResult> {
    const payloads = events.map(encodeEvent); // once per event: check and journal share it
    const problems = await this.check(events, payloads);
    if (problems.length > 0) {
      const conflict = problems.find((p) => p.message.includes('already journaled'));
      throw new AppError(conflict ? 'JOURNAL_CONFLICT' : 'VALIDATION_FAILED', describe(problems[0]!), { problems });
    }
    const recordedAt = this.now().toISOString();
    const records: JournalRecord[] = [];
    const results: { effects: Effects; seq: number }[] = [];
    let seq = this.seq;
    let duplicates = 0;
    try {
      for (const [index, event] of events.entries()) {
        const effects = applyJournalEvent(this.live, event);
        if (effects.duplicate) {
          duplicates++;
          continue;
        }
        seq++;
        records.push({
          seq,
          key: journalKey(event),
          type: event.type,
          payload: payloads[index]!,
          tsEvent: event.ts,
          tsRecorded: recordedAt,
        });
        results.push({ effects, seq });
      }
      if (records.length > 0) await this.store.commit(records, this.projectionsOf(results, options.snapshotAt));
    } catch (error) {
      await this.reload();
      throw error;
    }
    this.seq = seq;
    return {
      appended: records.length,
      duplicates,
      trades: results.flatMap((r) => r.effects.applied?.trades ?? []),
      lastSeq: seq,
    };
  }

  /** Rebuilds the live state from the store (after a failed commit). */
  async reload(): Promise<void> {
    const { state, lastSeq } = await foldJournal(this.store);
    this.live = state;
    this.seq = lastSeq;
  }

  private projectionsOf(results: readonly { effects: Effects; seq: number }[], snapshotAt?: string): Projections {
    const touched = new Map<DeploymentId, Set<Symbol>>();
    const touch = (deployment: DeploymentId) => {
      let set = touched.get(deployment);
      if (!set) touched.set(deployment, (set = new Set()));
      return set;
    };
    const marked = new Set<Symbol>();
    const trades: TradeRow[] = [];
    const roundTrips: RoundTripRow[] = [];
    const orders = new Map<string, OrderState>();
    for (const { effects, seq } of results) {
      for (const d of effects.deployments) touch(d);
      for (const o of effects.orders) orders.set(o.id, o);
      const applied = effects.applied;
      if (!applied) continue;
      for (const [deployment, symbols] of applied.touched) {
        const set = touch(deployment);
        for (const s of symbols) set.add(s);
      }
      for (const s of applied.marked) marked.add(s);
      for (const t of applied.trades) trades.push(tradeRow(t, seq));
      applied.roundTrips.forEach((trip, idx) => roundTrips.push(roundTripRow(trip, seq, idx)));
    }
    const { ledger, infos } = this.live;
    const deployments = [];
    const balances = [];
    const positions = [];
    for (const [deployment, symbols] of touched) {
      const sleeve = ledger.sleeves.get(deployment)!;
      deployments.push(deploymentRow(sleeve, infos.get(deployment)!));
      balances.push(balanceRow(sleeve));
      for (const symbol of symbols) positions.push(positionRow(deployment, sleeve.positions.get(symbol)!));
    }
    const metrics = snapshotAt ? [...ledger.sleeves.values()].map((s) => metricsRow(ledger, s, snapshotAt)) : [];
    const orderRows: OrderRow[] = [...orders.values()].map(orderRow);
    return {
      deployments,
      balances,
      positions,
      trades,
      marks: [...marked].map((s) => markRow(ledger, s)),
      roundTrips,
      metrics,
      orders: orderRows,
    };
  }
}

function conflictField(event: JournalEvent): string {
  switch (event.type) {
    case 'deployment':
      return 'deployment';
    case 'split':
    case 'dividend':
    case 'mark':
      return 'ts';
    default:
      return 'id';
  }
}

function describe(problem: BatchProblem): string {
  return `event ${problem.index + 1}: ${problem.field}: ${problem.message}`;
}

/** Folds every journal record, in seq order, into a fresh state. */
export async function foldJournal(
  store: StorePort,
  onProgress?: LoadProgress,
  onApplied?: (effects: Effects, seq: number) => void,
): Promise<{ state: AccountState; lastSeq: number }> {
  const state = newAccountState();
  const { count } = await store.journalStats();
  let lastSeq = 0;
  let done = 0;
  onProgress?.(0, count);
  for (;;) {
    const page = await store.readJournal(lastSeq, PAGE);
    if (page.length === 0) break;
    for (const record of page) {
      const event = decodePayload(record.payload, `seq ${record.seq}`);
      const effects = applyJournalEvent(state, event); // not inside `onApplied?.(…)`: that would skip it
      onApplied?.(effects, record.seq);
      lastSeq = record.seq;
    }
    done += page.length;
    onProgress?.(done, count);
  }
  return { state, lastSeq };
}
