/**
 * The ledger service: the one writer of an account's journal. It keeps the folded account state
 * in memory, and `append` journals new events and writes their projections in ONE durable
 * transaction before the live state is used (a fill is committed before anything acts on it).
 *
 * Guarantees:
 * - One serialized queue: every append, from every caller, runs one at a time in arrival order;
 *   `exclusive(work)` hands `work` a writer handle, and nothing else appends until it returns
 *   (a check-then-append is atomic). Calling `append`/`exclusive` from inside an exclusive section
 *   instead of through the handle throws at once (it would wait for itself).
 * - Memory after commit: a batch is folded into a working copy, committed, and only then into the
 *   state readers see (`state`), so no reader ever sees an uncommitted event and a failed commit
 *   leaves the readers' state untouched (the working copy is reset from it).
 * - One source of committed events: after each commit, subscribers (`subscribe`) get exactly what
 *   was committed, in seq order, once.
 * - An event key is journaled at most once (a retried or duplicated event is counted as a
 *   duplicate; the same key with different content is a `JOURNAL_CONFLICT`); a batch is
 *   all-or-nothing; `load` folds the journal, so the live state always equals a replay.
 * - Fencing: when the store says another process took the writer lease over, this service stops
 *   writing for good (`WRITER_FENCED` on every later append) and tells `onFenced` listeners.
 * - Start-up from a checkpoint (checkpoint.ts): `load` starts from the store's latest checkpoint
 *   when it is readable and its seq's journal row is still the one it was taken after, and folds
 *   only the journal after it; otherwise (or with `checkpoint: false`) the whole journal.
 * - Following (a standby, standby.ts): `follow` folds what another process committed since
 *   `lastSeq` into the same state (the same fold, so the same result) and publishes it as a commit.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DeploymentId, FillId, Symbol } from '../../core/ids.js';
import { type Ledger, type TradeBooked, isApplied } from '../../core/ledger.js';
import type { OrderState } from '../../core/orders.js';
import {
  type AccountState,
  type Effects,
  applyJournalEvent,
  journalEventProblem,
  newAccountState,
} from './account-state.js';
import { AppError } from '../errors.js';
import { timeOf } from '../marks/as-of.js';
import { CHECKPOINT_FORMAT, decodeState } from './checkpoint.js';
import { applyRecord, decodeRecord } from './journal-read.js';
import { type JournalEvent, admitEvent, encodeChecked, encodeEvent, journalKey } from './journal-codec.js';
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
import {
  type JournalRecord,
  type OrderRow,
  type Projections,
  type RoundTripRow,
  type StorePort,
  type TradeRow,
  WriterFencedError,
} from '../ports/store-port.js';

export interface AppendResult {
  readonly appended: number;
  readonly duplicates: number;
  readonly trades: readonly TradeBooked[];
  readonly lastSeq: number;
}

export type LoadProgress = (done: number, total: number) => void;

/** What a fold started from: nothing (seq 0), or a checkpoint of the state at `lastSeq`. */
export interface FoldStart {
  readonly state: AccountState;
  readonly lastSeq: number;
  readonly latestMs: number;
}

export interface LoadOptions {
  now?: () => Date;
  onProgress?: LoadProgress;
  /** Start from the store's latest checkpoint when there is a usable one (default true). */
  checkpoint?: boolean;
  /** Told why a checkpoint was not used (unreadable, another format, its journal row changed). */
  onNote?: (message: string) => void;
}

/** What one commit added to the journal, published once after the commit. */
export interface CommittedBatch {
  readonly records: readonly JournalRecord[];
  readonly events: readonly JournalEvent[];
  /** The journal's last seq after this batch. */
  readonly lastSeq: number;
}

/** The handle an exclusive section appends through. Valid only while the section runs. */
export interface Writer {
  /** The committed state (inside the section nothing else can change it). */
  readonly state: AccountState;
  append(events: readonly JournalEvent[], options?: { snapshotAt?: string }): Promise<AppendResult>;
}

const PAGE = 5000;

/** A rejected event in a batch: its position, the field and why. */
export interface BatchProblem {
  readonly index: number;
  readonly field: string;
  readonly message: string;
}

export class LedgerService {
  private tail: Promise<unknown> = Promise.resolve();
  /** Set inside an exclusive section (and what it awaits) while the section runs. */
  private readonly section = new AsyncLocalStorage<{ active: boolean }>();
  /** The state the writer folds a batch into before its commit; equal to `committed` between batches. */
  private working: AccountState;
  private fencedError: AppError | undefined;
  private latestMs: number;
  private readonly listeners = new Set<(batch: CommittedBatch) => void>();
  private readonly fenceListeners = new Set<(error: AppError) => void>();
  /** The seq of the checkpoint `load` started from (0: the whole journal was folded). */
  readonly checkpointSeq: number;

  private constructor(
    readonly store: StorePort,
    private committed: AccountState,
    private seq: number,
    latestMs: number,
    private readonly now: () => Date,
    checkpointSeq: number,
  ) {
    this.working = cloneState(committed);
    this.latestMs = latestMs;
    this.checkpointSeq = checkpointSeq;
  }

  /** Folds the journal into a fresh state: from the latest usable checkpoint on, else all of it. */
  static async load(store: StorePort, options: LoadOptions = {}): Promise<LedgerService> {
    const start = options.checkpoint === false ? undefined : await readCheckpoint(store, options.onNote);
    const { state, lastSeq, latestMs } = await foldJournal(store, options.onProgress, undefined, start);
    return new LedgerService(store, state, lastSeq, latestMs, options.now ?? (() => new Date()), start?.lastSeq ?? 0);
  }

  /**
   * Folds the journal rows another process committed after `lastSeq` (a standby following the
   * writer), in the writer queue, and publishes them like a commit. Returns the new last seq.
   * Throws `JournalCorruptError` on an entry that cannot be read (nothing after it is folded).
   */
  follow(pageSize = PAGE): Promise<number> {
    return this.exclusive(async () => {
      for (;;) {
        const page = await this.store.readJournal(this.seq, pageSize);
        if (page.length === 0) return this.seq;
        const events: JournalEvent[] = [];
        for (const record of page) {
          if (record.seq !== this.seq + 1)
            throw new Error(`the journal skips from seq ${this.seq} to ${record.seq}: a standby cannot follow it`);
          const event = decodeRecord(record);
          applyRecord(this.committed, record);
          applyJournalEvent(this.working, event);
          events.push(event);
          this.seq = record.seq;
          this.latestMs = Math.max(this.latestMs, timeOf(record.tsEvent));
        }
        this.publish({ records: page, events, lastSeq: this.seq });
        if (page.length < pageSize) return this.seq;
      }
    });
  }

  /** The committed state: what every reader sees. */
  get state(): AccountState {
    return this.committed;
  }

  get ledger(): Ledger {
    return this.committed.ledger;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** The latest event time (ms) of every committed record, -Infinity for an empty journal. */
  get latestEventMs(): number {
    return this.latestMs;
  }

  /** Set once this process lost the writer lease: every append then fails with it. */
  get fenced(): AppError | undefined {
    return this.fencedError;
  }

  deploymentInfo(id: DeploymentId): DeploymentInfo | undefined {
    return this.committed.infos.get(id);
  }

  deploymentIds(): DeploymentId[] {
    return [...this.committed.ledger.sleeves.keys()];
  }

  /** Calls `listener` after each commit with what it committed; returns the unsubscribe function. */
  subscribe(listener: (batch: CommittedBatch) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Calls `listener` once if this process is fenced (another writer took the lease over). */
  onFenced(listener: (error: AppError) => void): () => void {
    this.fenceListeners.add(listener);
    return () => void this.fenceListeners.delete(listener);
  }

  /**
   * Runs `work` with no other append in between (a check-then-append is atomic); `work` appends
   * through the writer handle it is given. Sections run one at a time, in call order.
   */
  exclusive<T>(work: (writer: Writer) => Promise<T>): Promise<T> {
    if (this.section.getStore()?.active)
      throw new Error('LedgerService: append or exclusive called inside an exclusive section; use its writer handle');
    const run = this.tail.then(() => {
      const mark = { active: true };
      return this.section.run(mark, async () => {
        const committed = () => this.committed;
        const writer: Writer = {
          get state() {
            return committed();
          },
          append: (events, options = {}) => {
            if (!mark.active) throw new Error('LedgerService: a writer handle was used after its section ended');
            return this.appendNow(events, options);
          },
        };
        try {
          return await work(writer);
        } finally {
          mark.active = false;
        }
      });
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
    keys: readonly string[] = events.map(journalKey),
  ): Promise<BatchProblem[]> {
    const problems: BatchProblem[] = [];
    const created = new Set<DeploymentId>();
    const submitted = new Set<string>();
    const batchKeys = new Map<string, string>();
    const state = this.committed;
    const { ledger, orders } = state;
    const hasDeployment = (id: DeploymentId) => ledger.sleeves.has(id) || created.has(id);
    const hasOrder = (id: string) => orders.has(id) || submitted.has(id);
    for (const [index, event] of events.entries()) {
      const key = keys[index]!;
      const payload = payloads[index]!;
      // A status report says nothing new once its status and filled qty are journaled (the REST
      // answer and the stream both report "new"): a known key is enough, no need to read it back.
      if (event.type === 'order_updated' && (batchKeys.has(key) || isApplied(ledger, key))) continue;
      const earlier =
        batchKeys.get(key) ?? (isApplied(ledger, key) ? (await this.store.journalEntry(key))?.payload : undefined);
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
      // The internal book's steps on an order submitted in this same batch are checked by the
      // fold itself (applyJournalEvent, on the working copy, before the commit).
      if (event.type === 'order_routed' && submitted.has(event.id)) continue;
      const problem = journalEventProblem(state, event, hasDeployment, hasOrder);
      if (problem) problems.push({ index, ...problem });
      if (event.type === 'deployment') created.add(event.deployment);
      if (event.type === 'order_submitted' || event.type === 'block_submitted') submitted.add(event.id);
    }
    return problems;
  }

  /**
   * Journals `events` (skipping exact duplicates) with their projections in one transaction, in
   * the writer queue. Throws `AppError` VALIDATION_FAILED / JOURNAL_CONFLICT (nothing written),
   * WRITER_FENCED (this process lost the writer lease), or the store's error.
   */
  append(events: readonly JournalEvent[], options: { snapshotAt?: string } = {}): Promise<AppendResult> {
    return this.exclusive((writer) => writer.append(events, options));
  }

  private async appendNow(given: readonly JournalEvent[], options: { snapshotAt?: string }): Promise<AppendResult> {
    if (this.fencedError) throw this.fencedError;
    // Each payload is checked against the reader's own schema before anything is written, so no
    // caller can journal an entry a later load would refuse (journal-codec.ts `encodeChecked`).
    const events = given.map(admitEvent);
    const payloads: string[] = [];
    const unreadable: BatchProblem[] = [];
    for (const [index, event] of events.entries()) {
      const { payload, problems } = encodeChecked(event); // once per event: check and journal share it
      payloads.push(payload);
      for (const p of problems) unreadable.push({ index, ...p });
    }
    if (unreadable.length > 0)
      throw new AppError('VALIDATION_FAILED', describe(unreadable[0]!), { problems: unreadable });
    const keys = events.map(journalKey);
    const problems = await this.check(events, payloads, keys);
    if (problems.length > 0) {
      const conflict = problems.find((p) => p.message.includes('already journaled'));
      throw new AppError(conflict ? 'JOURNAL_CONFLICT' : 'VALIDATION_FAILED', describe(problems[0]!), { problems });
    }
    const recordedAt = this.now().toISOString();
    const records: JournalRecord[] = [];
    const committedEvents: JournalEvent[] = [];
    const results: { effects: Effects; seq: number }[] = [];
    let seq = this.seq;
    let duplicates = 0;
    try {
      for (const [index, event] of events.entries()) {
        const effects = applyJournalEvent(this.working, event);
        if (effects.duplicate) {
          duplicates++;
          continue;
        }
        seq++;
        records.push({
          seq,
          key: keys[index]!,
          type: event.type,
          payload: payloads[index]!,
          tsEvent: event.ts,
          tsRecorded: recordedAt,
        });
        committedEvents.push(event);
        results.push({ effects, seq });
      }
      if (records.length > 0) await this.store.commit(records, this.projectionsOf(results, options.snapshotAt));
    } catch (error) {
      this.working = cloneState(this.committed); // the readers' state never saw the batch
      throw this.fence(error);
    }
    // Committed: now, and only now, the readers' state takes the batch (the same fold, so the
    // same result), and every subscriber hears of it.
    for (const event of committedEvents) applyJournalEvent(this.committed, event);
    this.seq = seq;
    for (const record of records) this.latestMs = Math.max(this.latestMs, timeOf(record.tsEvent));
    if (records.length > 0) this.publish({ records, events: committedEvents, lastSeq: seq });
    return {
      appended: records.length,
      duplicates,
      trades: results.flatMap((r) => r.effects.applied?.trades ?? []),
      lastSeq: seq,
    };
  }

  private publish(batch: CommittedBatch): void {
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch (error) {
        // A follower's bug must not undo or block a commit; it is reported and the next batch goes on.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /** A store write refused because another process holds the lease: this service writes no more. */
  private fence(error: unknown): unknown {
    if (!(error instanceof WriterFencedError)) return error;
    if (!this.fencedError) {
      const holder = error.current?.holder;
      this.fencedError = new AppError('WRITER_FENCED', `WRITER_FENCED: ${error.message}`, {
        epoch: error.epoch,
        ...(error.current ? { current_epoch: error.current.epoch } : {}),
        ...(holder ? { writer: { host: holder.host, pid: holder.pid, command: holder.command } } : {}),
      });
      for (const listener of this.fenceListeners) listener(this.fencedError);
    }
    return this.fencedError;
  }

  /** Marks this service fenced from outside (the lease keeper found the lease taken over). */
  lostLease(error: Error): void {
    this.fence(
      error instanceof WriterFencedError ? error : new WriterFencedError(this.store.writerEpoch ?? 0, undefined),
    );
  }

  private projectionsOf(results: readonly { effects: Effects; seq: number }[], snapshotAt?: string): Projections {
    // Deployments whose own row changed (created, status): a fill changes only a sleeve's
    // balance and positions, so it writes those rows, not its deployment's again.
    const changed = new Set<DeploymentId>();
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
      for (const d of effects.deployments) {
        changed.add(d);
        touch(d);
      }
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
    const { ledger, infos } = this.working;
    const deployments = [];
    const balances = [];
    const positions = [];
    for (const [deployment, symbols] of touched) {
      const sleeve = ledger.sleeves.get(deployment)!;
      if (changed.has(deployment)) deployments.push(deploymentRow(sleeve, infos.get(deployment)!));
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

/**
 * The store's latest checkpoint as a fold start, when it is usable: its format is this one, it
 * decodes, and the journal row at its seq still has the key it was taken after. Else undefined
 * (and `onNote` says why, unless there is none).
 */
export async function readCheckpoint(
  store: StorePort,
  onNote?: (message: string) => void,
): Promise<FoldStart | undefined> {
  const checkpoint = await store.latestCheckpoint?.();
  if (!checkpoint) return undefined;
  const ignored = (why: string) => {
    onNote?.(`checkpoint at seq ${checkpoint.seq} not used (${why}): folding the whole journal`);
    return undefined;
  };
  if (checkpoint.format !== CHECKPOINT_FORMAT) return ignored(`format ${checkpoint.format}`);
  const [row] = await store.readJournal(checkpoint.seq - 1, 1);
  if (row?.seq !== checkpoint.seq || row.key !== checkpoint.key)
    return ignored(`the journal row at seq ${checkpoint.seq} is not the one it was taken after`);
  try {
    const { state, latestMs } = decodeState(checkpoint.state);
    return { state, lastSeq: checkpoint.seq, latestMs };
  } catch (error) {
    return ignored(`unreadable: ${(error as Error).message}`);
  }
}

/**
 * Folds every journal record after `start` (default: none, a fresh state), in seq order, up to
 * `throughSeq` (default: the end).
 */
export async function foldJournal(
  store: StorePort,
  onProgress?: LoadProgress,
  onApplied?: (effects: Effects, seq: number) => void,
  start?: FoldStart,
  throughSeq = Infinity,
): Promise<{ state: AccountState; lastSeq: number; latestMs: number }> {
  const state = start?.state ?? newAccountState();
  const total = (await store.journalStats()).count;
  let lastSeq = start?.lastSeq ?? 0;
  let latestMs = start?.latestMs ?? -Infinity;
  const count = Math.max(0, total - lastSeq);
  let done = 0;
  onProgress?.(0, count);
  while (lastSeq < throughSeq) {
    const page = await store.readJournal(lastSeq, PAGE);
    if (page.length === 0) break;
    for (const record of page) {
      if (record.seq > throughSeq) break;
      // Decodes and folds; an entry that cannot be read throws JournalCorruptError (seq, field, reason).
      const effects = applyRecord(state, record); // not inside `onApplied?.(…)`: that would skip it
      onApplied?.(effects, record.seq);
      lastSeq = record.seq;
      const t = Date.parse(record.tsEvent);
      if (t > latestMs) latestMs = t;
    }
    done += page.length;
    onProgress?.(done, count);
  }
  return { state, lastSeq, latestMs };
}

/**
 * A deep copy of a folded state (plain data: maps, sets, arrays, bigints, strings). The ledger's
 * applied keys and fill ids (most of a long history's state, and only strings) are copied as sets
 * (their strings shared), a third of what `structuredClone` takes on them; the rest is cloned.
 */
export function cloneState(state: AccountState): AccountState {
  const { fills, applied } = state.ledger;
  const rest = structuredClone({ ...state, ledger: { ...state.ledger, fills: NO_FILLS, applied: NO_KEYS } });
  return { ...rest, ledger: { ...rest.ledger, fills: new Set(fills), applied: new Set(applied) } };
}

const NO_FILLS: ReadonlySet<FillId> = new Set();
const NO_KEYS: ReadonlySet<string> = new Set();
