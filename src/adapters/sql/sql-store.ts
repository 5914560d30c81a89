/**
 * The store port on Kysely: one implementation for SQLite (better-sqlite3) and PostgreSQL (pg).
 *
 * `commit` runs one transaction: journal rows are plain INSERTs (a duplicate key or seq aborts the
 * whole transaction and surfaces as `JournalConflictError`), projection rows are upserts, trades
 * and round trips inserts. Rows go in multi-row statements of at most `CHUNK` rows, below both
 * SQLite's and PostgreSQL's bound-parameter limits.
 *
 * Fencing: every write transaction starts with `UPDATE writer_lease … WHERE epoch = <ours>`. The
 * row lock it takes (PostgreSQL) or the write lock (SQLite) orders it against a takeover's own
 * UPDATE of that row, so a write either commits before the takeover or sees the new epoch and
 * writes nothing (`WriterFencedError`).
 *
 * The projections' seq (`PROJECTIONS_SEQ_CURSOR`, see store-port.ts) is moved in the same
 * transaction as the rows it vouches for (`keepProjectionsSeq`); migration 0005's triggers clear
 * it when a journal row is changed or deleted.
 *
 * Followers (standbys, src/app/cluster/standby.ts): on PostgreSQL a commit that appends journal rows also
 * sends `NOTIFY <channel>, '<last seq>'` in its transaction, so listeners (`watchJournal`) hear of
 * it only once it is committed. Checkpoints (migration 0006) are fenced writes like the rest.
 */
import { type Kysely, type Transaction, sql } from 'kysely';
import {
  type BalanceRow,
  type Checkpoint,
  type DeploymentRow,
  type HistoryQuery,
  type HistoryRow,
  type JournalRecord,
  type MarkRow,
  type MetricsRow,
  type OrderRow,
  type PositionRow,
  type Projections,
  type RoundTripRow,
  type StorePort,
  type TradeQuery,
  type TradeRow,
  type LeaseHolder,
  type WriterLease,
  JournalConflictError,
  NotWriterError,
  PROJECTIONS_SEQ_CURSOR,
  WriterFencedError,
} from '../../app/ports/store-port.js';
import type { Database } from './schema.js';
import { SqliteCommitter, type SqliteHandle } from './sqlite-commit.js';

const CHUNK = 500;

function chunks<T>(rows: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** SQLite and PostgreSQL unique-violation errors. */
function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

const toJournal = (r: Database['journal']): JournalRecord => ({
  seq: Number(r.seq),
  key: r.key,
  type: r.type,
  payload: r.payload,
  tsEvent: r.ts_event,
  tsRecorded: r.ts_recorded,
});

const toDeployment = (r: Database['deployments']): DeploymentRow => ({
  id: r.id,
  name: r.name,
  strategy: r.strategy,
  initialCapital: r.initial_capital,
  costMethod: r.cost_method,
  status: r.status,
  limits: r.limits,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toPosition = (r: Database['deployment_positions']): PositionRow => ({
  deploymentId: r.deployment_id,
  symbol: r.symbol,
  qty: r.qty,
  costBasis: r.cost_basis,
  avgCost: r.avg_cost,
  realizedPnlAverage: r.realized_pnl_average,
  realizedPnlFifo: r.realized_pnl_fifo,
  fees: r.fees,
  dividends: r.dividends,
  lots: r.lots,
  trip: r.trip,
});

const toTrade = (r: Database['deployment_trades']): TradeRow => ({
  fillId: r.fill_id,
  leg: Number(r.leg),
  seq: Number(r.seq),
  deploymentId: r.deployment_id,
  symbol: r.symbol,
  side: r.side,
  qty: r.qty,
  price: r.price,
  fee: r.fee,
  feeCurrency: r.fee_currency,
  feeExpense: r.fee_expense,
  realizedPnl: r.realized_pnl,
  realizedPnlAverage: r.realized_pnl_average,
  realizedPnlFifo: r.realized_pnl_fifo,
  orderId: r.order_id,
  ts: r.ts,
});

const toMetrics = (r: Database['deployment_metrics']): MetricsRow => ({
  deploymentId: r.deployment_id,
  ts: r.ts,
  cash: r.cash,
  positionsValue: r.positions_value,
  equity: r.equity,
  realizedPnl: r.realized_pnl,
  unrealizedPnl: r.unrealized_pnl,
  fees: r.fees,
  dividends: r.dividends,
  totalPnl: r.total_pnl,
  returnPct: r.return_pct,
});

const fromDeployment = (r: DeploymentRow): Database['deployments'] => ({
  id: r.id,
  name: r.name,
  strategy: r.strategy,
  initial_capital: r.initialCapital,
  cost_method: r.costMethod,
  status: r.status,
  limits: r.limits,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
});

const fromPosition = (r: PositionRow): Database['deployment_positions'] => ({
  deployment_id: r.deploymentId,
  symbol: r.symbol,
  qty: r.qty,
  cost_basis: r.costBasis,
  avg_cost: r.avgCost,
  realized_pnl_average: r.realizedPnlAverage,
  realized_pnl_fifo: r.realizedPnlFifo,
  fees: r.fees,
  dividends: r.dividends,
  lots: r.lots,
  trip: r.trip,
});

const fromTrade = (r: TradeRow): Database['deployment_trades'] => ({
  fill_id: r.fillId,
  leg: r.leg,
  seq: r.seq,
  deployment_id: r.deploymentId,
  symbol: r.symbol,
  side: r.side,
  qty: r.qty,
  price: r.price,
  fee: r.fee,
  fee_currency: r.feeCurrency,
  fee_expense: r.feeExpense,
  realized_pnl: r.realizedPnl,
  realized_pnl_average: r.realizedPnlAverage,
  realized_pnl_fifo: r.realizedPnlFifo,
  order_id: r.orderId,
  ts: r.ts,
});

const fromOrder = (r: OrderRow): Database['orders'] => ({
  id: r.id,
  deployment_id: r.deploymentId,
  broker_order_id: r.brokerOrderId,
  symbol: r.symbol,
  side: r.side,
  qty: r.qty,
  order_type: r.orderType,
  limit_price: r.limitPrice,
  time_in_force: r.timeInForce,
  reserve_price: r.reservePrice,
  status: r.status,
  filled_qty: r.filledQty,
  filled_avg_price: r.filledAvgPrice,
  reason: r.reason,
  idempotency_key: r.idempotencyKey,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
});

const toOrder = (r: Database['orders']): OrderRow => ({
  id: r.id,
  deploymentId: r.deployment_id,
  brokerOrderId: r.broker_order_id,
  symbol: r.symbol,
  side: r.side,
  qty: r.qty,
  orderType: r.order_type,
  limitPrice: r.limit_price,
  timeInForce: r.time_in_force,
  reservePrice: r.reserve_price,
  status: r.status,
  filledQty: r.filled_qty,
  filledAvgPrice: r.filled_avg_price,
  reason: r.reason,
  idempotencyKey: r.idempotency_key,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const fromMetrics = (r: MetricsRow): Database['deployment_metrics'] => ({
  deployment_id: r.deploymentId,
  ts: r.ts,
  cash: r.cash,
  positions_value: r.positionsValue,
  equity: r.equity,
  realized_pnl: r.realizedPnl,
  unrealized_pnl: r.unrealizedPnl,
  fees: r.fees,
  dividends: r.dividends,
  total_pnl: r.totalPnl,
  return_pct: r.returnPct,
});

const fromHistory = (r: HistoryRow): Database['pnl_history'] => ({
  scope: r.scope,
  subject: r.subject,
  kind: r.kind,
  ts: r.ts,
  day: r.day,
  members: r.members,
  capital: r.capital,
  cash: r.cash,
  positions_value: r.positionsValue,
  equity: r.equity,
  realized_pnl: r.realizedPnl,
  unrealized_pnl: r.unrealizedPnl,
  fees: r.fees,
  dividends: r.dividends,
  total_pnl: r.totalPnl,
  return_pct: r.returnPct,
  gross_exposure: r.grossExposure,
  open_positions: r.openPositions,
});

const toHistory = (r: Database['pnl_history']): HistoryRow => ({
  scope: r.scope,
  subject: r.subject,
  kind: r.kind,
  ts: r.ts,
  day: r.day,
  members: Number(r.members),
  capital: r.capital,
  cash: r.cash,
  positionsValue: r.positions_value,
  equity: r.equity,
  realizedPnl: r.realized_pnl,
  unrealizedPnl: r.unrealized_pnl,
  fees: r.fees,
  dividends: r.dividends,
  totalPnl: r.total_pnl,
  returnPct: r.return_pct,
  grossExposure: r.gross_exposure,
  openPositions: Number(r.open_positions),
});

const LEASE = 'writer';

const toLease = (r: Database['writer_lease']): WriterLease => ({
  epoch: Number(r.epoch),
  holder: JSON.parse(r.holder) as LeaseHolder,
  since: Number(r.since),
  expiresAt: Number(r.expires_at),
});

/** How a PostgreSQL store tells followers of its commits (open-store.ts builds it). */
export interface JournalNotifier {
  /** The NOTIFY channel (one per schema). */
  readonly channel: string;
  /** LISTENs on the channel on a connection of its own; resolves to a stop function. */
  listen(onCommit: () => void): Promise<() => Promise<void>>;
}

/** How many checkpoints a store keeps (the latest, and one before it in case the latest is refused). */
const CHECKPOINTS_KEPT = 2;

export class SqlStore implements StorePort {
  private epoch: number | undefined;

  constructor(
    readonly db: Kysely<Database>,
    readonly kind: string,
    readonly location: string,
    private readonly notifier?: JournalNotifier,
    /** SQLite only: the better-sqlite3 database under `db`, for the commit's prepared statements (sqlite-commit.ts). */
    sqlite?: SqliteHandle,
  ) {
    this.committer = sqlite ? new SqliteCommitter(sqlite) : undefined;
  }

  private readonly committer: SqliteCommitter | undefined;

  get writerEpoch(): number | undefined {
    return this.epoch;
  }

  /** Inside a write transaction: proves this store still holds the lease (see the module comment). */
  private async fence(tx: Transaction<Database>, what: string): Promise<void> {
    const epoch = this.epoch;
    if (epoch === undefined) throw new NotWriterError(what);
    const result = await tx
      .updateTable('writer_lease')
      .set({ epoch })
      .where('name', '=', LEASE)
      .where('epoch', '=', epoch)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw new WriterFencedError(epoch, await leaseIn(tx));
  }

  async readLease(): Promise<WriterLease | undefined> {
    return leaseIn(this.db);
  }

  async claimLease(
    expectedEpoch: number,
    holder: LeaseHolder,
    now: number,
    ttlMs: number,
  ): Promise<WriterLease | undefined> {
    const row = {
      name: LEASE,
      epoch: expectedEpoch + 1,
      holder: JSON.stringify(holder),
      since: now,
      expires_at: now + ttlMs,
    };
    if (expectedEpoch === 0) {
      try {
        await this.db.insertInto('writer_lease').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) return undefined; // another process claimed it first
        throw error;
      }
    } else {
      const result = await this.db
        .updateTable('writer_lease')
        .set({ epoch: row.epoch, holder: row.holder, since: row.since, expires_at: row.expires_at })
        .where('name', '=', LEASE)
        .where('epoch', '=', expectedEpoch)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return undefined;
    }
    this.epoch = row.epoch;
    return toLease(row);
  }

  async renewLease(now: number, ttlMs: number): Promise<WriterLease> {
    const epoch = this.epoch;
    if (epoch === undefined) throw new NotWriterError('renew the writer lease');
    const result = await this.db
      .updateTable('writer_lease')
      .set({ expires_at: now + ttlMs })
      .where('name', '=', LEASE)
      .where('epoch', '=', epoch)
      .executeTakeFirst();
    const lease = await this.readLease();
    if (Number(result.numUpdatedRows) !== 1 || !lease) throw new WriterFencedError(epoch, lease);
    return lease;
  }

  async releaseLease(): Promise<void> {
    const epoch = this.epoch;
    if (epoch === undefined) return;
    this.epoch = undefined;
    await this.db
      .updateTable('writer_lease')
      .set({ expires_at: 0 })
      .where('name', '=', LEASE)
      .where('epoch', '=', epoch)
      .execute();
  }

  async commit(journal: readonly JournalRecord[], projections: Projections): Promise<void> {
    try {
      await this.db.transaction().execute(async (tx) => {
        await this.fence(tx, 'commit');
        if (this.committer) this.committer.write(journal, projections);
        else await writeRows(tx, journal, projections);
        await keepProjectionsSeq(tx, journal, projections);
        const last = journal[journal.length - 1];
        if (this.notifier && last)
          await sql`select pg_notify(${this.notifier.channel}, ${String(last.seq)})`.execute(tx);
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new JournalConflictError(
          `the journal already holds one of these ${journal.length} entries (another writer, or a duplicate): ${(error as Error).message}`,
        );
      }
      throw error;
    }
  }

  async readJournal(afterSeq: number, limit: number): Promise<JournalRecord[]> {
    const rows = await this.db
      .selectFrom('journal')
      .selectAll()
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(toJournal);
  }

  async journalStats(): Promise<{ count: number; lastSeq: number }> {
    const row = await this.db
      .selectFrom('journal')
      .select((eb) => [eb.fn.countAll().as('count'), eb.fn.max('seq').as('last')])
      .executeTakeFirst();
    return { count: Number(row?.count ?? 0), lastSeq: Number(row?.last ?? 0) };
  }

  async journalEntry(key: string): Promise<JournalRecord | undefined> {
    const row = await this.db.selectFrom('journal').selectAll().where('key', '=', key).executeTakeFirst();
    return row ? toJournal(row) : undefined;
  }

  async deployments(): Promise<DeploymentRow[]> {
    return (await this.db.selectFrom('deployments').selectAll().orderBy('id').execute()).map(toDeployment);
  }

  async balances(): Promise<BalanceRow[]> {
    const rows = await this.db.selectFrom('deployment_balances').selectAll().orderBy('deployment_id').execute();
    return rows.map((r) => ({ deploymentId: r.deployment_id, cash: r.cash, capitalFlows: r.capital_flows }));
  }

  async positions(deploymentId?: string): Promise<PositionRow[]> {
    let q = this.db.selectFrom('deployment_positions').selectAll();
    if (deploymentId !== undefined) q = q.where('deployment_id', '=', deploymentId);
    return (await q.orderBy('deployment_id').orderBy('symbol').execute()).map(toPosition);
  }

  async trades(query: TradeQuery): Promise<TradeRow[]> {
    let q = this.db.selectFrom('deployment_trades').selectAll();
    if (query.deploymentId !== undefined) q = q.where('deployment_id', '=', query.deploymentId);
    if (query.symbol !== undefined) q = q.where('symbol', '=', query.symbol);
    if (query.from !== undefined) q = q.where('ts', '>=', query.from);
    if (query.to !== undefined) q = q.where('ts', '<', query.to);
    const after = query.after;
    if (after) {
      q = q.where((eb) =>
        eb.or([eb('seq', '>', after.seq), eb.and([eb('seq', '=', after.seq), eb('leg', '>', after.leg)])]),
      );
    }
    const rows = await q.orderBy('seq').orderBy('leg').limit(query.limit).execute();
    return rows.map(toTrade);
  }

  async marks(): Promise<MarkRow[]> {
    const rows = await this.db.selectFrom('marks').selectAll().orderBy('symbol').execute();
    return rows.map((r) => ({
      symbol: r.symbol,
      price: r.price,
      splitDivisor: r.split_divisor,
      ts: r.ts,
      source: r.source,
    }));
  }

  async roundTrips(deploymentId?: string): Promise<RoundTripRow[]> {
    let q = this.db.selectFrom('round_trips').selectAll();
    if (deploymentId !== undefined) q = q.where('deployment_id', '=', deploymentId);
    const rows = await q.orderBy('seq').orderBy('idx').execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      idx: Number(r.idx),
      deploymentId: r.deployment_id,
      symbol: r.symbol,
      openedAt: r.opened_at,
      closedAt: r.closed_at,
      realizedPnl: r.realized_pnl,
      fees: r.fees,
    }));
  }

  async metrics(deploymentId: string, from?: string, to?: string): Promise<MetricsRow[]> {
    let q = this.db.selectFrom('deployment_metrics').selectAll().where('deployment_id', '=', deploymentId);
    if (from !== undefined) q = q.where('ts', '>=', from);
    if (to !== undefined) q = q.where('ts', '<', to);
    return (await q.orderBy('ts').execute()).map(toMetrics);
  }

  async orders(deploymentId?: string): Promise<OrderRow[]> {
    let q = this.db.selectFrom('orders').selectAll();
    if (deploymentId !== undefined) q = q.where('deployment_id', '=', deploymentId);
    return (await q.orderBy('created_at').orderBy('id').execute()).map(toOrder);
  }

  async writeHistory(rows: readonly HistoryRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      await this.fence(tx, 'write history');
      for (const part of chunks(rows, 200)) {
        await tx
          .insertInto('pnl_history')
          .values(part.map(fromHistory))
          .onConflict((oc) =>
            oc.columns(['scope', 'subject', 'kind', 'ts']).doUpdateSet((eb) => ({
              day: eb.ref('excluded.day'),
              members: eb.ref('excluded.members'),
              capital: eb.ref('excluded.capital'),
              cash: eb.ref('excluded.cash'),
              positions_value: eb.ref('excluded.positions_value'),
              equity: eb.ref('excluded.equity'),
              realized_pnl: eb.ref('excluded.realized_pnl'),
              unrealized_pnl: eb.ref('excluded.unrealized_pnl'),
              fees: eb.ref('excluded.fees'),
              dividends: eb.ref('excluded.dividends'),
              total_pnl: eb.ref('excluded.total_pnl'),
              return_pct: eb.ref('excluded.return_pct'),
              gross_exposure: eb.ref('excluded.gross_exposure'),
              open_positions: eb.ref('excluded.open_positions'),
            })),
          )
          .execute();
      }
    });
  }

  async history(query: HistoryQuery): Promise<HistoryRow[]> {
    let q = this.db.selectFrom('pnl_history').selectAll().where('scope', '=', query.scope);
    if (query.subject !== undefined) q = q.where('subject', '=', query.subject);
    if (query.kind !== undefined) q = q.where('kind', '=', query.kind);
    if (query.from !== undefined) q = q.where('ts', '>=', query.from);
    if (query.to !== undefined) q = q.where('ts', '<=', query.to);
    return (await q.orderBy('subject').orderBy('ts').orderBy('kind').execute()).map(toHistory);
  }

  async getCursor(name: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('cursors').select('value').where('name', '=', name).executeTakeFirst();
    return row?.value;
  }

  async setCursor(name: string, value: string): Promise<void> {
    const updatedAt = new Date().toISOString();
    await this.db.transaction().execute(async (tx) => {
      await this.fence(tx, `set cursor ${name}`);
      await tx
        .insertInto('cursors')
        .values({ name, value, updated_at: updatedAt })
        .onConflict((oc) => oc.column('name').doUpdateSet({ value, updated_at: updatedAt }))
        .execute();
    });
  }

  async projectionsSeq(): Promise<number | undefined> {
    const value = await this.getCursor(PROJECTIONS_SEQ_CURSOR);
    return value === undefined ? undefined : Number(value);
  }

  async replaceProjections(projections: Projections, throughSeq?: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await this.fence(tx, 'replace projections');
      for (const table of [
        'deployments',
        'deployment_balances',
        'deployment_positions',
        'deployment_trades',
        'marks',
        'round_trips',
        'orders',
      ] as const) {
        await tx.deleteFrom(table).execute();
      }
      await writeProjections(tx, { ...projections, metrics: [] });
      const last = await tx
        .selectFrom('journal')
        .select((eb) => eb.fn.max('seq').as('last'))
        .executeTakeFirst();
      if (throughSeq !== undefined && Number(last?.last ?? 0) === throughSeq) await setProjectionsSeq(tx, throughSeq);
      else await clearProjectionsSeq(tx);
    });
  }

  async writeCheckpoint(checkpoint: Checkpoint): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await this.fence(tx, 'write a checkpoint');
      await tx
        .insertInto('checkpoints')
        .values({
          seq: checkpoint.seq,
          key: checkpoint.key,
          format: checkpoint.format,
          state: checkpoint.state,
          written_at: checkpoint.writtenAt,
        })
        .onConflict((oc) =>
          oc.column('seq').doUpdateSet({
            key: checkpoint.key,
            format: checkpoint.format,
            state: checkpoint.state,
            written_at: checkpoint.writtenAt,
          }),
        )
        .execute();
      const kept = await tx
        .selectFrom('checkpoints')
        .select('seq')
        .orderBy('seq', 'desc')
        .limit(CHECKPOINTS_KEPT)
        .execute();
      const oldest = kept[kept.length - 1];
      if (kept.length === CHECKPOINTS_KEPT && oldest)
        await tx.deleteFrom('checkpoints').where('seq', '<', Number(oldest.seq)).execute();
    });
  }

  async latestCheckpoint(): Promise<Checkpoint | undefined> {
    const row = await this.db.selectFrom('checkpoints').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return row
      ? { seq: Number(row.seq), key: row.key, format: row.format, state: row.state, writtenAt: row.written_at }
      : undefined;
  }

  /** PostgreSQL only: SQLite has no NOTIFY (a follower of a SQLite store polls). */
  get watchJournal(): ((onCommit: () => void) => Promise<() => Promise<void>>) | undefined {
    const notifier = this.notifier;
    return notifier ? (onCommit) => notifier.listen(onCommit) : undefined;
  }

  /** Frees the writer lease if this store holds it, then closes the connections. */
  async close(): Promise<void> {
    await this.releaseLease().catch(() => undefined);
    await this.db.destroy();
  }
}

async function leaseIn(db: Kysely<Database>): Promise<WriterLease | undefined> {
  const row = await db.selectFrom('writer_lease').selectAll().where('name', '=', LEASE).executeTakeFirst();
  return row ? toLease(row) : undefined;
}

/**
 * Moves the projections' seq with a commit: to the commit's last seq when the commit follows on
 * from it (its first seq is the one after it, or 1: the journal was empty), else clears it — so it
 * never vouches for projections written by anything but the commits that appended every journal
 * row up to it. A commit without journal rows keeps it only when it writes nothing `books` reads
 * (metrics snapshots).
 */
async function keepProjectionsSeq(
  tx: Transaction<Database>,
  journal: readonly JournalRecord[],
  projections: Projections,
): Promise<void> {
  if (journal.length === 0) {
    const { metrics: _snapshots, ...derived } = projections;
    if (Object.values(derived).some((rows) => rows.length > 0)) await clearProjectionsSeq(tx);
    return;
  }
  const first = journal[0]!.seq;
  const last = journal[journal.length - 1]!.seq;
  if (journal.some((r, i) => r.seq !== first + i)) return clearProjectionsSeq(tx);
  if (first === 1) return setProjectionsSeq(tx, last);
  const moved = await tx
    .updateTable('cursors')
    .set({ value: String(last), updated_at: new Date().toISOString() })
    .where('name', '=', PROJECTIONS_SEQ_CURSOR)
    .where('value', '=', String(first - 1))
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) !== 1) await clearProjectionsSeq(tx);
}

async function setProjectionsSeq(tx: Transaction<Database>, seq: number): Promise<void> {
  const value = String(seq);
  const updatedAt = new Date().toISOString();
  await tx
    .insertInto('cursors')
    .values({ name: PROJECTIONS_SEQ_CURSOR, value, updated_at: updatedAt })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value, updated_at: updatedAt }))
    .execute();
}

async function clearProjectionsSeq(tx: Transaction<Database>): Promise<void> {
  await tx.deleteFrom('cursors').where('name', '=', PROJECTIONS_SEQ_CURSOR).execute();
}

/** A commit's rows through Kysely, in multi-row statements (PostgreSQL; SQLite uses sqlite-commit.ts). */
async function writeRows(
  tx: Transaction<Database>,
  journal: readonly JournalRecord[],
  projections: Projections,
): Promise<void> {
  for (const part of chunks(journal)) {
    await tx
      .insertInto('journal')
      .values(
        part.map((r) => ({
          seq: r.seq,
          key: r.key,
          type: r.type,
          payload: r.payload,
          ts_event: r.tsEvent,
          ts_recorded: r.tsRecorded,
        })),
      )
      .execute();
  }
  await writeProjections(tx, projections);
}

async function writeProjections(tx: Transaction<Database>, p: Projections): Promise<void> {
  for (const part of chunks(p.deployments)) {
    await tx
      .insertInto('deployments')
      .values(part.map(fromDeployment))
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          strategy: eb.ref('excluded.strategy'),
          status: eb.ref('excluded.status'),
          limits: eb.ref('excluded.limits'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
  for (const part of chunks(p.balances)) {
    await tx
      .insertInto('deployment_balances')
      .values(part.map((r) => ({ deployment_id: r.deploymentId, cash: r.cash, capital_flows: r.capitalFlows })))
      .onConflict((oc) =>
        oc
          .column('deployment_id')
          .doUpdateSet((eb) => ({ cash: eb.ref('excluded.cash'), capital_flows: eb.ref('excluded.capital_flows') })),
      )
      .execute();
  }
  for (const part of chunks(p.positions)) {
    await tx
      .insertInto('deployment_positions')
      .values(part.map(fromPosition))
      .onConflict((oc) =>
        oc.columns(['deployment_id', 'symbol']).doUpdateSet((eb) => ({
          qty: eb.ref('excluded.qty'),
          cost_basis: eb.ref('excluded.cost_basis'),
          avg_cost: eb.ref('excluded.avg_cost'),
          realized_pnl_average: eb.ref('excluded.realized_pnl_average'),
          realized_pnl_fifo: eb.ref('excluded.realized_pnl_fifo'),
          fees: eb.ref('excluded.fees'),
          dividends: eb.ref('excluded.dividends'),
          lots: eb.ref('excluded.lots'),
          trip: eb.ref('excluded.trip'),
        })),
      )
      .execute();
  }
  for (const part of chunks(p.trades)) {
    await tx.insertInto('deployment_trades').values(part.map(fromTrade)).execute();
  }
  for (const part of chunks(p.marks)) {
    await tx
      .insertInto('marks')
      .values(
        part.map((r) => ({
          symbol: r.symbol,
          price: r.price,
          split_divisor: r.splitDivisor,
          ts: r.ts,
          source: r.source,
        })),
      )
      .onConflict((oc) =>
        oc.column('symbol').doUpdateSet((eb) => ({
          price: eb.ref('excluded.price'),
          split_divisor: eb.ref('excluded.split_divisor'),
          ts: eb.ref('excluded.ts'),
          source: eb.ref('excluded.source'),
        })),
      )
      .execute();
  }
  for (const part of chunks(p.roundTrips)) {
    await tx
      .insertInto('round_trips')
      .values(
        part.map((r) => ({
          seq: r.seq,
          idx: r.idx,
          deployment_id: r.deploymentId,
          symbol: r.symbol,
          opened_at: r.openedAt,
          closed_at: r.closedAt,
          realized_pnl: r.realizedPnl,
          fees: r.fees,
        })),
      )
      .execute();
  }
  for (const part of chunks(p.orders)) {
    await tx
      .insertInto('orders')
      .values(part.map(fromOrder))
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          broker_order_id: eb.ref('excluded.broker_order_id'),
          status: eb.ref('excluded.status'),
          filled_qty: eb.ref('excluded.filled_qty'),
          filled_avg_price: eb.ref('excluded.filled_avg_price'),
          reason: eb.ref('excluded.reason'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
  for (const part of chunks(p.metrics)) {
    await tx
      .insertInto('deployment_metrics')
      .values(part.map(fromMetrics))
      .onConflict((oc) =>
        oc.columns(['deployment_id', 'ts']).doUpdateSet((eb) => ({
          cash: eb.ref('excluded.cash'),
          positions_value: eb.ref('excluded.positions_value'),
          equity: eb.ref('excluded.equity'),
          realized_pnl: eb.ref('excluded.realized_pnl'),
          unrealized_pnl: eb.ref('excluded.unrealized_pnl'),
          fees: eb.ref('excluded.fees'),
          dividends: eb.ref('excluded.dividends'),
          total_pnl: eb.ref('excluded.total_pnl'),
          return_pct: eb.ref('excluded.return_pct'),
        })),
      )
      .execute();
  }
}
