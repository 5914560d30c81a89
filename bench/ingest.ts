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
  /** Into a fresh migrated database: inserts commits[0] untimed, then times the rest; returns ms. */
  raw(tag: string, commits: readonly Commit[]): Promise<number>;
}

/**
 * The real path on a fresh store; returns the milliseconds spent appending the fill batches.
 * With `discard`, the store receives nothing: the path's in-memory share alone.
 */
async function storePath(
  backend: IngestBackend,
  tag: string,
  input: IngestInput,
  batches: number,
  options: { captured?: Commit[]; discard?: boolean } = {},
): Promise<number> {
  const store = capturingStore(await backend.freshStore(tag), options);
  try {
    const service = await LedgerService.load(store);
    await service.append(input.deployments);
    const start = now();
    for (let i = 0; i < batches; i++) await service.append(input.batches[i]!);
    return now() - start;
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
  const storeTimes: number[] = [];
  const rawTimes: number[] = [];
  const memoryTimes: number[] = [];
  for (let run = 0; run < runs; run++) {
    storeTimes.push(await storePath(backend, String(run), input, all, run === 0 ? { captured } : {}));
    rawTimes.push(await backend.raw(String(run), captured));
    memoryTimes.push(await storePath(backend, `m${run}`, input, all, { discard: true }));
  }
  const storeMs = median(storeTimes);
  const rawMs = median(rawTimes);
  const memoryMs = median(memoryTimes);
  const percent = (rawMs / storeMs) * 100;
  const met = percent >= TARGET_PERCENT;
  const list = (times: number[]) => times.map((t) => t.toFixed(0)).join(', ');
  console.log(`  rows per run: ${rowTotals(captured.slice(1))}`);
  console.log(
    `  runs: store ${list(storeTimes)} ms; raw ${list(rawTimes)} ms; store path without the database ${list(memoryTimes)} ms`,
  );
  console.log(
    `  of the store path: ${ms(memoryMs)} in memory (check, fold, encode, projection rows: measured with commits discarded),` +
      ` ~${ms(Math.max(0, storeMs - memoryMs))} in the database (SQLite: statements prepared once; PostgreSQL: Kysely) (raw: ${ms(rawMs)})`,
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
