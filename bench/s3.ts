/**
 * Benchmark `s3` (issue 16): a cold one-shot `subledger books --json` on a 100,000-event journal
 * kept on S3 (the latest snapshot, then the log after it) against the same command on a SQLite
 * file holding the same journal, as whole processes (`node --import tsx src/cli/main.ts`, both
 * sides alike), median wall time over `runs` rounds after one warm-up; and the number of S3
 * requests one such read makes. Both print the same bytes (checked). No target: the issue sets
 * none, so the row is INFO.
 *
 * The journal: the benchmarks' seeded data (bench/data.ts) in the import format, imported with
 * `subledger import` in one batch (the S3 writer leaves a snapshot when it releases the lease),
 * then a second import of 1,000 more fills (a tail of log objects after that snapshot).
 *
 * The S3 server: SUBLEDGER_BENCH_S3_ENDPOINT (with AWS_* credentials in the environment and a
 * bucket SUBLEDGER_BENCH_S3_BUCKET that exists), else moto's server started on a loopback port.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { openS3Store } from '../src/adapters/s3/open-s3-store.js';
import { openMemoryReplica } from '../src/adapters/sql/memory-replica.js';
import { startMoto } from '../test/helpers/moto.js';
import { generate } from './data.js';
import { type SummaryRow, int, median, now } from './report.js';
import { journalLines } from './startup.js';

export const S3_DEFAULTS = { events: 100_000, tail: 1_000 } as const;

const ROOT = resolve(import.meta.dirname, '..');
const MAIN = join(ROOT, 'src/cli/main.ts');

function cli(args: readonly string[], env: NodeJS.ProcessEnv): { ms: number; stdout: string } {
  const start = now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, SUBLEDGER_LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = now() - start;
  if (r.status !== 0) throw new Error(`subledger ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return { ms, stdout: r.stdout };
}

export async function benchS3(options: { runs: number; events?: number }): Promise<SummaryRow[]> {
  const events = options.events ?? S3_DEFAULTS.events;
  let endpoint = process.env.SUBLEDGER_BENCH_S3_ENDPOINT;
  let bucket = process.env.SUBLEDGER_BENCH_S3_BUCKET;
  let stop = async () => undefined as void;
  let env: Record<string, string> = {};
  if (!endpoint) {
    const started = await startMoto();
    if ('skip' in started) {
      console.log(`s3: ${started.skip}`);
      return [{ bench: 's3: cold books', figure: '-', baseline: '-', ratio: '-', target: '-', status: 'SKIPPED' }];
    }
    endpoint = started.moto.endpoint;
    env = started.moto.env;
    bucket = await started.moto.bucket('bench');
    stop = started.moto.stop;
  } else if (!bucket)
    throw new Error('SUBLEDGER_BENCH_S3_ENDPOINT needs SUBLEDGER_BENCH_S3_BUCKET (an existing bucket)');
  env = { ...env, AWS_ENDPOINT_URL: endpoint };
  const dir = mkdtempSync(join(os.tmpdir(), 'subledger-bench-s3-'));
  try {
    const data = generate(events + S3_DEFAULTS.tail);
    const deployments = data.deployments.length;
    const main = { ...data, fills: data.fills.slice(0, events - deployments) };
    const tail = { ...data, deployments: [], fills: data.fills.slice(events - deployments) };
    writeFileSync(join(dir, 'main.jsonl'), journalLines(main));
    writeFileSync(join(dir, 'tail.jsonl'), journalLines(tail));
    const sqlite = join(dir, 'books.db');
    const s3 = `s3://${bucket}/bench-${Date.now()}`;
    for (const db of [sqlite, s3]) {
      const start = now();
      cli(['import', join(dir, 'main.jsonl'), '--db', db], env);
      cli(['import', join(dir, 'tail.jsonl'), '--db', db], env);
      console.log(`s3: imported ${int(events + S3_DEFAULTS.tail)} events into ${db} in ${int(now() - start)} ms`);
    }

    // One cold read in this process, as `books` does it: what it fetched, and how many requests.
    const store = await openS3Store(s3, {
      openReplica: openMemoryReplica,
      mustExist: true,
      env: { ...process.env, ...env },
    });
    const read = await store.storedBooks();
    const requests = store.requests;
    await store.close();
    if ('reason' in read) throw new Error(`s3: the books would fold the journal: ${read.reason}`);

    const sides = { s3: [] as number[], sqlite: [] as number[] };
    for (let round = 0; round <= options.runs; round++) {
      const a = cli(['books', '--json', '--db', sqlite], env);
      const b = cli(['books', '--json', '--db', s3], env);
      if (a.stdout !== b.stdout) throw new Error('s3: books from S3 differ from books from SQLite');
      if (round === 0) continue; // warm-up
      sides.sqlite.push(a.ms);
      sides.s3.push(b.ms);
    }
    const s3Ms = median(sides.s3);
    const sqliteMs = median(sides.sqlite);
    console.log(
      `s3: cold \`books --json\` on ${int(events + S3_DEFAULTS.tail)} events: S3 ${int(s3Ms)} ms (${requests} S3 requests: manifest, snapshot, log tail) vs SQLite file ${int(sqliteMs)} ms — ${(s3Ms / sqliteMs).toFixed(2)}×`,
    );
    return [
      {
        bench: `s3: cold books, ${int(events + S3_DEFAULTS.tail)} events (${requests} requests)`,
        figure: `${int(s3Ms)} ms`,
        baseline: `${int(sqliteMs)} ms (SQLite file)`,
        ratio: `${(s3Ms / sqliteMs).toFixed(2)}×`,
        target: '-',
        status: 'INFO',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await stop();
  }
}
