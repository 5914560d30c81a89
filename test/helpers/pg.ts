/**
 * Where the PostgreSQL suites run: SUBLEDGER_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test).
 * If no server answers, the suites are skipped with a reason saying so — unless
 * SUBLEDGER_TEST_REQUIRE_PG=1 (set by CI), in which case that is a failure.
 * Each suite works in its own schema, dropped at the end.
 */
import pg from 'pg';

export const PG_URL = process.env.SUBLEDGER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** undefined when PostgreSQL answers; otherwise why the suite is skipped. */
export async function pgSkipReason(): Promise<string | undefined> {
  // A busy machine (other suites compiling) can delay the first connection: try a few times.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 10_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (error) {
      lastError = error;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const reason = `PostgreSQL suites skipped: no server at ${PG_URL} (${(lastError as Error).message}); set SUBLEDGER_TEST_PG_URL to run them`;
  if (process.env.SUBLEDGER_TEST_REQUIRE_PG === '1')
    throw new Error(reason.replace('skipped', 'required (SUBLEDGER_TEST_REQUIRE_PG=1)'), { cause: lastError });
  return reason;
}

/** A fresh schema name for one suite. */
export function freshSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
}

/** The store URL for a schema. */
export function pgUrlFor(schema: string): string {
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
