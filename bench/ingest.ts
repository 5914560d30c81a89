/**
 * The ingest benchmarks' shared runner: the real store path (`LedgerService.append`, one durable
 * transaction per batch) against a raw insert of exactly the rows that path wrote, on the same
 * back-end with the same settings. The rows are captured from the first real run (see
 * capture-store.ts), so both sides write the same journal and projection rows.
 *
 * Each side gets a fresh database per run. The deployments are appended (and inserted) before the
 * clock starts; the timed part is the fill batches only. Warm-up on a few batches, then `runs`
 * runs of each side, alternating, the median reported.
 */
import type { JournalEvent } from '../src/app/journal/journal-codec.js';
import { LedgerService } from '../src/app/journal/ledger-service.js';
import type { StorePort } from '../src/app/ports/store-port.js';
import { type Commit, capturingStore } from './capture-store.js';
import { type Dataset, deploymentEvents, fillEvent } from './data.js';
import { rowTotals } from './raw-tables.js';
import { type SummaryRow, int, median, ms, now, rate } from './report.js';

export const TARGET_PERCENT = 50;

/** Wall-clock and process CPU milliseconds of a timed part. */
export interface Took {
  readonly ms: number;
  /** User + system CPU of this process (GC helper threads included; not a database server's). */
  readonly cpuMs: number;
}

/** Starts a clock; calling the result says how long since, in wall-clock and CPU time. */
export function startClock(): () => Took {
  const wall = now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { ms: now() - wall, cpuMs: (used.user + used.system) / 1000 };
  };
}

export interface IngestInput {
  readonly fills: number;
  readonly batchSize: number;
  readonly deployments: readonly JournalEvent[];
  readonly batches: readonly (readonly JournalEvent[])[];
}

export function ingestInput(data: Dataset, fills: number, batchSize: number): IngestInput {
  const events = data.fills.slice(0, fills).map(fillEvent);
  const batches: JournalEvent[][] = [];
  for (let i = 0; i < events.length; i += batchSize) batches.push(events.slice(i, i + batchSize));
  return { fills: events.length, batchSize, deployments: deploymentEvents(data), batches };
}

export interface IngestBackend {
  /** "sqlite", "postgres". */
  readonly name: string;
  /** What the baseline is, for the printout. */
  readonly rawName: string;
  /** A fresh, migrated, empty store (untimed). */
  freshStore(tag: string): Promise<StorePort>;
  /** Into a fresh migrated database: inserts commits[0] untimed, then times the rest. */
  raw(tag: string, commits: readonly Commit[]): Promise<Took>;
}

/**
 * The real path on a fresh store; returns the time spent appending the fill batches.
 * With `discard`, the store receives nothing: the path's in-memory share alone.
 */
async function storePath(
  backend: IngestBackend,
  tag: string,
  input: IngestInput,
  batches: number,
  options: { captured?: Commit[]; discard?: boolean } = {},
): Promise<Took> {
  const store = capturingStore(await backend.freshStore(tag), options);
  try {
    const service = await LedgerService.load(store);
    await service.append(input.deployments);
    const took = startClock();
    for (let i = 0; i < batches; i++) await service.append(input.batches[i]!);
    return took();
  } finally {
    await store.close();
  }
}

export async function benchIngest(backend: IngestBackend, input: IngestInput, runs: number): Promise<SummaryRow> {
  const { fills, batchSize } = input;
  const all = input.batches.length;
  console.log(
    `\n== ${backend.name} ingest: ${int(fills)} fills in ${all} batches of ${int(batchSize)} (warm-up + median of ${runs})`,
  );
  const warm: Commit[] = [];
  await storePath(backend, 'warm', input, Math.min(5, all), { captured: warm });
  await backend.raw('warm', warm);

  const captured: Commit[] = [];
  const storeTimes: Took[] = [];
  const rawTimes: Took[] = [];
  const memoryTimes: Took[] = [];
  for (let run = 0; run < runs; run++) {
    storeTimes.push(await storePath(backend, String(run), input, all, run === 0 ? { captured } : {}));
    rawTimes.push(await backend.raw(String(run), captured));
    memoryTimes.push(await storePath(backend, `m${run}`, input, all, { discard: true }));
  }
  const wall = (times: Took[]) => times.map((t) => t.ms);
  const cpu = (times: Took[]) => times.map((t) => t.cpuMs);
  const storeMs = median(wall(storeTimes));
  const rawMs = median(wall(rawTimes));
  const memoryMs = median(wall(memoryTimes));
  const percent = (rawMs / storeMs) * 100;
  const met = percent >= TARGET_PERCENT;
  const list = (times: number[]) => times.map((t) => t.toFixed(0)).join(', ');
  const storeCpu = median(cpu(storeTimes));
  const rawCpu = median(cpu(rawTimes));
  console.log(`  rows per run: ${rowTotals(captured.slice(1))}`);
  console.log(
    `  runs: store ${list(wall(storeTimes))} ms; raw ${list(wall(rawTimes))} ms; store path without the database ${list(wall(memoryTimes))} ms`,
  );
  // On a busy machine wall-clock time is mostly waiting for a CPU; this process's CPU time is
  // steadier (it leaves out the fsync waits, the same number on both sides, and a server's work).
  console.log(
    `  CPU of this process: store ${list(cpu(storeTimes))} ms; raw ${list(cpu(rawTimes))} ms; without the database ${list(cpu(memoryTimes))} ms` +
      ` → medians ${((rawCpu / storeCpu) * 100).toFixed(0)}% (raw CPU ÷ store CPU)`,
  );
  console.log(
    `  of the store path: ${ms(memoryMs)} in memory (check, fold, encode, projection rows: measured with commits discarded),` +
      ` ~${ms(Math.max(0, storeMs - memoryMs))} in the database (SQLite: statements prepared once; PostgreSQL: one json_to_recordset statement per table) (raw: ${ms(rawMs)})`,
  );
  console.log(
    `${backend.name} ingest ${int(fills)} fills: store ${ms(storeMs)} (${rate(fills, storeMs)} fills/s), ${backend.rawName} ${ms(rawMs)}` +
      ` (${rate(fills, rawMs)} fills/s) → ${percent.toFixed(0)}% (target ≥ ${TARGET_PERCENT}%: ${met ? 'MET' : 'NOT MET'})`,
  );
  return {
    bench: `${backend.name} ingest ${int(fills)} fills`,
    figure: `store ${rate(fills, storeMs)} fills/s (${ms(storeMs)})`,
    baseline: `raw ${rate(fills, rawMs)} fills/s (${ms(rawMs)})`,
    ratio: `${percent.toFixed(0)}%`,
    target: `≥ ${TARGET_PERCENT}%`,
    status: met ? 'MET' : 'NOT MET',
  };
}
