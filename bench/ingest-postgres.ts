/**
 * Benchmark 3: durable ingest into PostgreSQL through the real store path (a fresh schema per run,
 * `?schema=bench_<random>` through `openStore`), against `pg` multi-row INSERTs of the same rows,
 * one transaction per batch, into a schema migrated by the same `openStore`. Every schema created
 * is dropped at the end. Skipped, saying why, when no server answers.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, openWriterStore, redactUrl } from '../src/adapters/sql/open-store.js';
import type { Commit } from './capture-store.js';
import { type IngestInput, TARGET_PERCENT, type Took, benchIngest, startClock } from './ingest.js';
import { type Value, commitRows, insertSql } from './raw-tables.js';
import { type SummaryRow, int } from './report.js';

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const MAX_PARAMETERS = 65535;

function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return u.toString();
}

function withoutSchema(url: string): string {
  const u = new URL(url);
  u.searchParams.delete('schema');
  return u.toString();
}

/** Why PostgreSQL cannot be used, or undefined when it answers. */
async function unreachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: withoutSchema(url), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `($1, $2), ($3, $4)` for `rows` rows of `columns` values, cached per shape. */
const placeholders = new Map<string, string>();
function valuesText(rows: number, columns: number): string {
  const key = `${rows}x${columns}`;
  let text = placeholders.get(key);
  if (text === undefined) {
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++)
      tuples.push(`(${Array.from({ length: columns }, (_, c) => `$${r * columns + c + 1}`).join(', ')})`);
    placeholders.set(key, (text = tuples.join(', ')));
  }
  return text;
}

async function rawInsert(url: string, schema: string, commits: readonly Commit[]): Promise<Took> {
  await (await openStore(withSchema(url, schema))).close(); // the same schema, migrated by the real code
  const client = new pg.Client({ connectionString: withoutSchema(url), options: `-c search_path=${schema}` });
  await client.connect();
  const write = async (c: Commit) => {
    await client.query('begin');
    for (const { spec, rows } of commitRows(c)) {
      const chunk = Math.floor(MAX_PARAMETERS / spec.columns.length);
      for (let at = 0; at < rows.length; at += chunk) {
        const part = rows.slice(at, at + chunk);
        const values: Value[] = [];
        for (const row of part) for (const v of row) values.push(v);
        await client.query(insertSql(spec, valuesText(part.length, spec.columns.length)), values);
      }
    }
    await client.query('commit');
  };
  try {
    if (commits.length > 0) await write(commits[0]!);
    const took = startClock();
    for (let i = 1; i < commits.length; i++) await write(commits[i]!);
    return took();
  } finally {
    await client.end();
  }
}

export async function benchPostgres(input: IngestInput, runs: number, url: string): Promise<SummaryRow> {
  const problem = await unreachable(url);
  if (problem) {
    console.log(`\n== postgres ingest: SKIPPED — PostgreSQL at ${redactUrl(url)} is not reachable: ${problem}`);
    return {
      bench: `postgres ingest ${int(input.fills)} fills`,
      figure: 'skipped',
      baseline: `not reachable: ${problem.slice(0, 60)}`,
      ratio: '—',
      target: `≥ ${TARGET_PERCENT}%`,
      status: 'SKIPPED',
    };
  }
  const prefix = `bench_${randomBytes(4).toString('hex')}`;
  const created: string[] = [];
  const schema = (tag: string) => {
    const name = `${prefix}_${tag}`;
    created.push(name);
    return name;
  };
  try {
    return await benchIngest(
      {
        name: 'postgres',
        rawName: 'raw pg multi-row INSERT',
        freshStore: (tag) => openWriterStore(withSchema(url, schema(`s${tag}`)), 'bench'),
        raw: (tag, commits) => rawInsert(url, schema(`r${tag}`), commits),
      },
      input,
      runs,
    );
  } finally {
    const admin = new pg.Client({ connectionString: withoutSchema(url) });
    await admin.connect();
    try {
      for (const name of created) await admin.query(`drop schema if exists ${name} cascade`);
    } finally {
      await admin.end();
    }
  }
}
