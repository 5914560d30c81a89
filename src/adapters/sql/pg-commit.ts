/**
 * A commit's rows on PostgreSQL: one statement per table, whatever the number of rows. The rows go
 * as one parameter, their JSON array, which `json_to_recordset` unpacks server-side; its record's
 * column names are the port's camelCase field names, so a port row is sent as it is.
 *
 * Why not Kysely's multi-row INSERT: building and compiling it (and CamelCasePlugin's walk over
 * it) costs per value, and PostgreSQL parses a statement of one placeholder per value, in chunks
 * below its 65,535-parameter bound. `JSON.stringify` is native and the statement text is fixed
 * (measured on this path: about half the client CPU of multi-row VALUES, and of `unnest` arrays,
 * whose text-array literals pg escapes element by element in JavaScript).
 *
 * The statements run in the caller's Kysely transaction (`executeQuery`), after its fence; their
 * upserts are the ones `writeProjections` (sql-store.ts) makes on SQLite's replace path. They are
 * not named (server-side prepared) statements: Kysely's pg driver cannot name one, and parsing and
 * planning these short texts measured as nothing against the rows' insert (named and unnamed were
 * within the noise).
 */
import { CompiledQuery, type Transaction } from 'kysely';
import type { JournalRecord, Projections } from '../../app/ports/store-port.js';
import type { Database } from './schema.js';

type PgType = 'text' | 'integer' | 'bigint';

/** Every column of a table (checked against schema.ts) with its PostgreSQL type. */
type Columns<T extends keyof Database> = { readonly [K in keyof Database[T]]-?: PgType };

/** The column `field` is stored in: the CamelCasePlugin's mapping (no name here has a digit or two capitals in a row). */
const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function statement<T extends keyof Database>(
  table: T,
  columns: Columns<T>,
  upsert?: {
    readonly key: readonly (keyof Database[T] & string)[];
    readonly set: readonly (keyof Database[T] & string)[];
  },
): string {
  const fields = Object.keys(columns) as (keyof Columns<T> & string)[];
  const record = fields.map((f) => `"${f}" ${columns[f]}`).join(', ');
  let text =
    `insert into ${snake(table)} (${fields.map(snake).join(', ')}) ` +
    `select ${fields.map((f) => `"${f}"`).join(', ')} from json_to_recordset($1::json) as r(${record})`;
  if (upsert) {
    const set = upsert.set.map((f) => `${snake(f)} = excluded.${snake(f)}`).join(', ');
    text += ` on conflict (${upsert.key.map(snake).join(', ')}) do update set ${set}`;
  }
  return text;
}

const text = 'text';
const POSITION_VALUES = [
  'qty',
  'costBasis',
  'avgCost',
  'realizedPnlAverage',
  'realizedPnlFifo',
  'fees',
  'dividends',
  'lots',
  'trip',
] as const;
const METRIC_VALUES = [
  'cash',
  'positionsValue',
  'equity',
  'realizedPnl',
  'unrealizedPnl',
  'fees',
  'dividends',
  'totalPnl',
  'returnPct',
] as const;

const JOURNAL = statement('journal', {
  seq: 'bigint',
  key: text,
  type: text,
  payload: text,
  tsEvent: text,
  tsRecorded: text,
});

/** Projection → its statement, in the order the rows are written (as `writeProjections`). */
const PROJECTIONS: { readonly [K in keyof Projections]: string } = {
  deployments: statement(
    'deployments',
    {
      id: text,
      name: text,
      strategy: text,
      initialCapital: text,
      costMethod: text,
      status: text,
      limits: text,
      createdAt: text,
      updatedAt: text,
    },
    { key: ['id'], set: ['name', 'strategy', 'status', 'limits', 'updatedAt'] },
  ),
  balances: statement(
    'deploymentBalances',
    { deploymentId: text, cash: text, capitalFlows: text },
    { key: ['deploymentId'], set: ['cash', 'capitalFlows'] },
  ),
  positions: statement(
    'deploymentPositions',
    {
      deploymentId: text,
      symbol: text,
      qty: text,
      costBasis: text,
      avgCost: text,
      realizedPnlAverage: text,
      realizedPnlFifo: text,
      fees: text,
      dividends: text,
      lots: text,
      trip: text,
    },
    { key: ['deploymentId', 'symbol'], set: [...POSITION_VALUES] },
  ),
  trades: statement('deploymentTrades', {
    fillId: text,
    leg: 'integer',
    seq: 'bigint',
    deploymentId: text,
    symbol: text,
    side: text,
    qty: text,
    price: text,
    fee: text,
    feeCurrency: text,
    feeExpense: text,
    realizedPnl: text,
    realizedPnlAverage: text,
    realizedPnlFifo: text,
    orderId: text,
    ts: text,
  }),
  marks: statement(
    'marks',
    { symbol: text, price: text, splitDivisor: text, ts: text, source: text },
    { key: ['symbol'], set: ['price', 'splitDivisor', 'ts', 'source'] },
  ),
  roundTrips: statement('roundTrips', {
    seq: 'bigint',
    idx: 'integer',
    deploymentId: text,
    symbol: text,
    openedAt: text,
    closedAt: text,
    realizedPnl: text,
    fees: text,
  }),
  orders: statement(
    'orders',
    {
      id: text,
      deploymentId: text,
      brokerOrderId: text,
      symbol: text,
      side: text,
      qty: text,
      orderType: text,
      limitPrice: text,
      timeInForce: text,
      reservePrice: text,
      status: text,
      filledQty: text,
      filledAvgPrice: text,
      reason: text,
      idempotencyKey: text,
      createdAt: text,
      updatedAt: text,
    },
    { key: ['id'], set: ['brokerOrderId', 'status', 'filledQty', 'filledAvgPrice', 'reason', 'updatedAt'] },
  ),
  metrics: statement(
    'deploymentMetrics',
    {
      deploymentId: text,
      ts: text,
      cash: text,
      positionsValue: text,
      equity: text,
      realizedPnl: text,
      unrealizedPnl: text,
      fees: text,
      dividends: text,
      totalPnl: text,
      returnPct: text,
    },
    { key: ['deploymentId', 'ts'], set: [...METRIC_VALUES] },
  ),
};

/**
 * Rows per statement: a commit's batch goes in one, while a whole history (`replaceProjections`)
 * stays far below V8's string length and PostgreSQL's 1 GB bound on one parameter.
 */
const ROWS_PER_STATEMENT = 10_000;

async function write(tx: Transaction<Database>, statementText: string, rows: readonly object[]): Promise<void> {
  for (let at = 0; at < rows.length; at += ROWS_PER_STATEMENT) {
    const part = at === 0 && rows.length <= ROWS_PER_STATEMENT ? rows : rows.slice(at, at + ROWS_PER_STATEMENT);
    await tx.executeQuery(CompiledQuery.raw(statementText, [JSON.stringify(part)]));
  }
}

/** The journal rows, then the projections: one statement per non-empty table (up to `ROWS_PER_STATEMENT` rows). */
export async function writePgRows(
  tx: Transaction<Database>,
  journal: readonly JournalRecord[],
  projections: Projections,
): Promise<void> {
  await write(tx, JOURNAL, journal);
  await writePgProjections(tx, projections);
}

export async function writePgProjections(tx: Transaction<Database>, projections: Projections): Promise<void> {
  for (const [name, statementText] of Object.entries(PROJECTIONS))
    await write(tx, statementText, projections[name as keyof Projections]);
}
