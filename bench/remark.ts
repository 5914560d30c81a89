/**
 * Benchmark: one mark-to-market cycle over 20,000 open positions (1,000 deployments × 20, over a
 * universe of 1,000 symbols) on a SQLite file (WAL, synchronous=FULL), through the real path —
 * held symbols, ONE batched quote call, mark events journaled by the ledger service (check, fold,
 * projections) and every sleeve's `deployment_metrics` snapshot, all in one transaction
 * (`PriceUpdater.update` + `Recorder.commitMarks`) — against a baseline of a raw loop that revalues
 * the same positions with plain bigints plus ONE better-sqlite3 transaction inserting exactly the
 * rows the real path wrote (captured), into a copy of the same database.
 * Prints medians, the ratio (target ≤ 5×) and the cycle as a share of the one-minute interval.
 * Not a test: nothing asserts a time.
 *
 *   npx tsx bench/remark.ts [--deployments 1000] [--per 20] [--symbols 1000] [--runs 7]
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Sqlite from 'better-sqlite3';
import { openWriterStore } from '../src/adapters/sql/open-store.js';
import type { MarketDataPort, Quote } from '../src/app/ports/broker-port.js';
import type { JournalEvent } from '../src/app/journal/journal-codec.js';
import { LedgerService } from '../src/app/journal/ledger-service.js';
import type { MarketHours } from '../src/app/marks/market-hours.js';
import { PriceUpdater } from '../src/app/marks/price-updater.js';
import { Recorder } from '../src/app/marks/recorder.js';
import { type Dec, ONE, toPlain } from '../src/core/decimal.js';
import type { DeploymentId, FillId, Symbol } from '../src/core/ids.js';
import { type Commit, capturingStore } from './capture-store.js';
import { commitRows, insertSql, type TableSpec } from './raw-tables.js';
import { median, ms, now } from './report.js';

const { values } = parseArgs({
  options: {
    deployments: { type: 'string' },
    per: { type: 'string' },
    symbols: { type: 'string' },
    runs: { type: 'string' },
  },
});
const D = Number(values.deployments ?? 1000);
const PER = Number(values.per ?? 20);
const S = Number(values.symbols ?? 1000);
const RUNS = Number(values.runs ?? 7);
const INTERVAL_MS = 60_000;

/** Seeded mulberry32, so every run trades the same book. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(42);
const cents = (n: number) => (BigInt(Math.round(n * 100)) * (ONE / 100n)) as Dec;
const symbols = Array.from({ length: S }, (_, i) => `S${String(i).padStart(4, '0')}` as Symbol);
let prices = symbols.map(() => cents(20 + rand() * 480));

let clock = Date.parse('2025-01-06T15:00:00Z');
const at = () => new Date(clock).toISOString();
const market: MarketDataPort = {
  async latest(wanted) {
    const index = new Map(symbols.map((s, i) => [s, i]));
    return new Map(
      wanted.map((s): [Symbol, Quote] => [s, { symbol: s, last: prices[index.get(s)!]!, ts: at(), source: 'bench' }]),
    );
  },
};
const alwaysOpen: MarketHours = { isOpen: () => true, closesBetween: () => [] };

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'subledger-remark-'));
  try {
    console.log(
      `subledger bench remark — ${new Date().toISOString()}; node ${process.version}, ${os.cpus().length} cores, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const file = join(dir, 'store.db');
    const store = await openWriterStore(file, 'bench');
    const captured: Commit[] = [];
    const service = await LedgerService.load(capturingStore(store, { captured }), { now: () => new Date(clock) });

    // The book: D deployments, each holding PER distinct symbols (one buy each).
    const book: { symbol: number; qty: bigint; cost: bigint }[][] = [];
    const setup: JournalEvent[] = [];
    for (let d = 0; d < D; d++) {
      const id = `d${String(d).padStart(4, '0')}` as DeploymentId;
      setup.push({
        type: 'deployment',
        deployment: id,
        initialCapital: cents(1_000_000),
        costMethod: 'average',
        name: id,
        strategy: `s${d % 10}`,
        limits: {},
        ts: at(),
      });
      const held = new Set<number>();
      while (held.size < PER) held.add(Math.floor(rand() * S));
      const positions = [];
      for (const s of [...held].sort((a, b) => a - b)) {
        const qty = BigInt(1 + Math.floor(rand() * 200)) * ONE;
        positions.push({ symbol: s, qty, cost: (qty * prices[s]!) / ONE });
        setup.push({
          type: 'fill',
          id: `f${d}.${s}` as FillId,
          symbol: symbols[s]!,
          price: prices[s]!,
          ts: at(),
          legs: [{ deployment: id, side: 'buy', qty: qty as Dec, fee: 0n as Dec, feeCurrency: 'quote' }],
        });
      }
      book.push(positions);
    }
    for (let i = 0; i < setup.length; i += 5000) await service.append(setup.slice(i, i + 5000));
    const cash = [...Array(D).keys()].map(
      (d) => service.ledger.sleeves.get(`d${String(d).padStart(4, '0')}` as DeploymentId)!.cash as bigint,
    );
    console.log(
      `book: ${D.toLocaleString('en-US')} deployments × ${PER} = ${(D * PER).toLocaleString('en-US')} open positions over ${S.toLocaleString('en-US')} symbols`,
    );

    const updater = new PriceUpdater({
      service,
      market,
      clock: { now: () => new Date(clock) },
      hours: alwaysOpen,
      log: () => {},
    });
    const recorder = new Recorder(service);
    const step = () => {
      clock += INTERVAL_MS;
      prices = prices.map((p) =>
        p + cents((rand() - 0.5) * 0.5) > 0n ? ((p + cents((rand() - 0.5) * 0.5)) as Dec) : p,
      );
    };

    // Warm-up (the recorder's first look reads the whole journal once), then the copy the baseline writes into.
    step();
    await updater.update({ commit: (events) => recorder.commitMarks(events, at()) });
    const rawFile = join(dir, 'raw.db');
    const checkpoint = new Sqlite(file);
    checkpoint.pragma('wal_checkpoint(TRUNCATE)');
    checkpoint.close();
    copyFileSync(file, rawFile);

    const real: number[] = [];
    const cycles: { commit: Commit; prices: Dec[] }[] = [];
    for (let r = 0; r < RUNS; r++) {
      step();
      captured.length = 0;
      const t0 = now();
      const run = await updater.update({ commit: (events) => recorder.commitMarks(events, at()) });
      real.push(now() - t0);
      if (run.marked.length !== S || captured.length !== 1)
        throw new Error(`cycle ${r}: ${run.marked.length} marks in ${captured.length} commits`);
      cycles.push({ commit: captured[0]!, prices: [...prices] });
    }
    const metrics = cycles[0]!.commit.projections.metrics.length;
    const journal = cycles[0]!.commit.journal.length;

    // Baseline: the raw loop over the same positions, then one transaction of the same rows.
    const db = new Sqlite(rawFile);
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
    const raw: number[] = [];
    let checksum = 0n;
    for (const { commit, prices: p } of cycles) {
      const t0 = now();
      for (let d = 0; d < D; d++) {
        let value = 0n;
        let cost = 0n;
        for (const pos of book[d]!) {
          value += (pos.qty * p[pos.symbol]!) / ONE;
          cost += pos.cost;
        }
        const equity = cash[d]! + value;
        checksum += BigInt(toPlain(equity as Dec).length + toPlain((value - cost) as Dec).length);
      }
      write(commit);
      raw.push(now() - t0);
    }
    db.close();
    await store.close();

    const realMs = median(real);
    const rawMs = median(raw);
    const ratio = realMs / rawMs;
    console.log(
      `per cycle: ${journal.toLocaleString('en-US')} marks journaled, ${metrics.toLocaleString('en-US')} snapshot rows, ${(D * PER).toLocaleString('en-US')} positions revalued (checksum ${checksum % 1000n})`,
    );
    console.log(
      `real cycle  (PriceUpdater + Recorder, one transaction): median ${ms(realMs)}  [${real.map((x) => x.toFixed(0)).join(', ')}]`,
    );
    console.log(
      `baseline    (raw bigint loop + one better-sqlite3 tx):   median ${ms(rawMs)}  [${raw.map((x) => x.toFixed(0)).join(', ')}]`,
    );
    console.log(
      `ratio ${ratio.toFixed(2)}× (target ≤ 5×: ${ratio <= 5 ? 'MET' : 'NOT MET'}); the cycle is ${((realMs / INTERVAL_MS) * 100).toFixed(2)} % of the one-minute interval (target < 1 %: ${realMs < INTERVAL_MS / 100 ? 'MET' : 'NOT MET'})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
