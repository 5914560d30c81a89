/**
 * The store port on Kysely: one implementation for SQLite (better-sqlite3) and PostgreSQL (pg).
 *
 * `commit` runs one transaction: journal rows are plain INSERTs (a duplicate key or seq aborts the
 * whole transaction and surfaces as `JournalConflictError`), projection rows are upserts, trades
 * and round trips inserts. The rows are written by statements of their own: on SQLite
 * sqlite-commit.ts's (prepared once), on PostgreSQL pg-commit.ts's (one per table). Kysely writes the
 * rest (fence, cursors, history, checkpoints, SQLite's `replaceProjections`) in multi-row
 * statements of at most `CHUNK` rows, below both back-ends' bound-parameter limits.
 *
 * Rows are the port's rows as they are: the Kysely instance runs CamelCasePlugin (schema.ts), so
 * no row is mapped, but the writer lease's (`toLease`).
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
import { writePgProjections, writePgRows } from './pg-commit.js';
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

const LEASE = 'writer';

/**
 * The one row that is not the port's row as it is: the holder is JSON text (a LeaseHolder), and
 * the lease's name (its key) is not part of a WriterLease. Every other table reads and writes as
 * the port's rows: CamelCasePlugin maps the names (schema.ts) and bigints are numbers on both
 * back-ends (open-store.ts).
 */
const toLease = (r: Database['writerLease']): WriterLease => ({
  epoch: r.epoch,
  holder: JSON.parse(r.holder) as LeaseHolder,
  since: r.since,
  expiresAt: r.expiresAt,
});

/**
 * deployment_trades' columns in TradeRow's order: `order_id` came last (migration 0003's ALTER
 * TABLE), and a row's key order shows where rows are compared as JSON text (replay.ts).
 */
const TRADE_COLUMNS = [
  'fillId',
  'leg',
  'seq',
  'deploymentId',
  'symbol',
  'side',
  'qty',
  'price',
  'fee',
  'feeCurrency',
  'feeExpense',
  'realizedPnl',
  'realizedPnlAverage',
  'realizedPnlFifo',
  'orderId',
  'ts',
] as const satisfies readonly (keyof TradeRow)[];

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
      .updateTable('writerLease')
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
      expiresAt: now + ttlMs,
    };
    if (expectedEpoch === 0) {
      try {
        await this.db.insertInto('writerLease').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) return undefined; // another process claimed it first
        throw error;
      }
    } else {
      const result = await this.db
        .updateTable('writerLease')
        .set({ epoch: row.epoch, holder: row.holder, since: row.since, expiresAt: row.expiresAt })
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
      .updateTable('writerLease')
      .set({ expiresAt: now + ttlMs })
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
      .updateTable('writerLease')
      .set({ expiresAt: 0 })
      .where('name', '=', LEASE)
      .where('epoch', '=', epoch)
      .execute();
  }

  async commit(journal: readonly JournalRecord[], projections: Projections): Promise<void> {
    try {
      await this.db.transaction().execute(async (tx) => {
        await this.fence(tx, 'commit');
        if (this.committer) this.committer.write(journal, projections);
        else await writePgRows(tx, journal, projections);
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
    return this.db.selectFrom('journal').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
  }

  async journalStats(): Promise<{ count: number; lastSeq: number }> {
    const row = await this.db
      .selectFrom('journal')
      .select((eb) => [eb.fn.countAll().as('count'), eb.fn.max('seq').as('last')])
      .executeTakeFirst();
    return { count: Number(row?.count ?? 0), lastSeq: Number(row?.last ?? 0) };
  }

  async journalEntry(key: string): Promise<JournalRecord | undefined> {
    return this.db.selectFrom('journal').selectAll().where('key', '=', key).executeTakeFirst();
  }

  async deployments(): Promise<DeploymentRow[]> {
    return this.db.selectFrom('deployments').selectAll().orderBy('id').execute();
  }

  async balances(): Promise<BalanceRow[]> {
    return this.db.selectFrom('deploymentBalances').selectAll().orderBy('deploymentId').execute();
  }

  async positions(deploymentId?: string): Promise<PositionRow[]> {
    let q = this.db.selectFrom('deploymentPositions').selectAll();
    if (deploymentId !== undefined) q = q.where('deploymentId', '=', deploymentId);
    return q.orderBy('deploymentId').orderBy('symbol').execute();
  }

  async trades(query: TradeQuery): Promise<TradeRow[]> {
    let q = this.db.selectFrom('deploymentTrades').select(TRADE_COLUMNS);
    if (query.deploymentId !== undefined) q = q.where('deploymentId', '=', query.deploymentId);
    if (query.symbol !== undefined) q = q.where('symbol', '=', query.symbol);
    if (query.from !== undefined) q = q.where('ts', '>=', query.from);
    if (query.to !== undefined) q = q.where('ts', '<', query.to);
    const after = query.after;
    if (after) {
      q = q.where((eb) =>
        eb.or([eb('seq', '>', after.seq), eb.and([eb('seq', '=', after.seq), eb('leg', '>', after.leg)])]),
      );
    }
    return q.orderBy('seq').orderBy('leg').limit(query.limit).execute();
  }

  async marks(): Promise<MarkRow[]> {
    return this.db.selectFrom('marks').selectAll().orderBy('symbol').execute();
  }

  async roundTrips(deploymentId?: string): Promise<RoundTripRow[]> {
    let q = this.db.selectFrom('roundTrips').selectAll();
    if (deploymentId !== undefined) q = q.where('deploymentId', '=', deploymentId);
    return q.orderBy('seq').orderBy('idx').execute();
  }

  async metrics(deploymentId: string, from?: string, to?: string): Promise<MetricsRow[]> {
    let q = this.db.selectFrom('deploymentMetrics').selectAll().where('deploymentId', '=', deploymentId);
    if (from !== undefined) q = q.where('ts', '>=', from);
    if (to !== undefined) q = q.where('ts', '<', to);
    return q.orderBy('ts').execute();
  }

  async orders(deploymentId?: string): Promise<OrderRow[]> {
    let q = this.db.selectFrom('orders').selectAll();
    if (deploymentId !== undefined) q = q.where('deploymentId', '=', deploymentId);
    return q.orderBy('createdAt').orderBy('id').execute();
  }

  async writeHistory(rows: readonly HistoryRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      await this.fence(tx, 'write history');
      for (const part of chunks(rows, 200)) {
        await tx
          .insertInto('pnlHistory')
          .values(part)
          .onConflict((oc) =>
            oc.columns(['scope', 'subject', 'kind', 'ts']).doUpdateSet((eb) => ({
              day: eb.ref('excluded.day'),
              members: eb.ref('excluded.members'),
              capital: eb.ref('excluded.capital'),
              cash: eb.ref('excluded.cash'),
              positionsValue: eb.ref('excluded.positionsValue'),
              equity: eb.ref('excluded.equity'),
              realizedPnl: eb.ref('excluded.realizedPnl'),
              unrealizedPnl: eb.ref('excluded.unrealizedPnl'),
              fees: eb.ref('excluded.fees'),
              dividends: eb.ref('excluded.dividends'),
              totalPnl: eb.ref('excluded.totalPnl'),
              returnPct: eb.ref('excluded.returnPct'),
              grossExposure: eb.ref('excluded.grossExposure'),
              openPositions: eb.ref('excluded.openPositions'),
            })),
          )
          .execute();
      }
    });
  }

  async history(query: HistoryQuery): Promise<HistoryRow[]> {
    let q = this.db.selectFrom('pnlHistory').selectAll().where('scope', '=', query.scope);
    if (query.subject !== undefined) q = q.where('subject', '=', query.subject);
    if (query.kind !== undefined) q = q.where('kind', '=', query.kind);
    if (query.from !== undefined) q = q.where('ts', '>=', query.from);
    if (query.to !== undefined) q = q.where('ts', '<=', query.to);
    return q.orderBy('subject').orderBy('ts').orderBy('kind').execute();
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
        .values({ name, value, updatedAt })
        .onConflict((oc) => oc.column('name').doUpdateSet({ value, updatedAt }))
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
        'deploymentBalances',
        'deploymentPositions',
        'deploymentTrades',
        'marks',
        'roundTrips',
        'orders',
      ] as const) {
        await tx.deleteFrom(table).execute();
      }
      const rows = { ...projections, metrics: [] };
      if (this.committer) await writeProjections(tx, rows);
      else await writePgProjections(tx, rows);
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
        .values(checkpoint)
        .onConflict((oc) =>
          oc.column('seq').doUpdateSet({
            key: checkpoint.key,
            format: checkpoint.format,
            state: checkpoint.state,
            writtenAt: checkpoint.writtenAt,
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
        await tx.deleteFrom('checkpoints').where('seq', '<', oldest.seq).execute();
    });
  }

  async latestCheckpoint(): Promise<Checkpoint | undefined> {
    return this.db.selectFrom('checkpoints').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
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
  const row = await db.selectFrom('writerLease').selectAll().where('name', '=', LEASE).executeTakeFirst();
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
    .set({ value: String(last), updatedAt: new Date().toISOString() })
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
    .values({ name: PROJECTIONS_SEQ_CURSOR, value, updatedAt })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value, updatedAt }))
    .execute();
}

async function clearProjectionsSeq(tx: Transaction<Database>): Promise<void> {
  await tx.deleteFrom('cursors').where('name', '=', PROJECTIONS_SEQ_CURSOR).execute();
}

async function writeProjections(tx: Transaction<Database>, p: Projections): Promise<void> {
  for (const part of chunks(p.deployments)) {
    await tx
      .insertInto('deployments')
      .values(part)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          strategy: eb.ref('excluded.strategy'),
          status: eb.ref('excluded.status'),
          limits: eb.ref('excluded.limits'),
          updatedAt: eb.ref('excluded.updatedAt'),
        })),
      )
      .execute();
  }
  for (const part of chunks(p.balances)) {
    await tx
      .insertInto('deploymentBalances')
      .values(part)
      .onConflict((oc) =>
        oc
          .column('deploymentId')
          .doUpdateSet((eb) => ({ cash: eb.ref('excluded.cash'), capitalFlows: eb.ref('excluded.capitalFlows') })),
      )
      .execute();
  }
  for (const part of chunks(p.positions)) {
    await tx
      .insertInto('deploymentPositions')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['deploymentId', 'symbol']).doUpdateSet((eb) => ({
          qty: eb.ref('excluded.qty'),
          costBasis: eb.ref('excluded.costBasis'),
          avgCost: eb.ref('excluded.avgCost'),
          realizedPnlAverage: eb.ref('excluded.realizedPnlAverage'),
          realizedPnlFifo: eb.ref('excluded.realizedPnlFifo'),
          fees: eb.ref('excluded.fees'),
          dividends: eb.ref('excluded.dividends'),
          lots: eb.ref('excluded.lots'),
          trip: eb.ref('excluded.trip'),
        })),
      )
      .execute();
  }
  for (const part of chunks(p.trades)) {
    await tx.insertInto('deploymentTrades').values(part).execute();
  }
  for (const part of chunks(p.marks)) {
    await tx
      .insertInto('marks')
      .values(part)
      .onConflict((oc) =>
        oc.column('symbol').doUpdateSet((eb) => ({
          price: eb.ref('excluded.price'),
          splitDivisor: eb.ref('excluded.splitDivisor'),
          ts: eb.ref('excluded.ts'),
          source: eb.ref('excluded.source'),
        })),
      )
      .execute();
  }
  for (const part of chunks(p.roundTrips)) {
    await tx.insertInto('roundTrips').values(part).execute();
  }
  for (const part of chunks(p.orders)) {
    await tx
      .insertInto('orders')
      .values(part)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          brokerOrderId: eb.ref('excluded.brokerOrderId'),
          status: eb.ref('excluded.status'),
          filledQty: eb.ref('excluded.filledQty'),
          filledAvgPrice: eb.ref('excluded.filledAvgPrice'),
          reason: eb.ref('excluded.reason'),
          updatedAt: eb.ref('excluded.updatedAt'),
        })),
      )
      .execute();
  }
  for (const part of chunks(p.metrics)) {
    await tx
      .insertInto('deploymentMetrics')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['deploymentId', 'ts']).doUpdateSet((eb) => ({
          cash: eb.ref('excluded.cash'),
          positionsValue: eb.ref('excluded.positionsValue'),
          equity: eb.ref('excluded.equity'),
          realizedPnl: eb.ref('excluded.realizedPnl'),
          unrealizedPnl: eb.ref('excluded.unrealizedPnl'),
          fees: eb.ref('excluded.fees'),
          dividends: eb.ref('excluded.dividends'),
          totalPnl: eb.ref('excluded.totalPnl'),
          returnPct: eb.ref('excluded.returnPct'),
        })),
      )
      .execute();
  }
}
