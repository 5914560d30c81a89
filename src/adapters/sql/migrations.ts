/**
 * Schema migrations, one list for SQLite and PostgreSQL, run on start (`migrateToLatest`).
 * Append new migrations; never edit one that has shipped.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, SqliteAdapter, sql } from 'kysely';

const text = 'text' as const;

const migrations: Record<string, Migration> = {
  '0001_journal_and_projections': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('journal')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('key', text, (c) => c.notNull().unique())
        .addColumn('type', text, (c) => c.notNull())
        .addColumn('payload', text, (c) => c.notNull())
        .addColumn('ts_event', text, (c) => c.notNull())
        .addColumn('ts_recorded', text, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('deployments')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('name', text, (c) => c.notNull())
        .addColumn('strategy', text, (c) => c.notNull())
        .addColumn('initial_capital', text, (c) => c.notNull())
        .addColumn('cost_method', text, (c) => c.notNull())
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('limits', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('deployment_balances')
        .addColumn('deployment_id', text, (c) => c.primaryKey())
        .addColumn('cash', text, (c) => c.notNull())
        .addColumn('capital_flows', text, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('deployment_positions')
        .addColumn('deployment_id', text, (c) => c.notNull())
        .addColumn('symbol', text, (c) => c.notNull())
        .addColumn('qty', text, (c) => c.notNull())
        .addColumn('cost_basis', text, (c) => c.notNull())
        .addColumn('avg_cost', text, (c) => c.notNull())
        .addColumn('realized_pnl_average', text, (c) => c.notNull())
        .addColumn('realized_pnl_fifo', text, (c) => c.notNull())
        .addColumn('fees', text, (c) => c.notNull())
        .addColumn('dividends', text, (c) => c.notNull())
        .addColumn('lots', text, (c) => c.notNull())
        .addColumn('trip', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('deployment_positions_pk', ['deployment_id', 'symbol'])
        .execute();
      await db.schema
        .createTable('deployment_trades')
        .addColumn('fill_id', text, (c) => c.notNull())
        .addColumn('leg', 'integer', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('deployment_id', text, (c) => c.notNull())
        .addColumn('symbol', text, (c) => c.notNull())
        .addColumn('side', text, (c) => c.notNull())
        .addColumn('qty', text, (c) => c.notNull())
        .addColumn('price', text, (c) => c.notNull())
        .addColumn('fee', text, (c) => c.notNull())
        .addColumn('fee_currency', text, (c) => c.notNull())
        .addColumn('fee_expense', text, (c) => c.notNull())
        .addColumn('realized_pnl', text, (c) => c.notNull())
        .addColumn('realized_pnl_average', text, (c) => c.notNull())
        .addColumn('realized_pnl_fifo', text, (c) => c.notNull())
        .addColumn('ts', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('deployment_trades_pk', ['fill_id', 'leg'])
        .execute();
      await db.schema
        .createIndex('deployment_trades_by_deployment')
        .on('deployment_trades')
        .columns(['deployment_id', 'seq', 'leg'])
        .execute();
      await db.schema
        .createTable('marks')
        .addColumn('symbol', text, (c) => c.primaryKey())
        .addColumn('price', text, (c) => c.notNull())
        .addColumn('split_divisor', text)
        .addColumn('ts', text, (c) => c.notNull())
        .addColumn('source', text, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('round_trips')
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('deployment_id', text, (c) => c.notNull())
        .addColumn('symbol', text, (c) => c.notNull())
        .addColumn('opened_at', text, (c) => c.notNull())
        .addColumn('closed_at', text, (c) => c.notNull())
        .addColumn('realized_pnl', text, (c) => c.notNull())
        .addColumn('fees', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('round_trips_pk', ['seq', 'idx'])
        .execute();
      await db.schema
        .createTable('deployment_metrics')
        .addColumn('deployment_id', text, (c) => c.notNull())
        .addColumn('ts', text, (c) => c.notNull())
        .addColumn('cash', text, (c) => c.notNull())
        .addColumn('positions_value', text, (c) => c.notNull())
        .addColumn('equity', text, (c) => c.notNull())
        .addColumn('realized_pnl', text, (c) => c.notNull())
        .addColumn('unrealized_pnl', text, (c) => c.notNull())
        .addColumn('fees', text, (c) => c.notNull())
        .addColumn('dividends', text, (c) => c.notNull())
        .addColumn('total_pnl', text, (c) => c.notNull())
        .addColumn('return_pct', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('deployment_metrics_pk', ['deployment_id', 'ts'])
        .execute();
      await db.schema
        .createTable('cursors')
        .addColumn('name', text, (c) => c.primaryKey())
        .addColumn('value', text, (c) => c.notNull())
        .addColumn('updated_at', text, (c) => c.notNull().defaultTo(sql`CURRENT_TIMESTAMP`))
        .execute();
    },
  },
  '0002_orders': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('deployment_trades').addColumn('order_id', text).execute();
      await db.schema
        .createTable('orders')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('deployment_id', text, (c) => c.notNull())
        .addColumn('broker_order_id', text)
        .addColumn('symbol', text, (c) => c.notNull())
        .addColumn('side', text, (c) => c.notNull())
        .addColumn('qty', text, (c) => c.notNull())
        .addColumn('order_type', text, (c) => c.notNull())
        .addColumn('limit_price', text)
        .addColumn('time_in_force', text, (c) => c.notNull())
        .addColumn('reserve_price', text, (c) => c.notNull())
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('filled_qty', text, (c) => c.notNull())
        .addColumn('filled_avg_price', text)
        .addColumn('reason', text)
        .addColumn('idempotency_key', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('orders_by_deployment')
        .on('orders')
        .columns(['deployment_id', 'created_at'])
        .execute();
    },
  },
  '0003_pnl_history': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('pnl_history')
        .addColumn('scope', text, (c) => c.notNull())
        .addColumn('subject', text, (c) => c.notNull())
        .addColumn('kind', text, (c) => c.notNull())
        .addColumn('ts', text, (c) => c.notNull())
        .addColumn('day', text, (c) => c.notNull())
        .addColumn('members', 'integer', (c) => c.notNull())
        .addColumn('capital', text, (c) => c.notNull())
        .addColumn('cash', text, (c) => c.notNull())
        .addColumn('positions_value', text, (c) => c.notNull())
        .addColumn('equity', text, (c) => c.notNull())
        .addColumn('realized_pnl', text, (c) => c.notNull())
        .addColumn('unrealized_pnl', text, (c) => c.notNull())
        .addColumn('fees', text, (c) => c.notNull())
        .addColumn('dividends', text, (c) => c.notNull())
        .addColumn('total_pnl', text, (c) => c.notNull())
        .addColumn('return_pct', text, (c) => c.notNull())
        .addColumn('gross_exposure', text, (c) => c.notNull())
        .addColumn('open_positions', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('pnl_history_pk', ['scope', 'subject', 'kind', 'ts'])
        .execute();
      await db.schema.createIndex('pnl_history_by_time').on('pnl_history').columns(['kind', 'ts']).execute();
    },
  },
  '0004_writer_lease': {
    async up(db: Kysely<unknown>) {
      // One row ('writer'): the epoch every write is fenced by, its holder and its expiry (ms).
      await db.schema
        .createTable('writer_lease')
        .addColumn('name', text, (c) => c.primaryKey())
        .addColumn('epoch', 'bigint', (c) => c.notNull())
        .addColumn('holder', text, (c) => c.notNull())
        .addColumn('since', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0005_journal_changes_clear_projections_seq': {
    // The projections' seq (store-port.ts, PROJECTIONS_SEQ_CURSOR) says the projections were
    // written from exactly the journal rows up to it. The app only ever inserts journal rows; an
    // UPDATE or DELETE of one (a repair by hand, a damaged row) voids that, so the store clears it
    // itself, in the same statement's transaction: `books` then folds the journal again.
    async up(db: Kysely<unknown>) {
      if (db.getExecutor().adapter instanceof SqliteAdapter) {
        for (const [name, change] of [
          ['journal_update_clears_projections_seq', 'UPDATE'],
          ['journal_delete_clears_projections_seq', 'DELETE'],
        ] as const)
          await sql
            .raw(
              `CREATE TRIGGER ${name} AFTER ${change} ON journal BEGIN DELETE FROM cursors WHERE name = 'projections.seq'; END`,
            )
            .execute(db);
        return;
      }
      // PostgreSQL: once per statement; the function names the table's own schema, whatever the
      // search_path of the session that changed the journal.
      await sql`CREATE FUNCTION journal_changes_clear_projections_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DELETE FROM %I.cursors WHERE name = %L', TG_TABLE_SCHEMA, 'projections.seq');
  RETURN NULL;
END
$$`.execute(db);
      await sql`CREATE TRIGGER journal_changes_clear_projections_seq AFTER UPDATE OR DELETE OR TRUNCATE ON journal
FOR EACH STATEMENT EXECUTE FUNCTION journal_changes_clear_projections_seq()`.execute(db);
    },
  },
  '0006_checkpoints': {
    // Checkpoints of the folded state (src/app/journal/checkpoint.ts): start-up reads the latest and folds
    // only the journal after it. Like the projections' seq (0005), a checkpoint vouches for the
    // journal rows up to its seq: an UPDATE or DELETE of a journal row drops every checkpoint.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('checkpoints')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('key', text, (c) => c.notNull())
        .addColumn('format', text, (c) => c.notNull())
        .addColumn('state', text, (c) => c.notNull())
        .addColumn('written_at', text, (c) => c.notNull())
        .execute();
      if (db.getExecutor().adapter instanceof SqliteAdapter) {
        for (const [name, change] of [
          ['journal_update_drops_checkpoints', 'UPDATE'],
          ['journal_delete_drops_checkpoints', 'DELETE'],
        ] as const)
          await sql
            .raw(`CREATE TRIGGER ${name} AFTER ${change} ON journal BEGIN DELETE FROM checkpoints; END`)
            .execute(db);
        return;
      }
      await sql`CREATE FUNCTION journal_changes_drop_checkpoints() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DELETE FROM %I.checkpoints', TG_TABLE_SCHEMA);
  RETURN NULL;
END
$$`.execute(db);
      await sql`CREATE TRIGGER journal_changes_drop_checkpoints AFTER UPDATE OR DELETE OR TRUNCATE ON journal
FOR EACH STATEMENT EXECUTE FUNCTION journal_changes_drop_checkpoints()`.execute(db);
    },
  },
};

/** Exported so later migrations (other issues) append here. */
export const migrationList = migrations;

class InCodeProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

/** Brings the schema to the latest version; throws with the failing migration's error. */
export async function migrateToLatest(db: Kysely<unknown>, schema?: string): Promise<void> {
  // With a schema, Kysely must keep its bookkeeping tables there too: it looks for them by name
  // across all schemas otherwise and would find another schema's.
  const migrator = new Migrator({
    db,
    provider: new InCodeProvider(),
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`schema migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
