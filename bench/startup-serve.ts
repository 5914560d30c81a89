/**
 * Benchmark `startup`, the serving part (issue 17): how long a real `subledger serve` child
 * process takes until GET /ready answers 200, on an empty SQLite store (the baseline, measured in
 * the same run) and on a journal of `events` entries (default 1,000,000; `--startup-events N`),
 * without a checkpoint and with one; and on PostgreSQL how long a standby takes to catch up 10,000
 * events a writer commits while it follows. Target for each: within 3× the empty start-up.
 *
 * The journal is written directly through the ledger service in batches of 5,000 (what the writer
 * does, without the broker): 100 deployments, then fills (9 in 10) and marks (1 in 10) over 20
 * symbols, spread evenly over 500 trading days from Monday 2023-01-02 (so a start also finds ~500
 * missed day closes: recorded after the process is ready). Each timed start runs with
 * `--broker paper --symbols 20` (the journal's symbols) on a fixed port, polled every 20 ms; then
 * SIGTERM and wait for the exit (which frees the lease). "Without a checkpoint" runs before one is
 * written, with SUBLEDGER_CHECKPOINT_EVENTS=0 and SUBLEDGER_CHECKPOINT_SECONDS=0 so the process
 * writes none; then the bench writes the checkpoint of the journal's state (as the writer's
 * `Checkpointer` does) and the "with" runs follow. Before every start the day-close cursor is
 * moved back to the journal's start, so every start finds every close missed; one more start
 * prints how long after ready they were all recorded (in the background).
 *
 * The standby: the bench process takes the lease of a fresh PostgreSQL schema (a long TTL, so the
 * standby never takes over), starts `serve` there (it finds the lease held: a standby), waits
 * until it is ready, commits 10,000 events in 100 commits, and times from the last commit until
 * the standby's /health reports the same seq. Then, with that standby stopped, it writes a
 * checkpoint, commits 10,000 more, and times a new standby from spawn until it is ready on that seq.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { openWriterStore } from '../src/adapters/sql/open-store.js';
import { CHECKPOINT_FORMAT, encodeState } from '../src/app/journal/checkpoint.js';
import type { JournalEvent } from '../src/app/journal/journal-codec.js';
import { LedgerService } from '../src/app/journal/ledger-service.js';
import { LAST_CLOSE_CURSOR } from '../src/app/marks/scheduler.js';
import type { StorePort } from '../src/app/ports/store-port.js';
import { type Dec, ONE } from '../src/core/decimal.js';
import type { DeploymentId, FillId, Symbol } from '../src/core/ids.js';
import { demoSymbols } from '../src/sim/index.js';
import { mulberry32 } from './data.js';
import { type SummaryRow, int, median, now } from './report.js';

export const SERVE_STARTUP_DEFAULTS = { events: 1_000_000, runs: 3, standbyEvents: 10_000 } as const;

const ROOT = resolve(import.meta.dirname, '..');
const TARGET = 3;
const DEPLOYMENTS = 100;
const SYMBOLS = demoSymbols(20).map((s) => s.symbol as Symbol);
const TRADING_DAYS = 500;
const FIRST_DAY = Date.parse('2023-01-02T00:00:00Z');
const SESSION_OPEN_MS = (14 * 60 + 30) * 60_000;
const SESSION_MS = 390 * 60_000;
const BATCH = 5000;
const ADMIN_TOKEN = 'bench-startup-admin-token-0123456789';

const cents = (n: number) => (BigInt(n) * (ONE / 100n)) as Dec;
const shares = (n: number) => (BigInt(n) * ONE) as Dec;
const idOf = (d: number) => `d${String(d).padStart(3, '0')}` as DeploymentId;

/** Weekdays from FIRST_DAY, as the ms of their midnight (UTC). */
function tradingDays(n: number): number[] {
  const days: number[] = [];
  for (let t = FIRST_DAY; days.length < n; t += 86_400_000) {
    const weekday = new Date(t).getUTCDay();
    if (weekday >= 1 && weekday <= 5) days.push(t);
  }
  return days;
}

/** The journal in batches: deployments first, then fills and marks in time order (seeded, so every run is the same). */
export function* journalBatches(events: number, days = TRADING_DAYS): Generator<JournalEvent[]> {
  const rand = mulberry32(17);
  const dayStarts = tradingDays(days);
  const first = new Date(dayStarts[0]! + SESSION_OPEN_MS).toISOString();
  let batch: JournalEvent[] = [];
  for (let d = 0; d < DEPLOYMENTS; d++)
    batch.push({
      type: 'deployment',
      deployment: idOf(d),
      initialCapital: cents(100_000_000),
      costMethod: d % 2 === 0 ? 'average' : 'fifo',
      name: `bot ${d}`,
      strategy: `s${d % 10}`,
      limits: {},
      ts: first,
    });
  const prices = SYMBOLS.map((_, i) => 10_000 + i * 500);
  const held = new Int32Array(DEPLOYMENTS * SYMBOLS.length);
  const rest = Math.max(0, events - DEPLOYMENTS);
  for (let i = 0; i < rest; i++) {
    const day = Math.floor((i * days) / rest);
    const perDay = Math.ceil(rest / days);
    const ts = new Date(dayStarts[day]! + Math.floor(((i % perDay) * SESSION_MS) / perDay)).toISOString();
    const s = Math.floor(rand() * SYMBOLS.length);
    prices[s] = Math.max(100, prices[s]! + Math.floor(rand() * 21) - 10);
    if (i % 10 === 9) batch.push({ type: 'mark', symbol: SYMBOLS[s]!, price: cents(prices[s]!), ts, source: 'bench' });
    else {
      const d = Math.floor(rand() * DEPLOYMENTS);
      const slot = d * SYMBOLS.length + s;
      // Biased back towards flat, so positions keep closing (their lots stay few).
      const side = rand() < (held[slot]! > 0 ? 0.65 : held[slot]! < 0 ? 0.35 : 0.5) ? 'sell' : 'buy';
      const n = 1 + Math.floor(rand() * 20);
      held[slot] = held[slot]! + (side === 'buy' ? n : -n);
      batch.push({
        type: 'fill',
        id: `f${i}` as FillId,
        symbol: SYMBOLS[s]!,
        price: cents(prices[s]!),
        ts,
        legs: [{ deployment: idOf(d), side, qty: shares(n), fee: cents(1), feeCurrency: 'quote' }],
      });
    }
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** A free TCP port on loopback. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

interface Serving {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stderr: () => string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** Spawns `serve` on `db` and resolves once GET /ready answers 200, with the wall time it took. */
async function serveUntilReady(
  cli: string,
  db: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 600_000,
): Promise<{ ms: number; serving: Serving }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = now();
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--db', db, '--port', String(port), '--broker', 'paper', '--symbols', String(SYMBOLS.length)],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        NODE_OPTIONS: undefined,
        SUBLEDGER_DB: undefined,
        SUBLEDGER_LOG_LEVEL: 'warn',
        SUBLEDGER_ADMIN_TOKEN: ADMIN_TOKEN,
        ...env,
      },
    },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-200_000)));
  let exited = false;
  const exit = new Promise<void>((done) => child.once('close', () => ((exited = true), done())));
  const serving: Serving = {
    child,
    url,
    stderr: () => stderr,
    async stop() {
      if (!exited) child.kill('SIGTERM');
      await exit;
    },
  };
  for (;;) {
    if (exited) throw new Error(`serve on ${db} exited before it was ready:\n${stderr}`);
    if (now() - started > timeoutMs) {
      await serving.stop();
      throw new Error(`serve on ${db} not ready after ${timeoutMs} ms:\n${stderr}`);
    }
    const status = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return { ms: now() - started, serving };
    await new Promise((done) => setTimeout(done, 20));
  }
}

/** Journals `events` entries into the store at `target` (the bench holds the lease meanwhile). */
async function writeJournal(target: string, events: number): Promise<number> {
  const store = await openWriterStore(target, 'bench');
  try {
    const service = await LedgerService.load(store);
    for (const batch of journalBatches(events)) await service.append(batch);
    return service.lastSeq;
  } finally {
    await store.close();
  }
}

/** Writes the checkpoint of the journal's state at its last seq, as the writer's `Checkpointer` does. */
async function writeCheckpoint(target: string): Promise<number> {
  const store = await openWriterStore(target, 'bench');
  try {
    const service = await LedgerService.load(store, { checkpoint: false });
    const [last] = await store.readJournal(service.lastSeq - 1, 1);
    await store.writeCheckpoint!({
      seq: service.lastSeq,
      key: last!.key,
      format: CHECKPOINT_FORMAT,
      state: encodeState(service.state, service.latestEventMs),
      writtenAt: new Date().toISOString(),
    });
    return service.lastSeq;
  } finally {
    await store.close();
  }
}

/** Moves the day-close cursor back before the journal's first close, so a start finds every close missed. */
async function forgetCloses(target: string): Promise<void> {
  const store: StorePort = await openWriterStore(target, 'bench');
  try {
    await store.setCursor(LAST_CLOSE_CURSOR, new Date(FIRST_DAY).toISOString());
  } finally {
    await store.close();
  }
}

const NO_CHECKPOINTS = { SUBLEDGER_CHECKPOINT_EVENTS: '0', SUBLEDGER_CHECKPOINT_SECONDS: '0' };

/**
 * Once more from the checkpoint, for the record: how long after the process is ready its
 * scheduler has recorded every missed day close (in the background; before issue 17 this was part
 * of the start-up). Read from its log line "day close recorded: N closes, …".
 */
async function closesInBackground(cli: string, db: string): Promise<void> {
  await forgetCloses(db);
  const { ms, serving } = await serveUntilReady(cli, db, { ...NO_CHECKPOINTS, SUBLEDGER_LOG_LEVEL: 'info' });
  const ready = now();
  try {
    for (;;) {
      const done = /day close recorded: (\d+) closes/.exec(serving.stderr());
      if (done) {
        console.log(
          `  from the checkpoint: ready in ${int(ms)} ms; its ${int(Number(done[1]))} missed day closes recorded ${int(now() - ready)} ms later, in the background`,
        );
        return;
      }
      if (serving.child.exitCode !== null || now() - ready > 600_000)
        throw new Error(`serve did not record the missed closes:\n${serving.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await serving.stop();
  }
}

/** One start of `serve` until ready, then stopped; returns its wall time. */
async function timedStart(cli: string, db: string, env: NodeJS.ProcessEnv = {}): Promise<number> {
  const { ms, serving } = await serveUntilReady(cli, db, env);
  await serving.stop();
  return ms;
}

function row(name: string, figure: number, base: number): SummaryRow {
  const ratio = figure / base;
  const status = ratio <= TARGET ? 'MET' : 'NOT MET';
  console.log(
    `${name}: ${int(figure)} ms, empty journal ${int(base)} ms → ${ratio.toFixed(2)}× (target ≤ ${TARGET}×: ${status})`,
  );
  return {
    bench: `startup: ${name}`,
    figure: `${int(figure)} ms`,
    baseline: `empty journal ${int(base)} ms`,
    ratio: `${ratio.toFixed(2)}×`,
    target: `≤ ${TARGET}×`,
    status,
  };
}

export interface ServeStartupOptions {
  readonly events: number;
  readonly runs: number;
  readonly standbyEvents: number;
  readonly cli: string;
  readonly pgUrl: string;
}

export async function benchServeStartup(options: ServeStartupOptions): Promise<SummaryRow[]> {
  const { events, runs, cli } = options;
  const dir = mkdtempSync(join(os.tmpdir(), 'subledger-serve-startup-'));
  try {
    const empty = join(dir, 'empty.db');
    const full = join(dir, 'journal.db');
    console.log(`\nstartup of \`serve\` until /ready: journal of ${int(events)} events (target size 1,000,000)`);
    let t0 = now();
    const lastSeq = await writeJournal(full, events);
    console.log(
      `  journal of ${int(lastSeq)} events written in ${int(now() - t0)} ms (${DEPLOYMENTS} deployments, ${TRADING_DAYS} trading days)`,
    );
    await timedStart(cli, empty); // warm-up: creates the empty store, its tokens; file cache
    const base: number[] = [];
    const without: number[] = [];
    const withCheckpoint: number[] = [];
    for (let r = 0; r < runs; r++) {
      base.push(await timedStart(cli, empty, NO_CHECKPOINTS));
      await forgetCloses(full);
      without.push(await timedStart(cli, full, NO_CHECKPOINTS));
    }
    t0 = now();
    const at = await writeCheckpoint(full);
    console.log(`  checkpoint at seq ${int(at)} written in ${int(now() - t0)} ms (a fold and an encoding)`);
    for (let r = 0; r < runs; r++) {
      base.push(await timedStart(cli, empty, NO_CHECKPOINTS));
      await forgetCloses(full);
      withCheckpoint.push(await timedStart(cli, full, NO_CHECKPOINTS));
    }
    await closesInBackground(cli, full);
    const list = (xs: number[]) => xs.map((x) => int(x)).join(', ');
    console.log(
      `  runs (ms): empty ${list(base)}; without a checkpoint ${list(without)}; with one ${list(withCheckpoint)}`,
    );
    const baseMs = median(base);
    const rows = [
      row(`serve ready, ${int(events)} events, no checkpoint`, median(without), baseMs),
      row(`serve ready, ${int(events)} events, from a checkpoint`, median(withCheckpoint), baseMs),
    ];
    rows.push(...(await standbyCatchUp(options, baseMs)));
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls the process's /health until its seq is `target` (or the process exits). */
async function untilSeq(serving: Serving, target: number): Promise<void> {
  for (;;) {
    const health = (await (await fetch(`${serving.url}/health`)).json()) as { cluster?: { seq: number } };
    if ((health.cluster?.seq ?? 0) >= target) return;
    if (serving.child.exitCode !== null) throw new Error(`the standby exited:\n${serving.stderr()}`);
    await new Promise((done) => setTimeout(done, 5));
  }
}

/**
 * A standby on PostgreSQL, as rows against `baseMs` (SKIPPED when no server answers): (1) it follows
 * while the writer (this process) commits `standbyEvents` events in 100 commits, timed from the
 * last commit until its /health reports that seq; (2) a standby started when the journal holds
 * `standbyEvents` events after the latest checkpoint, timed from spawn until it is ready and on
 * the writer's seq.
 */
async function standbyCatchUp(options: ServeStartupOptions, baseMs: number): Promise<SummaryRow[]> {
  const n = int(options.standbyEvents);
  const names = [`standby follows ${n} events (PostgreSQL)`, `standby start, ${n} events after the checkpoint`];
  const schema = `bench_standby_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: options.pgUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    console.log(`standby: skipped, PostgreSQL does not answer (${(error as Error).message})`);
    return names.map((name) => ({
      bench: `startup: ${name}`,
      figure: '-',
      baseline: '-',
      ratio: '-',
      target: `≤ ${TARGET}×`,
      status: 'SKIPPED' as const,
    }));
  }
  const url = new URL(options.pgUrl);
  url.searchParams.set('schema', schema);
  const db = url.toString();
  let serving: Serving | undefined;
  // The bench is the writer: a lease that outlives the run, so the standby never takes over.
  const store = await openWriterStore(db, 'bench', { settings: { ttlMs: 3_600_000, renewMs: 1_200_000 } });
  try {
    const service = await LedgerService.load(store);
    const all = [...journalBatches(DEPLOYMENTS + 2 * options.standbyEvents)].flat();
    await service.append(all.slice(0, DEPLOYMENTS));
    const followed = all.slice(DEPLOYMENTS, DEPLOYMENTS + options.standbyEvents);
    const later = all.slice(DEPLOYMENTS + options.standbyEvents);
    await store.setCursor('auth.admin_token', ADMIN_TOKEN); // what a writer keeps; the standby waits for them
    await store.setCursor('auth.token_secret', randomBytes(24).toString('base64url'));
    const commit = async (events: readonly JournalEvent[]) => {
      const per = Math.ceil(events.length / 100);
      for (let i = 0; i < events.length; i += per) await service.append(events.slice(i, i + per));
    };

    const started = await serveUntilReady(options.cli, db, {});
    serving = started.serving;
    const first = now();
    await commit(followed);
    const last = now();
    await untilSeq(serving, service.lastSeq);
    const follow = now() - last;
    console.log(
      `  standby ready in ${int(started.ms)} ms; ${n} events committed in 100 commits (${int(last - first)} ms); ` +
        `it reached seq ${int(service.lastSeq)} ${int(follow)} ms after the last commit`,
    );
    await serving.stop();
    serving = undefined;

    const [key] = await store.readJournal(service.lastSeq - 1, 1);
    await store.writeCheckpoint!({
      seq: service.lastSeq,
      key: key!.key,
      format: CHECKPOINT_FORMAT,
      state: encodeState(service.state, service.latestEventMs),
      writtenAt: new Date().toISOString(),
    });
    await commit(later);
    const restarted = await serveUntilReady(options.cli, db, {});
    serving = restarted.serving;
    const spawned = now() - restarted.ms;
    await untilSeq(serving, service.lastSeq);
    const restart = now() - spawned;
    console.log(
      `  a standby started ${n} events after the checkpoint: ready and on seq ${int(service.lastSeq)} in ${int(restart)} ms`,
    );
    return [row(names[0]!, follow, baseMs), row(names[1]!, restart, baseMs)];
  } finally {
    await serving?.stop();
    await store.close();
    await admin.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await admin.end();
  }
}
