/**
 * The store port: the durable journal and the projections folded from it (DESIGN.md §6).
 * Implemented by src/adapters/sql (SQLite file, the embedded default; PostgreSQL for scale-out).
 * One contract suite (test/contracts/store.contract.ts) runs against every implementation.
 *
 * Decimals are stored as exact decimal strings (never binary floats). The journal is append-only
 * and unique on `key`; `commit` writes journal rows and projection rows in ONE durable transaction
 * and throws `JournalConflictError` (writing nothing) when a key or seq already exists.
 * Seqs are assigned by the single writer (one writer per account, see DESIGN.md §6).
 *
 * The writer lease: one row per store holding an epoch that grows on every takeover, the holder
 * and an expiry. `claimLease` is a compare-and-swap on the epoch; once a store instance holds the
 * lease, EVERY write it makes (commit, history, cursors, replaceProjections) checks, in the same
 * transaction, that its epoch is still the current one, and throws `WriterFencedError` (writing
 * nothing) when another process has taken over. A store that never claimed the lease refuses to
 * write (`NotWriterError`): read-only commands cannot write by accident.
 *
 * The projections' seq: the store keeps, beside the projections, the journal seq they were last
 * written at (the cursor `PROJECTIONS_SEQ_CURSOR`), in the same transaction as the journal rows. It
 * moves only from the seq it held to the last seq of the commit (or from an empty journal); a
 * commit that writes projections without journal rows, a commit that does not follow on from it,
 * and any UPDATE or DELETE of a journal row (a trigger in the store) clear it; `replaceProjections`
 * sets it again. So while it equals the journal's last seq, the projections are what the writer
 * folded from exactly these journal rows (`StoredBooks`: `books` then reads them instead of
 * folding the journal); otherwise the journal, folded, is what counts.
 */

export interface JournalRecord {
  readonly seq: number;
  readonly key: string;
  readonly type: string;
  /** Canonical JSON of the event, decimals as strings. */
  readonly payload: string;
  readonly tsEvent: string;
  readonly tsRecorded: string;
}

export interface DeploymentRow {
  readonly id: string;
  readonly name: string;
  readonly strategy: string;
  readonly initialCapital: string;
  readonly costMethod: string;
  readonly status: string;
  /** JSON object of the deployment's limits. */
  readonly limits: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface BalanceRow {
  readonly deploymentId: string;
  readonly cash: string;
  readonly capitalFlows: string;
}

export interface PositionRow {
  readonly deploymentId: string;
  readonly symbol: string;
  readonly qty: string;
  /** Average-cost basis (qty × average cost), signed. */
  readonly costBasis: string;
  readonly avgCost: string;
  readonly realizedPnlAverage: string;
  readonly realizedPnlFifo: string;
  readonly fees: string;
  readonly dividends: string;
  /** JSON array of FIFO lots: [qty, cost, ts]. */
  readonly lots: string;
  /** JSON of the open round trip: { openedAt, realized, fees } or null. */
  readonly trip: string;
}

export interface TradeRow {
  readonly fillId: string;
  readonly leg: number;
  readonly seq: number;
  readonly deploymentId: string;
  readonly symbol: string;
  readonly side: string;
  readonly qty: string;
  readonly price: string;
  readonly fee: string;
  readonly feeCurrency: string;
  readonly feeExpense: string;
  readonly realizedPnl: string;
  readonly realizedPnlAverage: string;
  readonly realizedPnlFifo: string;
  readonly orderId: string | null;
  readonly ts: string;
}

export interface OrderRow {
  readonly id: string;
  readonly deploymentId: string;
  readonly brokerOrderId: string | null;
  readonly symbol: string;
  readonly side: string;
  readonly qty: string;
  readonly orderType: string;
  readonly limitPrice: string | null;
  readonly timeInForce: string;
  readonly reservePrice: string;
  readonly status: string;
  readonly filledQty: string;
  readonly filledAvgPrice: string | null;
  readonly reason: string | null;
  readonly idempotencyKey: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface MarkRow {
  readonly symbol: string;
  readonly price: string;
  readonly splitDivisor: string | null;
  readonly ts: string;
  readonly source: string;
}

export interface RoundTripRow {
  readonly seq: number;
  readonly idx: number;
  readonly deploymentId: string;
  readonly symbol: string;
  readonly openedAt: string;
  readonly closedAt: string;
  readonly realizedPnl: string;
  readonly fees: string;
}

export interface MetricsRow {
  readonly deploymentId: string;
  readonly ts: string;
  readonly cash: string;
  readonly positionsValue: string;
  readonly equity: string;
  readonly realizedPnl: string;
  readonly unrealizedPnl: string;
  readonly fees: string;
  readonly dividends: string;
  readonly totalPnl: string;
  readonly returnPct: string;
}

/** Rows to upsert (deployments, balances, positions, marks, metrics) or insert (trades, round trips). */
export interface Projections {
  readonly deployments: readonly DeploymentRow[];
  readonly balances: readonly BalanceRow[];
  readonly positions: readonly PositionRow[];
  readonly trades: readonly TradeRow[];
  readonly marks: readonly MarkRow[];
  readonly roundTrips: readonly RoundTripRow[];
  readonly metrics: readonly MetricsRow[];
  readonly orders: readonly OrderRow[];
}

/** The cursor holding the journal seq the projections were last written at (see the module comment). */
export const PROJECTIONS_SEQ_CURSOR = 'projections.seq';

/**
 * What `books` shows, as the projections hold it, read in one snapshot of a store whose
 * projections' seq equals the journal's last seq: the journal has not moved since they were
 * written, by this writer, in the transactions that appended it.
 */
export interface StoredBooks {
  /** Where the data lives, for messages (as `StorePort.location`). */
  readonly location: string;
  /** The journal's last seq, which the projections were written at. */
  readonly seq: number;
  /** Every deployment id in the order the journal created them (the fold's order). */
  readonly deploymentIds: readonly string[];
  readonly deployments: readonly DeploymentRow[];
  readonly balances: readonly BalanceRow[];
  readonly positions: readonly PositionRow[];
  readonly marks: readonly MarkRow[];
}

export const emptyProjections = (): Projections => ({
  orders: [],
  deployments: [],
  balances: [],
  positions: [],
  trades: [],
  marks: [],
  roundTrips: [],
  metrics: [],
});

/**
 * One row of the P&L history log (DESIGN.md §6 "P&L history"): a subject's cumulative numbers at
 * a time, valued from the journal as of that time (src/app/performance/history.ts). `scope` is 'deployment',
 * 'strategy' (Σ of its deployments) or 'account' (Σ of every sleeve, the house included); `kind`
 * is 'close' (a trading day's close) or 'rebalance' (a rebalance run). Unique on
 * (scope, subject, kind, ts); writing the same key again replaces the row (it is a pure function
 * of the journal and the time, so a re-run writes the same values).
 */
export interface HistoryRow {
  readonly scope: string;
  readonly subject: string;
  readonly kind: string;
  /** ISO-8601 UTC as `Date#toISOString` prints it (so text order is time order). */
  readonly ts: string;
  /** The trading day (YYYY-MM-DD, UTC) the row belongs to. */
  readonly day: string;
  /** How many deployments the subject sums (1 for a deployment). */
  readonly members: number;
  /** initial capital + capital flows. */
  readonly capital: string;
  readonly cash: string;
  readonly positionsValue: string;
  readonly equity: string;
  readonly realizedPnl: string;
  readonly unrealizedPnl: string;
  readonly fees: string;
  readonly dividends: string;
  readonly totalPnl: string;
  readonly returnPct: string;
  /** Σ |qty × mark| of the open positions. */
  readonly grossExposure: string;
  readonly openPositions: number;
}

export interface HistoryQuery {
  readonly scope: string;
  readonly subject?: string;
  readonly kind?: string;
  /** Inclusive bounds on ts (ISO-8601 as stored). */
  readonly from?: string;
  readonly to?: string;
}

export interface TradeQuery {
  readonly deploymentId?: string;
  readonly symbol?: string;
  /** Inclusive lower bound on ts (ISO-8601). */
  readonly from?: string;
  /** Exclusive upper bound on ts. */
  readonly to?: string;
  /** Return trades with seq/leg after this cursor ("seq:leg"). */
  readonly after?: { seq: number; leg: number };
  readonly limit: number;
}

/**
 * A checkpoint of the folded state (src/app/journal/checkpoint.ts): `state` folded from the journal rows
 * 1..`seq`, whose row at `seq` has key `key` (a checkpoint is used only while that row is still
 * there). Written by the writer, fenced like every write; the store drops every checkpoint when a
 * journal row is changed or deleted.
 */
export interface Checkpoint {
  readonly seq: number;
  readonly key: string;
  /** The encoding's name and version (checkpoint.ts `CHECKPOINT_FORMAT`); another one is ignored. */
  readonly format: string;
  readonly state: string;
  /** ISO-8601 wall-clock time it was written. */
  readonly writtenAt: string;
}

/** Who holds (or asks for) the writer lease. */
export interface LeaseHolder {
  /** A random id per process run, so two runs with the same pid are told apart. */
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** The command that holds it (`serve`, `import`, ...), for messages. */
  readonly command: string;
}

export interface WriterLease {
  /** Grows by one on every claim; writes carry it and are refused once it moved on. */
  readonly epoch: number;
  readonly holder: LeaseHolder;
  /** When this epoch was claimed (ms since the Unix epoch, wall clock). */
  readonly since: number;
  /** Until when the holder may write without renewing (ms); ≤ now means free to claim. */
  readonly expiresAt: number;
}

export class JournalConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JournalConflictError';
  }
}

/** A write by a process whose lease epoch is no longer current: another writer took over. */
export class WriterFencedError extends Error {
  constructor(
    readonly epoch: number,
    readonly current: WriterLease | undefined,
  ) {
    super(
      current
        ? `this process's writer lease (epoch ${epoch}) was taken over by pid ${current.holder.pid} on ${current.holder.host} (${current.holder.command}, epoch ${current.epoch}); it no longer writes`
        : `this process's writer lease (epoch ${epoch}) is gone; it no longer writes`,
    );
    this.name = 'WriterFencedError';
  }
}

/** A write through a store that does not hold the writer lease (a read-only opening). */
export class NotWriterError extends Error {
  constructor(what: string) {
    super(`${what}: this store was opened read-only (it does not hold the writer lease)`);
    this.name = 'NotWriterError';
  }
}

export interface StorePort {
  /** 'sqlite' or 'postgres', for messages. */
  readonly kind: string;
  /** Where the data lives, for messages (a path, or a URL without password). */
  readonly location: string;
  /** Appends journal rows and writes projection rows in one durable transaction. */
  commit(journal: readonly JournalRecord[], projections: Projections): Promise<void>;
  /** Journal rows with seq > afterSeq, in seq order, at most `limit`. */
  readJournal(afterSeq: number, limit: number): Promise<JournalRecord[]>;
  journalStats(): Promise<{ count: number; lastSeq: number }>;
  journalEntry(key: string): Promise<JournalRecord | undefined>;
  deployments(): Promise<DeploymentRow[]>;
  balances(): Promise<BalanceRow[]>;
  positions(deploymentId?: string): Promise<PositionRow[]>;
  trades(query: TradeQuery): Promise<TradeRow[]>;
  marks(): Promise<MarkRow[]>;
  roundTrips(deploymentId?: string): Promise<RoundTripRow[]>;
  metrics(deploymentId: string, from?: string, to?: string): Promise<MetricsRow[]>;
  orders(deploymentId?: string): Promise<OrderRow[]>;
  /** Upserts P&L history rows (one transaction). */
  writeHistory(rows: readonly HistoryRow[]): Promise<void>;
  /** History rows matching `query`, ordered by subject then ts then kind. */
  history(query: HistoryQuery): Promise<HistoryRow[]>;
  /** A named value kept beside the journal (stream/backfill cursors, generated secrets). */
  getCursor(name: string): Promise<string | undefined>;
  setCursor(name: string, value: string): Promise<void>;
  /**
   * Replaces every projection derived from the journal with `projections`, in one transaction.
   * The journal and the metrics snapshots (valuations taken at a time) are kept. `throughSeq`:
   * the journal seq they were folded through; the projections' seq is set to it when it is the
   * journal's last seq, and cleared otherwise (or without it).
   */
  replaceProjections(projections: Projections, throughSeq?: number): Promise<void>;
  /** The journal seq the projections were last written at, or undefined when it is not known. */
  projectionsSeq(): Promise<number | undefined>;
  /** The writer lease as stored, or undefined when nobody ever claimed it. */
  readLease(): Promise<WriterLease | undefined>;
  /**
   * Claims the lease if its epoch is still `expectedEpoch` (0: never claimed): the new lease has
   * epoch `expectedEpoch + 1`. Returns it, or undefined when another claim won the race. From then
   * on this store's writes are fenced by that epoch.
   */
  claimLease(expectedEpoch: number, holder: LeaseHolder, now: number, ttlMs: number): Promise<WriterLease | undefined>;
  /** Extends this store's lease to now + ttl. Throws `WriterFencedError` when it was taken over. */
  renewLease(now: number, ttlMs: number): Promise<WriterLease>;
  /** Ends this store's lease (expires it now, keeping the epoch); a no-op when fenced or never held. */
  releaseLease(): Promise<void>;
  /**
   * Keeps `checkpoint` (and the one before it; older ones are deleted), fenced by the lease.
   * Optional: a store without checkpoints (S3) starts by folding its whole journal.
   */
  writeCheckpoint?(checkpoint: Checkpoint): Promise<void>;
  /** The checkpoint with the highest seq, or undefined. */
  latestCheckpoint?(): Promise<Checkpoint | undefined>;
  /**
   * Calls `onCommit` soon after another process commits journal rows (PostgreSQL: LISTEN/NOTIFY,
   * the NOTIFY sent in the commit's transaction). Resolves to a stop function. Optional: a
   * follower polls `readJournal` anyway, this only wakes it sooner.
   */
  watchJournal?(onCommit: () => void): Promise<() => Promise<void>>;
  /** The epoch this store writes under, or undefined (read-only). */
  readonly writerEpoch: number | undefined;
  close(): Promise<void>;
}
