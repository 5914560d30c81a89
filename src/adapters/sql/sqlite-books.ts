/**
 * What `books` shows, read from a SQLite store's projections instead of folding its journal: the
 * file opened read-only with better-sqlite3 alone (no Kysely, no migration, no pragma, nothing
 * written), every read in one transaction (one snapshot, while a writer appends).
 *
 * The projections are read only when the store vouches for them (store-port.ts, "the projections'
 * seq"): the projections' seq equals the journal's last seq, the journal holds seqs 1…that seq, and
 * migration 0005's triggers are in place (so no journal row was changed or deleted since). Anything
 * else — no such seq, one behind the journal, an older schema, a file that is not a store, a read
 * that fails — is a `reason`, and the caller folds the journal (which then reports, say, a corrupt
 * entry exactly as before).
 */
import Sqlite from 'better-sqlite3';
import {
  type BalanceRow,
  type DeploymentRow,
  type MarkRow,
  type PositionRow,
  PROJECTIONS_SEQ_CURSOR,
  type StoredBooks,
} from '../../app/ports/store-port.js';

/** The stored books, or why they cannot be used. */
export type StoredBooksRead = { readonly books: StoredBooks } | { readonly reason: string };

const TRIGGERS = ['journal_update_clears_projections_seq', 'journal_delete_clears_projections_seq'];

export function readSqliteBooks(path: string): StoredBooksRead {
  let db: Sqlite.Database;
  try {
    db = new Sqlite(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    return { reason: `cannot open ${path} read-only: ${(error as Error).message}` };
  }
  try {
    return db.transaction(() => readIn(db, path))();
  } catch (error) {
    return { reason: `cannot read the projections: ${(error as Error).message}` };
  } finally {
    db.close();
  }
}

/** The same read on a database already open (an in-memory replica, see memory-replica.ts). */
export const readSqliteBooksIn = (db: Sqlite.Database, location: string): StoredBooksRead => readIn(db, location);

function readIn(db: Sqlite.Database, location: string): StoredBooksRead {
  const triggers = db
    .prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)`)
    .pluck()
    .get(...TRIGGERS) as number;
  if (triggers !== TRIGGERS.length) return { reason: 'the store predates the projections’ seq (migration 0005)' };
  const stamp = db.prepare('SELECT value FROM cursors WHERE name = ?').pluck().get(PROJECTIONS_SEQ_CURSOR) as
    string | undefined;
  if (stamp === undefined) return { reason: 'the projections’ seq is not known' };
  const journal = db.prepare('SELECT count(*) AS count, max(seq) AS last FROM journal').get() as {
    count: number;
    last: number | null;
  };
  const last = journal.last ?? 0;
  if (stamp !== String(last) || journal.count !== last)
    return {
      reason: `the projections were written at seq ${stamp}; the journal holds ${journal.count} entries up to seq ${last}`,
    };
  const keys = db.prepare(`SELECT key FROM journal WHERE type = 'deployment' ORDER BY seq`).pluck().all() as string[];
  const deploymentIds: string[] = [];
  for (const key of keys) {
    if (!key.startsWith('deployment:')) return { reason: `a deployment entry with the key '${key}'` };
    deploymentIds.push(key.slice('deployment:'.length));
  }
  // Each row as the port names it (columns aliased in the SELECT: no row is copied).
  const deployments = db
    .prepare(
      `SELECT id, name, strategy, initial_capital AS initialCapital, cost_method AS costMethod, status, limits,
        created_at AS createdAt, updated_at AS updatedAt FROM deployments`,
    )
    .all() as DeploymentRow[];
  const balances = db
    .prepare('SELECT deployment_id AS deploymentId, cash, capital_flows AS capitalFlows FROM deployment_balances')
    .all() as BalanceRow[];
  const positions = db
    .prepare(
      `SELECT deployment_id AS deploymentId, symbol, qty, cost_basis AS costBasis, avg_cost AS avgCost,
        realized_pnl_average AS realizedPnlAverage, realized_pnl_fifo AS realizedPnlFifo, fees, dividends, lots, trip
        FROM deployment_positions`,
    )
    .all() as PositionRow[];
  const marks = db
    .prepare('SELECT symbol, price, split_divisor AS splitDivisor, ts, source FROM marks')
    .all() as MarkRow[];
  return { books: { location, seq: last, deploymentIds, deployments, balances, positions, marks } };
}
