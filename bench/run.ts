/**
 * `npm run bench`: the benchmarks, each against a baseline measured in the same run on the
 * same generated data, then a summary table. Not tests: nothing here asserts a time.
 *
 *   --only fold|sqlite|postgres|http|risk|plan|startup|coexistence|gateway|s3|scaling   run one benchmark (comma-separated for several)
 *   --fills N                     fills for the fold (default 1,000,000); also caps the ingests
 *   --ingest-fills N              fills for the ingests (default 100,000)
 *   --batch N                     fills per append / transaction in the ingests (default 1,000)
 *   --runs N                      timed runs per side, after one warm-up (default 3; also the
 *                                 http rounds per side and route)
 *   --seconds N                   seconds per http load run (default 4)
 *   (startup: whole `subledger` processes against `node -e 0`; --runs N sets its rounds, default 11)
 *   --startup-events N            startup: events in the journal `serve` starts on (default 1,000,000)
 *   --orders N, --seed S          coexistence: orders the 6 bots send (default 480), their PRNG seed
 *   --requests N                  gateway: timed order submits per side (default 300); its positions
 *                                 read load uses --runs and --seconds like http
 *   --scaling-fills A,B,...       scaling: history sizes in fills (default 10000,100000; add 1000000)
 * PostgreSQL: SUBLEDGER_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test).
 * S3 (cold `books` from S3 vs a SQLite file, bench/s3.ts): moto started on loopback, or
 * SUBLEDGER_BENCH_S3_ENDPOINT with SUBLEDGER_BENCH_S3_BUCKET.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { generate } from './data.js';
import { benchFold } from './fold.js';
import { ingestInput } from './ingest.js';
import { DEFAULT_PG_URL, benchPostgres } from './ingest-postgres.js';
import { benchSqlite } from './ingest-sqlite.js';
import { HTTP_DEFAULTS, benchHttp } from './http.js';
import { COEXISTENCE_BENCH_DEFAULTS, benchCoexistence } from './coexistence.js';
import { GATEWAY_DEFAULTS, benchGateway } from './gateway.js';
import { benchPlan } from './plan.js';
import { type SummaryRow, printSummary } from './report.js';
import { benchRisk } from './risk.js';
import { benchS3 } from './s3.js';
import { STARTUP_DEFAULTS, benchStartup } from './startup.js';
import { SCALING_DEFAULTS, benchScaling } from './scaling.js';

const BENCHES = [
  'fold',
  'sqlite',
  'postgres',
  'http',
  'risk',
  'plan',
  'startup',
  'coexistence',
  'gateway',
  's3',
  'scaling',
] as const;
type Bench = (typeof BENCHES)[number];

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text.replace(/[_,]/g, ''));
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer, got '${text}'`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      fills: { type: 'string' },
      'ingest-fills': { type: 'string' },
      batch: { type: 'string' },
      runs: { type: 'string' },
      seconds: { type: 'string' },
      orders: { type: 'string' },
      seed: { type: 'string' },
      requests: { type: 'string' },
      'scaling-fills': { type: 'string' },
      'startup-events': { type: 'string' },
    },
  });
  const only = (values.only?.split(',') ?? [...BENCHES]).map((s) => s.trim());
  for (const name of only)
    if (!(BENCHES as readonly string[]).includes(name))
      throw new Error(`--only: unknown benchmark '${name}' (${BENCHES.join(', ')})`);
  const wants = (b: Bench) => only.includes(b);
  const foldFills = positive('fills', values.fills, 1_000_000);
  const ingestFills = Math.min(
    positive('ingest-fills', values['ingest-fills'], 100_000),
    values.fills ? foldFills : Infinity,
  );
  const batch = positive('batch', values.batch, 1000);
  const runs = positive('runs', values.runs, 3);
  const seconds = positive('seconds', values.seconds, HTTP_DEFAULTS.seconds);
  const pgUrl = process.env.SUBLEDGER_BENCH_PG_URL ?? DEFAULT_PG_URL;
  const orders = positive('orders', values.orders, COEXISTENCE_BENCH_DEFAULTS.orders);
  const seed = positive('seed', values.seed, COEXISTENCE_BENCH_DEFAULTS.seed);
  const requests = positive('requests', values.requests, GATEWAY_DEFAULTS.requests);

  const cpus = os.cpus();
  console.log(`subledger bench — ${new Date().toISOString()}`);
  console.log(
    `node ${process.version}, ${os.platform()} ${os.arch()}, ${cpus.length} cores (${cpus[0]?.model ?? '?'}), load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  if (os.loadavg()[0]! > cpus.length) {
    console.log(
      `warning: the machine is busy (load ${os.loadavg()[0]!.toFixed(1)} on ${cpus.length} cores): wall-clock figures include waiting for a CPU`,
    );
  }
  const needed = Math.max(wants('fold') ? foldFills : 0, wants('sqlite') || wants('postgres') ? ingestFills : 0);
  const start = Date.now();
  const rows: SummaryRow[] = [];
  if (needed > 0) {
    const data = generate(needed);
    console.log(`generated ${needed.toLocaleString('en-US')} fills (seeded mulberry32) in ${Date.now() - start} ms`);
    if (wants('fold'))
      rows.push(...benchFold(needed === foldFills ? data : { ...data, fills: data.fills.slice(0, foldFills) }, runs));
    if (wants('sqlite') || wants('postgres')) {
      const input = ingestInput(data, ingestFills, batch);
      if (wants('sqlite')) rows.push(await benchSqlite(input, runs));
      if (wants('postgres')) rows.push(await benchPostgres(input, runs, pgUrl));
    }
  }
  if (wants('http')) rows.push(...(await benchHttp({ ...HTTP_DEFAULTS, seconds, rounds: runs })));
  if (wants('risk')) rows.push(...benchRisk());
  if (wants('plan')) rows.push(...benchPlan());
  if (wants('startup'))
    rows.push(
      ...(await benchStartup({
        runs: values.runs ? runs : STARTUP_DEFAULTS.runs,
        events: positive('startup-events', values['startup-events'], STARTUP_DEFAULTS.events),
        pgUrl,
      })),
    );
  if (wants('coexistence')) rows.push(...(await benchCoexistence({ orders, seed })));
  if (wants('gateway')) rows.push(...(await benchGateway({ ...GATEWAY_DEFAULTS, requests, seconds, rounds: runs })));
  if (wants('s3')) rows.push(...(await benchS3({ runs })));
  if (wants('scaling')) {
    const fills = values['scaling-fills']?.split(',').map((n) => positive('scaling-fills', n, 0));
    rows.push(...(await benchScaling({ ...SCALING_DEFAULTS, ...(fills ? { fills } : {}) })));
  }
  printSummary(rows);
  console.log(
    `\nload at the end ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; total ${((Date.now() - start) / 1000).toFixed(0)} s`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
