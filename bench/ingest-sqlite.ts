/**
 * Benchmark 2: durable ingest into a SQLite file (WAL, synchronous=FULL) through the real store
 * path, against better-sqlite3 prepared statements inserting the same rows, one transaction per
 * batch, into a file migrated by the same `openStore` and opened with the same settings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { openStore, openWriterStore } from '../src/adapters/sql/open-store.js';
import type { Commit } from './capture-store.js';
import { type IngestInput, type Took, benchIngest, startClock } from './ingest.js';
import { type TableSpec, commitRows, insertSql } from './raw-tables.js';
import type { SummaryRow } from './report.js';

async function rawInsert(file: string, commits: readonly Commit[]): Promise<Took> {
  await (await openStore(file)).close(); // the same schema, migrated by the real code
  const db = new Sqlite(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const statements = new Map<TableSpec, Sqlite.Statement>();
    const statement = (t: TableSpec) => {
      let st = statements.get(t);
      if (!st) statements.set(t, (st = db.prepare(insertSql(t, `(${t.columns.map(() => '?').join(', ')})`))));
      return st;
    };
    const write = db.transaction((c: Commit) => {
      for (const { spec, rows } of commitRows(c)) {
        const st = statement(spec);
        for (const row of rows) st.run(row);
      }
    });
    if (commits.length > 0) write(commits[0]!);
    const took = startClock();
    for (let i = 1; i < commits.length; i++) write(commits[i]!);
    return took();
  } finally {
    db.close();
  }
}

export async function benchSqlite(input: IngestInput, runs: number): Promise<SummaryRow> {
  const dir = mkdtempSync(join(tmpdir(), 'subledger-bench-'));
  try {
    return await benchIngest(
      {
        name: 'sqlite',
        rawName: 'raw better-sqlite3',
        freshStore: (tag) => openWriterStore(join(dir, `store-${tag}.db`), 'bench'),
        raw: (tag, commits) => rawInsert(join(dir, `raw-${tag}.db`), commits),
      },
      input,
      runs,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
