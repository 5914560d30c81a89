/**
 * Opens the store named by `--db`: a SQLite file path (the embedded default) or a
 * `postgres://` URL (optionally `?schema=name` to use a schema other than `public`).
 * Runs the migrations before returning. SQLite runs in WAL mode with synchronous=FULL so a
 * committed fill survives a crash or power loss once `commit` returns.
 *
 * `readStoredBooks` reads what `books` shows from the projections instead (SQLite: read-only, no
 * migration, no Kysely). Kysely, the store and the drivers are imported when a store is opened, so
 * that path loads none of them.
 */
import { existsSync } from 'node:fs';
import type Sqlite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { SqlStore } from './sql-store.js';
import type { StoredBooksRead } from './sqlite-books.js';
import { hostname } from 'node:os';
import { type AcquireOptions, acquireWriterLease, processHolder } from '../../app/cluster/writer-lease.js';

export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//.test(target);
}

/** The URL with any password hidden, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** Opens the store read-only: it writes only once it holds the writer lease (`claimLease`). */
export async function openStore(target: string): Promise<SqlStore> {
  return isPostgresUrl(target) ? openPostgres(target) : openSqlite(target);
}

/**
 * Opens a store that exists, to read it: a reader never creates one. A SQLite file that is not
 * there is an error naming it (nothing has been written there yet); a PostgreSQL URL opens as
 * `openStore` does.
 */
export async function openExistingStore(target: string): Promise<SqlStore> {
  if (!isPostgresUrl(target) && target !== ':memory:' && !existsSync(target))
    throw new Error(
      `no store at ${target}: nothing has been written there yet (\`subledger demo\` or \`subledger import FILE\` creates it; --db or SUBLEDGER_DB chooses another)`,
    );
  return openStore(target);
}

/**
 * What `books` shows, from the projections of the store at `target` when it vouches for them (see
 * sqlite-books.ts), or why not: then the caller folds the journal. Only a SQLite file is read this
 * way; a PostgreSQL store is always folded.
 */
export async function readStoredBooks(target: string): Promise<StoredBooksRead> {
  if (isPostgresUrl(target)) return { reason: 'a PostgreSQL store: books folds its journal' };
  if (target === ':memory:') return { reason: 'an in-memory store holds nothing to read' };
  const { readSqliteBooks } = await import('./sqlite-books.js');
  return readSqliteBooks(target);
}

/** Opens the store and takes its writer lease for `command` (throws `LeaseHeldError` while another process writes). */
export async function openWriterStore(
  target: string,
  command: string,
  options: AcquireOptions = {},
): Promise<SqlStore> {
  const store = await openStore(target);
  try {
    await acquireWriterLease(store, processHolder(command, hostname()), options);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

// Each driver is imported when its kind of store is opened: a SQLite store never loads pg, nor a
// PostgreSQL one better-sqlite3 (start-up time of the CLI).
async function openSqlite(path: string): Promise<SqlStore> {
  const [{ default: Sqlite }, { CamelCasePlugin, Kysely, SqliteDialect }, { migrateToLatest }, { SqlStore }] =
    await Promise.all([
      import('better-sqlite3'),
      import('kysely'),
      import('./migrations.js'),
      import('./sql-store.js'),
    ]);
  let database: Sqlite.Database;
  try {
    database = new Sqlite(path);
  } catch (error) {
    throw new Error(`cannot open the SQLite database '${path}': ${(error as Error).message}`, { cause: error });
  }
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }), plugins: [new CamelCasePlugin()] });
  // Migrations name the tables as they are (snake_case), without the plugin (schema.ts).
  await migrateToLatest(db.withoutPlugins() as Kysely<unknown>);
  return new SqlStore(db, 'sqlite', path, undefined, database);
}

async function openPostgres(url: string): Promise<SqlStore> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`invalid schema name '${schema}' in the PostgreSQL URL (lowercase letters, digits, _)`);
  }
  const [{ default: pg }, { CamelCasePlugin, Kysely, PostgresDialect, sql }, { migrateToLatest }, { SqlStore }] =
    await Promise.all([import('pg'), import('kysely'), import('./migrations.js'), import('./sql-store.js')]);
  const config = {
    connectionString: parsed.toString(),
    connectionTimeoutMillis: 5000,
    // Names the process in pg_stat_activity (an operator, or the failover drill, finds its sessions).
    application_name: `subledger pid ${process.pid}`,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
    // bigint columns (seq, epoch, lease times in ms) as numbers, as better-sqlite3 returns them, so a
    // row read is the port's row on both back-ends (schema.ts). pg returns int8 as a string because
    // it may exceed 2^53; none of these can (counts, and times in ms).
    types: { getTypeParser: bigintAsNumber(pg.types) },
  };
  const pool = new pg.Pool({ ...config, max: 10 });
  // A pooled connection the server ended (restart, pg_terminate_backend) is dropped from the pool
  // and the next query opens another: never an uncaught 'error' event that would end the process.
  pool.on('error', () => undefined);
  // … and so is one in use: its query fails (and says why) instead.
  pool.on('connect', (client) => void client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  try {
    // Migrations name the tables as they are (snake_case), without the plugin (schema.ts).
    const tables = db.withoutPlugins() as Kysely<unknown>;
    if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(tables);
    await migrateToLatest(tables, schema ?? undefined);
  } catch (error) {
    await db.destroy();
    throw new Error(`cannot use the PostgreSQL database at ${redactUrl(url)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const channel = `subledger_${schema ?? 'public'}`.slice(0, 63);
  return new SqlStore(db, 'postgres', redactUrl(url), {
    channel,
    listen: (onCommit) => listenFor(() => new pg.Client(config), channel, onCommit),
  });
}

function bigintAsNumber(types: typeof import('pg').types): typeof import('pg').types.getTypeParser {
  const int8 = types.builtins.INT8;
  return ((oid: number, format?: 'text' | 'binary') =>
    oid === int8 && format !== 'binary' ? Number : types.getTypeParser(oid, format)) as typeof types.getTypeParser;
}

/**
 * LISTENs on `channel` on a connection of its own, calling `onCommit` on each NOTIFY; a lost
 * connection is opened again after a second (and `onCommit` called once, for what it missed).
 */
async function listenFor(
  connect: () => import('pg').Client,
  channel: string,
  onCommit: () => void,
): Promise<() => Promise<void>> {
  let client: import('pg').Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const open = async (): Promise<void> => {
    const next = connect();
    next.on('notification', () => onCommit());
    next.on('error', () => {
      void next.end().catch(() => undefined);
      if (client === next) client = undefined;
      if (!stopped) retry = setTimeout(() => void open().catch(() => undefined), 1000);
    });
    await next.connect();
    await next.query(`LISTEN "${channel}"`);
    if (stopped) return void (await next.end().catch(() => undefined));
    client = next;
    onCommit();
  };
  try {
    await open();
  } catch {
    if (!stopped) retry = setTimeout(() => void open().catch(() => undefined), 1000);
  }
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}
