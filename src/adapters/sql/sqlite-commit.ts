/**
 * A commit's rows on SQLite, the fast way: one statement per table, prepared once per store and
 * run row by row on better-sqlite3 inside the commit's transaction (SQLite has one connection, so
 * they run in the transaction Kysely opened). Building a multi-row statement through Kysely's
 * query builder for every batch cost more than writing the rows (issue 18).
 *
 * Entry point: `SqliteCommitter` (`write(journal, projections)`), used by `SqlStore.commit`.
 * Kept in sync with `writeProjections` in sql-store.ts (the PostgreSQL path and `replaceProjections`):
 * the same tables, in the same order, with the same upsert clauses; the store contract suite runs
 * both.
 */
import type { JournalRecord, Projections } from '../../app/ports/store-port.js';

/** The subset of better-sqlite3 used here. */
export interface SqliteHandle {
  prepare(sql: string): { run(...values: unknown[]): unknown };
}

type Value = string | number | null;

interface Table<R> {
  readonly table: string;
  readonly columns: readonly string[];
  /** Conflict target and the columns an upsert updates; absent: a plain insert. */
  readonly upsert?: { readonly key: readonly string[]; readonly set: readonly string[] };
  readonly values: (row: R) => Value[];
}

const words = (text: string) => text.split(' ');
const table = <R>(
  name: string,
  columns: string,
  values: (row: R) => Value[],
  upsert?: [key: string, set: string],
): Table<R> => ({
  table: name,
  columns: words(columns),
  values,
  ...(upsert ? { upsert: { key: words(upsert[0]), set: words(upsert[1]) } } : {}),
});

type Row<K extends keyof Projections> = Projections[K][number];

const JOURNAL = table<JournalRecord>('journal', 'seq key type payload ts_event ts_recorded', (r) => [
  r.seq,
  r.key,
  r.type,
  r.payload,
  r.tsEvent,
  r.tsRecorded,
]);

/** In `writeProjections`' order. */
const PROJECTIONS: { readonly [K in keyof Projections]: Table<Row<K>> } = {
  deployments: table(
    'deployments',
    'id name strategy initial_capital cost_method status limits created_at updated_at',
    (r) => [r.id, r.name, r.strategy, r.initialCapital, r.costMethod, r.status, r.limits, r.createdAt, r.updatedAt],
    ['id', 'name strategy status limits updated_at'],
  ),
  balances: table(
    'deployment_balances',
    'deployment_id cash capital_flows',
    (r) => [r.deploymentId, r.cash, r.capitalFlows],
    ['deployment_id', 'cash capital_flows'],
  ),
  positions: table(
    'deployment_positions',
    'deployment_id symbol qty cost_basis avg_cost realized_pnl_average realized_pnl_fifo fees dividends lots trip',
    (r) => [
      r.deploymentId,
      r.symbol,
      r.qty,
      r.costBasis,
      r.avgCost,
      r.realizedPnlAverage,
      r.realizedPnlFifo,
      r.fees,
      r.dividends,
      r.lots,
      r.trip,
    ],
    ['deployment_id symbol', 'qty cost_basis avg_cost realized_pnl_average realized_pnl_fifo fees dividends lots trip'],
  ),
  trades: table(
    'deployment_trades',
    'fill_id leg seq deployment_id symbol side qty price fee fee_currency fee_expense realized_pnl realized_pnl_average realized_pnl_fifo order_id ts',
    (r) => [
      r.fillId,
      r.leg,
      r.seq,
      r.deploymentId,
      r.symbol,
      r.side,
      r.qty,
      r.price,
      r.fee,
      r.feeCurrency,
      r.feeExpense,
      r.realizedPnl,
      r.realizedPnlAverage,
      r.realizedPnlFifo,
      r.orderId,
      r.ts,
    ],
  ),
  marks: table(
    'marks',
    'symbol price split_divisor ts source',
    (r) => [r.symbol, r.price, r.splitDivisor, r.ts, r.source],
    ['symbol', 'price split_divisor ts source'],
  ),
  roundTrips: table('round_trips', 'seq idx deployment_id symbol opened_at closed_at realized_pnl fees', (r) => [
    r.seq,
    r.idx,
    r.deploymentId,
    r.symbol,
    r.openedAt,
    r.closedAt,
    r.realizedPnl,
    r.fees,
  ]),
  orders: table(
    'orders',
    'id deployment_id broker_order_id symbol side qty order_type limit_price time_in_force reserve_price status filled_qty filled_avg_price reason idempotency_key created_at updated_at',
    (r) => [
      r.id,
      r.deploymentId,
      r.brokerOrderId,
      r.symbol,
      r.side,
      r.qty,
      r.orderType,
      r.limitPrice,
      r.timeInForce,
      r.reservePrice,
      r.status,
      r.filledQty,
      r.filledAvgPrice,
      r.reason,
      r.idempotencyKey,
      r.createdAt,
      r.updatedAt,
    ],
    ['id', 'broker_order_id status filled_qty filled_avg_price reason updated_at'],
  ),
  metrics: table(
    'deployment_metrics',
    'deployment_id ts cash positions_value equity realized_pnl unrealized_pnl fees dividends total_pnl return_pct',
    (r) => [
      r.deploymentId,
      r.ts,
      r.cash,
      r.positionsValue,
      r.equity,
      r.realizedPnl,
      r.unrealizedPnl,
      r.fees,
      r.dividends,
      r.totalPnl,
      r.returnPct,
    ],
    ['deployment_id ts', 'cash positions_value equity realized_pnl unrealized_pnl fees dividends total_pnl return_pct'],
  ),
};

function statementText(t: Table<never>): string {
  let text = `insert into ${t.table} (${t.columns.join(', ')}) values (${t.columns.map(() => '?').join(', ')})`;
  if (t.upsert)
    text += ` on conflict (${t.upsert.key.join(', ')}) do update set ${t.upsert.set.map((c) => `${c} = excluded.${c}`).join(', ')}`;
  return text;
}

export class SqliteCommitter {
  private readonly statements = new Map<string, { run(...values: unknown[]): unknown }>();

  constructor(private readonly handle: SqliteHandle) {}

  /**
   * Writes the journal rows, then the projections, inside the caller's open transaction. Throws
   * better-sqlite3's error (a unique violation for a journal row already there) as it comes.
   */
  write(journal: readonly JournalRecord[], projections: Projections): void {
    this.rows(JOURNAL, journal);
    for (const key of Object.keys(PROJECTIONS) as (keyof Projections)[])
      this.rows(PROJECTIONS[key] as Table<unknown>, projections[key]);
  }

  private rows<R>(t: Table<R>, rows: readonly R[]): void {
    if (rows.length === 0) return;
    let statement = this.statements.get(t.table);
    if (!statement) this.statements.set(t.table, (statement = this.handle.prepare(statementText(t as Table<never>))));
    for (const row of rows) statement.run(t.values(row));
  }
}
