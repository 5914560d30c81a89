/**
 * The PostgreSQL commit path (pg-commit.ts): rows go as JSON text and come back through Kysely's
 * CamelCasePlugin, so every value must come back exactly as it went (quotes, backslashes, line
 * breaks, non-ASCII, nulls, bigints), and a write longer than one statement's rows must keep them
 * all. Skipped without a server, unless SUBLEDGER_TEST_REQUIRE_PG=1 (as the other PostgreSQL suites).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  type JournalRecord,
  type OrderRow,
  type Projections,
  type TradeRow,
  emptyProjections,
} from '../../app/ports/store-port.js';
import { openWriterStore } from './open-store.js';
import type { SqlStore } from './sql-store.js';

const PG_URL = process.env.SUBLEDGER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `store_pg_commit_${process.pid}_${Math.floor(Math.random() * 1e9)}`;

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function skipReason(): Promise<string | undefined> {
  try {
    await admin((c) => c.query('select 1'));
    return undefined;
  } catch (error) {
    const reason = `no PostgreSQL at ${PG_URL}: ${(error as Error).message}`;
    if (process.env.SUBLEDGER_TEST_REQUIRE_PG === '1') throw new Error(reason, { cause: error });
    return reason;
  }
}

const AWKWARD = `a "quoted" \\ back\\slash, a\nline break, a tab\t, é ü 株 🚀 and \u2028`;

const trade = (seq: number, leg: number, fillId = `f${seq}`): TradeRow => ({
  fillId,
  leg,
  seq,
  deploymentId: 'alpha',
  symbol: 'AAPL',
  side: 'buy',
  qty: '0.000000000000000001',
  price: '123456789012345678901234567890.123456789',
  fee: '0',
  feeCurrency: 'quote',
  feeExpense: '0',
  realizedPnl: '-0.5',
  realizedPnlAverage: '-0.5',
  realizedPnlFifo: '-0.5',
  orderId: null,
  ts: '2025-01-02T15:00:00Z',
});

const order: OrderRow = {
  id: AWKWARD,
  deploymentId: 'alpha',
  brokerOrderId: null,
  symbol: 'AAPL',
  side: 'buy',
  qty: '1',
  orderType: 'limit',
  limitPrice: '1.5',
  timeInForce: 'day',
  reservePrice: '1.5',
  status: 'new',
  filledQty: '0',
  filledAvgPrice: null,
  reason: AWKWARD,
  idempotencyKey: null,
  createdAt: '2025-01-02T15:00:00Z',
  updatedAt: '2025-01-02T15:00:00Z',
};

const journalRow = (seq: number): JournalRecord => ({
  seq,
  key: `k${seq}`,
  type: 'note',
  payload: JSON.stringify({ text: AWKWARD, seq }),
  tsEvent: '2025-01-02T15:00:00Z',
  tsRecorded: '2025-01-02T15:00:00.123Z',
});

describe('PostgreSQL commit rows (pg-commit.ts)', async () => {
  const skip = await skipReason();
  let store: SqlStore;
  before(async () => {
    if (skip) return;
    const url = new URL(PG_URL);
    url.searchParams.set('schema', schema);
    store = await openWriterStore(url.toString(), 'test');
  });
  after(async () => {
    if (skip) return;
    await store.close();
    await admin((c) => c.query(`drop schema if exists "${schema}" cascade`));
  });

  it(
    'gives back every value as committed: quotes, backslashes, line breaks, non-ASCII, nulls, bigints',
    { skip },
    async () => {
      const journal = [journalRow(1), journalRow(2)];
      const projections: Projections = {
        ...emptyProjections(),
        trades: [trade(2, 0), { ...trade(2, 1), orderId: AWKWARD, fillId: AWKWARD }],
        marks: [
          { symbol: 'AAPL', price: '152.345678901', splitDivisor: null, ts: '2025-01-02T16:00:00Z', source: AWKWARD },
        ],
        orders: [order],
      };
      await store.commit(journal, projections);
      assert.deepEqual(await store.readJournal(0, 10), journal);
      assert.deepEqual(await store.trades({ limit: 10 }), projections.trades);
      assert.deepEqual(await store.marks(), projections.marks);
      assert.deepEqual(await store.orders(), [order]);
      assert.equal(await store.projectionsSeq(), 2);

      // An upsert: only the columns the store updates change.
      const filled = { ...order, status: 'filled', filledQty: '1', filledAvgPrice: '1.25', createdAt: 'ignored' };
      await store.commit([journalRow(3)], { ...emptyProjections(), orders: [filled] });
      assert.deepEqual(await store.orders(), [{ ...filled, createdAt: order.createdAt }]);
    },
  );

  it(
    'writes more rows than one statement carries (a whole history replaced) and keeps them all',
    { skip },
    async () => {
      const trades = Array.from({ length: 25_001 }, (_, i) => trade(1 + Math.floor(i / 2), i % 2));
      await store.replaceProjections({ ...emptyProjections(), trades }, 3);
      const read = await store.trades({ limit: 30_000 });
      assert.equal(read.length, trades.length);
      assert.deepEqual(read, trades);
      assert.equal(await store.projectionsSeq(), 3);
    },
  );
});
