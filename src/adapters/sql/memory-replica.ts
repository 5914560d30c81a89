/**
 * An in-memory SQLite store (the SQL store on better-sqlite3 `:memory:`, same schema and queries)
 * used as the materialized replica of a store kept elsewhere (the S3 adapter's log): `hold` opens
 * a transaction that every write of the store nests in (Kysely's transactions become savepoints),
 * and `settle` keeps or undoes it once the log object is written or refused. `image` is
 * `serialize()`; opening from an image is `new Database(image)`.
 *
 * The replica is a writer of its own (a local lease, epoch 1): the real lease and its fencing are
 * the outer store's.
 */
import Sqlite from 'better-sqlite3';
import { CamelCasePlugin, CompiledQuery, type DatabaseConnection, Kysely, SqliteDialect, SqliteDriver } from 'kysely';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';
import { SqlStore } from './sql-store.js';
import { readSqliteBooksIn } from './sqlite-books.js';

const SAVEPOINT = 'replica_write';

/** Kysely's transactions as savepoints, so they nest in the transaction `hold` opened (or stand alone). */
class NestingDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${SAVEPOINT}`));
  }
  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${SAVEPOINT}`));
  }
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${SAVEPOINT}`));
    await connection.executeQuery(CompiledQuery.raw(`release ${SAVEPOINT}`));
  }
}

class NestingDialect extends SqliteDialect {
  constructor(private readonly database: Sqlite.Database) {
    super({ database });
  }
  override createDriver(): SqliteDriver {
    return new NestingDriver({ database: this.database });
  }
}

export async function openMemoryReplica(image?: Uint8Array) {
  const raw = image ? new Sqlite(Buffer.from(image)) : new Sqlite(':memory:');
  const db = new Kysely<Database>({ dialect: new NestingDialect(raw), plugins: [new CamelCasePlugin()] });
  await migrateToLatest(db.withoutPlugins() as Kysely<unknown>);
  const store = new SqlStore(db, 'sqlite', ':memory:', undefined, raw);
  // The image may carry the local lease of the replica it was taken from: start a fresh one.
  raw.prepare('DELETE FROM writer_lease').run();
  await store.claimLease(0, { id: 'replica', host: 'memory', pid: 0, command: 'replica' }, 0, Number.MAX_SAFE_INTEGER);
  return {
    store,
    hold: () => void raw.exec('BEGIN IMMEDIATE'),
    settle: (keep: boolean) => void raw.exec(keep ? 'COMMIT' : 'ROLLBACK'),
    image: () => raw.serialize(),
    storedBooks: (location: string) => raw.transaction(() => readSqliteBooksIn(raw, location))(),
    close: () => db.destroy(),
  };
}
