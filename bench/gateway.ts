/**
 * Benchmark `gateway` (issue 15): what the Alpaca-compatible gateway costs a bot, against the
 * emulator it stands in front of, in one process on loopback.
 *
 * The setup: the emulator (`startEmulator`, rate limit off, 24 symbols, no crypto, simulated time
 * fixed at the 2025-01-02 open); a real `Subledger` on a temporary SQLite file (WAL,
 * synchronous=FULL, as `serve` opens it) trading through the Alpaca adapter against that emulator
 * (as test/alpaca/subledger.test.ts does; the adapter's 200/min request budget raised out of the
 * way, like the emulator's); and the gateway (`buildGateway`, `GatewayKeys.inMemory()`) over it,
 * listening on 127.0.0.1. Two deployments: `bot` (sends the orders) and `reader` (holds 20
 * positions, bought by market orders the emulator fills).
 *
 * 1. Submit latency. The same far limit buys (1 share at $1.00, gtc, so nothing fills) on 4
 *    symbols, each with a fresh `client_order_id`, sent one at a time (latency, not throughput):
 *    (a) straight to an emulator's `POST /v2/orders` with its keys — a twin of the one Subledger
 *    trades on (same options and seed), because Subledger would book every order sent to its own
 *    emulator as the house's, on this same thread, delaying the direct answer — and (b) through
 *    the gateway with `bot`'s key pair (key check → order body → quote → risk check → internal
 *    book → journal on SQLite → the adapter → the emulator → the broker's answer journaled).
 *    After each request the bench waits, untimed, until the emulator's trade updates are booked,
 *    so no request pays for the previous one's background work. Rounds of `batch` requests
 *    alternate the sides (which side goes first alternates too); between rounds every open order
 *    is cancelled (the bot's through the gateway, the direct ones at the twin), so the books stay
 *    the same size. A warm-up of each side comes first. Reported: p50 and p99 per side, the
 *    overhead (b − a), and, from timers around the store's `commit`, the adapter's `latest`
 *    (quotes) and `submit` (the broker round trip), where a gateway submit's time goes; next to
 *    it, the adapter's calls alone (against the twin, no stream) and the floor of one durable
 *    SQLite commit on the same disk (a one-row transaction through better-sqlite3).
 * 2. Reads. `GET /v2/positions` of `reader` through the gateway (answered from the ledger) vs a
 *    bare Fastify route in the same process answering the same parsed body (Fastify's default
 *    `JSON.stringify` gives the same bytes; checked), both loaded by autocannon in a child process
 *    (bench/http.ts's `LoadProcess`) with the same headers, alternating, after one warm-up each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { RequestBudget } from '../src/adapters/alpaca/index.js';
import { openWriterStore } from '../src/adapters/sql/open-store.js';
import { LedgerService } from '../src/app/journal/ledger-service.js';
import { usEquityHours } from '../src/app/marks/market-hours.js';
import { Subledger } from '../src/app/subledger.js';
import { ZERO, dec } from '../src/core/decimal.js';
import type { ClientOrderId, DeploymentId } from '../src/core/ids.js';
import { type EmulatorOptions, startEmulator } from '../src/emulator/index.js';
import { GatewayKeys } from '../src/gateway/keys.js';
import { type Gateway, buildGateway } from '../src/gateway/server.js';
import { positionWire } from '../src/gateway/wire.js';
import { START, adapterFor, memoryCursors, waitFor } from '../test/alpaca/helpers.js';
import { type Load, type LoadJob, LoadProcess } from './http.js';
import { type SummaryRow, int, median, now } from './report.js';

const P50_TARGET_MS = 1;
const P99_TARGET_MS = 2;
const READ_TARGET = 0.5;
const BOT = 'bot' as DeploymentId;
const READER = 'reader' as DeploymentId;

export interface GatewayBenchOptions {
  /** Timed submits per side. */
  readonly requests: number;
  /** Untimed submits per side first. */
  readonly warmup: number;
  /** Submits per side per round (the sides alternate by round). */
  readonly batch: number;
  /** Positions `reader` holds. */
  readonly positions: number;
  readonly connections: number;
  /** Seconds per read load run. */
  readonly seconds: number;
  /** Read load runs per side (alternating). */
  readonly rounds: number;
}

export const GATEWAY_DEFAULTS: GatewayBenchOptions = {
  requests: 300,
  warmup: 30,
  batch: 50,
  positions: 20,
  connections: 50,
  seconds: 4,
  rounds: 3,
};

/** Nearest-rank percentile of `values` (0 < p ≤ 1). */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const fmt = (msValue: number) => `${msValue.toFixed(2)} ms`;
const signed = (msValue: number) => `${msValue >= 0 ? '+' : '−'}${Math.abs(msValue).toFixed(2)} ms`;

/** Time spent in the wrapped calls while a request is timed: total ms and count per kind, and the intervals. */
class Probe {
  active = false;
  readonly spent = new Map<string, { ms: number; n: number; cpuMs: number }>();
  readonly intervals: [number, number][] = [];

  reset(): void {
    this.spent.clear();
    this.intervals.length = 0;
  }

  of(kind: string): { ms: number; n: number; cpuMs: number } {
    return this.spent.get(kind) ?? { ms: 0, n: 0, cpuMs: 0 };
  }

  /** Milliseconds inside at least one wrapped call (overlaps counted once). */
  covered(): number {
    const sorted = [...this.intervals].sort((x, y) => x[0] - y[0]);
    let total = 0;
    let end = -Infinity;
    for (const [from, to] of sorted) {
      if (to <= end) continue;
      total += to - Math.max(from, end);
      end = to;
    }
    return total;
  }

  /**
   * `fn` timed under `kind` (only while active): wall time, and the process's CPU time meanwhile
   * (anything else the process did in that time included).
   */
  wrap<A extends unknown[], R>(kind: string, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args: A) => {
      if (!this.active) return fn(...args);
      const t = now();
      const cpu = process.cpuUsage();
      try {
        return await fn(...args);
      } finally {
        const end = now();
        const used = process.cpuUsage(cpu);
        const s = this.spent.get(kind) ?? { ms: 0, n: 0, cpuMs: 0 };
        s.ms += end - t;
        s.n += 1;
        s.cpuMs += (used.user + used.system) / 1000;
        this.spent.set(kind, s);
        this.intervals.push([t, end]);
      }
    };
  }
}

/** The floor of one durable commit on this disk: a one-row transaction, WAL + synchronous=FULL. */
function commitFloor(dir: string, n: number): { p50: number; p99: number } {
  const db = new Sqlite(join(dir, 'floor.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('create table t (seq integer primary key, payload text not null)');
    const insert = db.prepare('insert into t (seq, payload) values (?, ?)');
    const payload = 'x'.repeat(400);
    const once = db.transaction((seq: number) => insert.run(seq, payload));
    const times: number[] = [];
    for (let i = 0; i < n + 10; i++) {
      const t = now();
      once(i);
      if (i >= 10) times.push(now() - t);
    }
    return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
  } finally {
    db.close();
  }
}

/** CPU microseconds per call of `fn`: median of 5 batches of `n`, after one warm-up batch. */
function perCall(n: number, fn: () => unknown): number {
  const batches: number[] = [];
  for (let b = 0; b < 6; b++) {
    const cpu = process.cpuUsage();
    for (let i = 0; i < n; i++) fn();
    const used = process.cpuUsage(cpu);
    if (b > 0) batches.push((used.user + used.system) / n);
  }
  return median(batches);
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

export async function benchGateway(options: GatewayBenchOptions = GATEWAY_DEFAULTS): Promise<SummaryRow[]> {
  const dir = mkdtempSync(join(os.tmpdir(), 'subledger-gateway-'));
  /** Undone last first. */
  const cleanup: (() => Promise<void> | void)[] = [];
  try {
    console.log(
      `\ngateway: Subledger (SQLite, WAL + synchronous=FULL, in ${os.tmpdir()}) on the Alpaca adapter → the emulator, in process on loopback`,
    );
    const emulatorOptions: EmulatorOptions = {
      start: START,
      stepMs: 60_000,
      rateLimitPerMinute: false,
      symbols: options.positions + 4,
      crypto: false,
      startingCash: '10000000',
    };
    const emulator = await startEmulator(emulatorOptions);
    cleanup.push(() => emulator.close());
    // Side (a)'s emulator: the same options and seed, but no Subledger listens to its stream. Sent
    // to the one Subledger watches, every direct order is booked (to the house) as it is accepted,
    // and that synchronous SQLite commit, on this same thread, delays the direct answer: it made
    // side (a) ≈ 7 ms slower than the emulator alone in trial runs, hiding most of the overhead.
    const twin = await startEmulator(emulatorOptions);
    cleanup.push(() => twin.close());
    const symbols = emulator.control.venue.symbols;
    const held = symbols.slice(0, options.positions);
    const traded = symbols.slice(options.positions);

    const probe = new Probe();
    const store = await openWriterStore(join(dir, 'app.db'), 'bench');
    cleanup.push(() => store.close());
    store.commit = probe.wrap('commit', store.commit.bind(store));
    const clock = { now: () => new Date(emulator.control.venue.now()) };
    const service = await LedgerService.load(store, clock);
    const errors: unknown[] = [];
    const unlimited = () => new RequestBudget(1_000_000);
    const broker = adapterFor(emulator, memoryCursors(), { budget: unlimited(), dataBudget: unlimited() }, errors);
    cleanup.push(() => broker.close());
    broker.latest = probe.wrap('quotes', broker.latest.bind(broker));
    broker.submit = probe.wrap('broker', broker.submit.bind(broker));
    const app = new Subledger({
      service,
      broker,
      market: broker,
      clock,
      onError: (e) => errors.push(e),
      log: () => {},
    });
    await app.start();
    cleanup.push(() => app.stop());
    await broker.ready();
    const published0 = emulator.control.stats().published;
    const delivered0 = broker.stats().delivered;
    /** Every trade update the emulator published is booked. */
    const settle = async () => {
      const target = emulator.control.stats().published - published0;
      await waitFor(() => broker.stats().delivered - delivered0 >= target, 'trade updates booked', 10_000);
      await broker.idle();
    };

    await app.createDeployment({ id: BOT, initialCapital: dec('1000000') });
    await app.createDeployment({ id: READER, initialCapital: dec('5000000') });
    const keys = GatewayKeys.inMemory();
    const botKey = await keys.create(BOT);
    const readerKey = await keys.create(READER);
    // The account's request budget is raised out of the way, like the emulator's and the adapter's.
    const gateway: Gateway = await buildGateway({
      app,
      keys,
      market: broker,
      clock,
      hours: usEquityHours,
      brokerRequestsPerMinute: 1_000_000,
    });
    cleanup.push(() => gateway.close());
    const gatewayUrl = await gateway.fastify.listen({ host: '127.0.0.1', port: 0 });

    // reader's positions: market buys the emulator fills on its next step.
    for (const [i, symbol] of held.entries())
      await app.submitOrder(READER, {
        symbol,
        side: 'buy',
        qty: dec(String(10 + i)),
        type: 'market',
        timeInForce: 'day',
      });
    for (let i = 0; i < 30 && app.listOrders(READER, { status: 'open', limit: 100 }).length > 0; i++) {
      emulator.control.advance(1);
      await settle();
    }
    await app.markToMarket();
    const positionCount = app.positions(READER).length;
    if (positionCount !== options.positions)
      throw new Error(`gateway: reader holds ${positionCount} positions, expected ${options.positions}`);

    // 1. Submit latency.
    const headersOf = (keyId: string, secret: string) => ({
      'APCA-API-KEY-ID': keyId,
      'APCA-API-SECRET-KEY': secret,
    });
    const emulatorHeaders = headersOf(emulator.keyId, emulator.secretKey);
    const twinHeaders = headersOf(twin.keyId, twin.secretKey);
    const botHeaders = headersOf(botKey.keyId, botKey.secret);
    let sent = 0;
    const post = async (url: string, headers: Record<string, string>): Promise<number> => {
      const i = sent++;
      const body = JSON.stringify({
        symbol: traded[i % traded.length],
        qty: '1',
        side: 'buy',
        type: 'limit',
        limit_price: '1.00',
        time_in_force: 'gtc',
        client_order_id: `bench-${i}`,
      });
      const t = now();
      const response = await fetch(`${url}/v2/orders`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
      });
      const text = await response.text();
      const elapsed = now() - t;
      if (response.status !== 200) throw new Error(`POST ${url}/v2/orders: ${response.status} ${text}`);
      return elapsed;
    };
    const direct: number[] = [];
    const through: number[] = [];
    const parts = {
      commit: [] as number[],
      commitCpu: [] as number[],
      commits: [] as number[],
      quotes: [] as number[],
      quoteCalls: [] as number[],
      broker: [] as number[],
      /** Outside every timed part (overlaps counted once). */
      rest: [] as number[],
    };
    const runSide = async (side: 'direct' | 'gateway', n: number, record: boolean) => {
      for (let i = 0; i < n; i++) {
        if (side === 'direct') {
          const elapsed = await post(twin.url, twinHeaders);
          if (record) direct.push(elapsed);
        } else {
          probe.reset();
          probe.active = record;
          const elapsed = await post(gatewayUrl, botHeaders);
          probe.active = false;
          if (record) {
            through.push(elapsed);
            parts.commit.push(probe.of('commit').ms);
            parts.commitCpu.push(probe.of('commit').cpuMs);
            parts.commits.push(probe.of('commit').n);
            parts.quotes.push(probe.of('quotes').ms);
            parts.quoteCalls.push(probe.of('quotes').n);
            parts.broker.push(probe.of('broker').ms);
            parts.rest.push(elapsed - probe.covered());
          }
        }
        await settle();
      }
    };
    /** Cancels every open order: the bot's through the gateway, the direct ones at the twin. */
    const cancelAll = async () => {
      const mine = await fetch(`${gatewayUrl}/v2/orders`, { method: 'DELETE', headers: botHeaders });
      if (mine.status !== 207) throw new Error(`gateway DELETE /v2/orders: ${mine.status} ${await mine.text()}`);
      await mine.text();
      await settle();
      const theirs = await fetch(`${twin.url}/v2/orders`, { method: 'DELETE', headers: twinHeaders });
      if (theirs.status !== 207) throw new Error(`emulator DELETE /v2/orders: ${theirs.status} ${await theirs.text()}`);
      await theirs.text();
      for (const [at, headers] of [
        [emulator, emulatorHeaders],
        [twin, twinHeaders],
      ] as const) {
        const open = await fetch(`${at.url}/v2/orders?status=open`, { headers });
        const left = (await open.json()) as unknown[];
        if (left.length > 0)
          throw new Error(`gateway: ${left.length} orders still open at an emulator after cancelling`);
      }
    };

    const floor = commitFloor(dir, 200);
    console.log(
      `  submit: ${int(options.requests)} sequential limit buys per side (1 @ $1.00 gtc, ${traded.length} symbols), rounds of ${options.batch} alternating, after ${options.warmup} warm-up each; open orders cancelled between rounds`,
    );
    await runSide('direct', options.warmup, false);
    await runSide('gateway', options.warmup, false);
    await cancelAll();

    // The adapter's own round trips, against the twin with no stream and nothing else running,
    // next to bare fetches of the same requests: what the gateway's broker calls cost by themselves.
    const lone = adapterFor(twin, memoryCursors(), { budget: unlimited(), dataBudget: unlimited() }, errors);
    cleanup.push(() => lone.close());
    const alone = { submit: [] as number[], latest: [] as number[], rawLatest: [] as number[] };
    for (let i = 0; i < 20 + options.batch; i++) {
      const symbol = traded[i % traded.length]!;
      let t = now();
      await lone.submit({
        clientOrderId: `lone-${i}` as ClientOrderId,
        symbol,
        side: 'buy',
        qty: dec('1'),
        type: 'limit',
        limitPrice: dec('1.00'),
        timeInForce: 'gtc',
      });
      const submitted = now() - t;
      t = now();
      await lone.latest([symbol]);
      const latest = now() - t;
      t = now();
      await Promise.all(
        ['trades', 'quotes'].map(async (kind) => {
          const response = await fetch(`${twin.url}/v2/stocks/${kind}/latest?symbols=${symbol}`, {
            headers: twinHeaders,
          });
          await response.text();
        }),
      );
      if (i >= 20) {
        alone.submit.push(submitted);
        alone.latest.push(latest);
        alone.rawLatest.push(now() - t);
      }
    }
    await cancelAll();
    const t0 = now();
    for (let round = 0; direct.length < options.requests || through.length < options.requests; round++) {
      const n = Math.min(options.batch, options.requests - direct.length);
      const order: ('direct' | 'gateway')[] = round % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct'];
      for (const side of order) await runSide(side, n, true);
      await cancelAll();
    }
    const submitSeconds = (now() - t0) / 1000;
    if (errors.length > 0)
      throw new Error(`gateway: ${errors.length} adapter/booking errors, first: ${String(errors[0])}`);

    const a = { p50: percentile(direct, 0.5), p99: percentile(direct, 0.99) };
    const b = { p50: percentile(through, 0.5), p99: percentile(through, 0.99) };
    const over = { p50: b.p50 - a.p50, p99: b.p99 - a.p99 };
    const met = { p50: over.p50 <= P50_TARGET_MS, p99: over.p99 <= P99_TARGET_MS };
    console.log(
      `  straight to the emulator: p50 ${fmt(a.p50)}, p90 ${fmt(percentile(direct, 0.9))}, p99 ${fmt(a.p99)}, max ${fmt(Math.max(...direct))}`,
    );
    console.log(
      `  through the gateway:      p50 ${fmt(b.p50)}, p90 ${fmt(percentile(through, 0.9))}, p99 ${fmt(b.p99)}, max ${fmt(Math.max(...through))}`,
    );
    const commitsPer = median(parts.commits);
    const quoteCalls = median(parts.quoteCalls);
    console.log(
      `  a gateway submit, medians per request: ${commitsPer} journal commits (store.commit) ${fmt(median(parts.commit))} (CPU ${fmt(median(parts.commitCpu))}); ${quoteCalls} quote lookups (adapter latest: GET trades + quotes latest each, at the emulator) ${fmt(median(parts.quotes))}; the broker's POST /v2/orders (adapter submit) ${fmt(median(parts.broker))}; outside all of these (HTTP in and out, key check, body, risk check, book, journal check/encode/fold) ${fmt(median(parts.rest))}`,
    );
    console.log(
      `  p99 of each part: commits ${fmt(percentile(parts.commit, 0.99))}, quotes ${fmt(percentile(parts.quotes, 0.99))}, broker ${fmt(percentile(parts.broker, 0.99))}, outside ${fmt(percentile(parts.rest, 0.99))} (the parts overlap when the stream's report is booked while the POST is in flight)`,
    );
    console.log(
      `  the adapter alone (against the twin, no stream, ${alone.submit.length} each): submit p50 ${fmt(median(alone.submit))} (a bare fetch POST: ${fmt(a.p50)}, side (a)); latest([1 symbol]) p50 ${fmt(median(alone.latest))} (the same 2 GETs by bare fetch in parallel: ${fmt(median(alone.rawLatest))})`,
    );
    console.log(
      `  one durable SQLite commit on this disk (1-row transaction, better-sqlite3, WAL + synchronous=FULL): p50 ${fmt(floor.p50)}, p99 ${fmt(floor.p99)}`,
    );
    console.log(
      `  (${int(direct.length + through.length)} timed submits in ${submitSeconds.toFixed(1)} s, settling included)`,
    );
    const submitName = 'gateway POST /v2/orders';
    console.log(
      `${submitName}: p50 ${fmt(b.p50)} vs ${fmt(a.p50)} straight → ${signed(over.p50)} (target ≤ +${P50_TARGET_MS} ms: ${met.p50 ? 'MET' : 'NOT MET'}); p99 ${fmt(b.p99)} vs ${fmt(a.p99)} → ${signed(over.p99)} (target ≤ +${P99_TARGET_MS} ms: ${met.p99 ? 'MET' : 'NOT MET'})`,
    );

    // 2. Reads.
    const readerHeaders = headersOf(readerKey.keyId, readerKey.secret);
    const probeRead = await fetch(`${gatewayUrl}/v2/positions`, { headers: readerHeaders });
    const realText = await probeRead.text();
    if (probeRead.status !== 200) throw new Error(`gateway GET /v2/positions: ${probeRead.status} ${realText}`);
    const positions = JSON.parse(realText) as unknown[];
    if (positions.length !== options.positions)
      throw new Error(`gateway GET /v2/positions: ${positions.length} positions`);
    const bare = Fastify({ logger: false });
    cleanup.push(() => bare.close());
    bare.get('/v2/positions', async () => positions);
    const bareUrl = await listen(bare);
    const bareText = await (await fetch(`${bareUrl}/v2/positions`)).text();
    const bytes = Buffer.byteLength(realText);
    console.log(
      `  positions: ${options.positions} of reader, ${int(bytes)} bytes; bare route ${int(Buffer.byteLength(bareText))} bytes (${bareText === realText ? 'identical' : 'NOT identical'}); ${options.connections} connections, ${options.rounds} × ${options.seconds} s per side, alternating`,
    );
    const view = perCall(2000, () => app.positions(READER));
    const wire = perCall(2000, () => app.positions(READER).map((p) => positionWire(p, ZERO)));
    const auth = perCall(20000, () => keys.verify(readerKey.keyId, readerKey.secret));
    const stringify = perCall(2000, () => JSON.stringify(positions));
    console.log(
      `  in process, per call: key check ${auth.toFixed(1)} µs; app.positions ${view.toFixed(1)} µs (+ Alpaca wire ${(wire - view).toFixed(1)} µs); JSON.stringify ${stringify.toFixed(1)} µs`,
    );
    const loader = new LoadProcess();
    cleanup.push(() => loader.close());
    const job = (url: string, seconds: number): LoadJob => ({
      url: `${url}/v2/positions`,
      paths: ['/v2/positions'],
      connections: options.connections,
      seconds,
      headers: readerHeaders,
    });
    await loader.run(job(bareUrl, 1));
    await loader.run(job(gatewayUrl, 1));
    const runs: { base: Load[]; real: Load[] } = { base: [], real: [] };
    for (let r = 0; r < options.rounds; r++) {
      runs.base.push(await loader.run(job(bareUrl, options.seconds)));
      runs.real.push(await loader.run(job(gatewayUrl, options.seconds)));
    }
    const bad = [...runs.base, ...runs.real].reduce((s, l) => s + l.bad, 0);
    if (bad > 0) throw new Error(`gateway GET /v2/positions: ${bad} non-2xx responses or errors under load`);
    const rps = { base: median(runs.base.map((l) => l.rps)), real: median(runs.real.map((l) => l.rps)) };
    const p99 = { base: median(runs.base.map((l) => l.p99)), real: median(runs.real.map((l) => l.p99)) };
    const cpu = { base: median(runs.base.map((l) => l.cpuUs)), real: median(runs.real.map((l) => l.cpuUs)) };
    const ratio = rps.real / rps.base;
    const cpuRatio = cpu.base / cpu.real;
    console.log(
      `  runs: gateway ${runs.real.map((l) => `${int(l.rps)} req/s p99 ${l.p99} ms`).join(', ')}; bare ${runs.base.map((l) => `${int(l.rps)} req/s p99 ${l.p99} ms`).join(', ')}`,
    );
    console.log(
      `  server cpu per request: gateway ${cpu.real.toFixed(0)} µs, bare ${cpu.base.toFixed(0)} µs → bare/gateway ${(cpuRatio * 100).toFixed(0)}% (the req/s ratio if the server had a core to itself)`,
    );
    const readName = `gateway GET /v2/positions (${options.positions})`;
    console.log(
      `${readName}: ${int(rps.real)} req/s (p99 ${p99.real} ms), bare Fastify ${int(rps.base)} req/s (p99 ${p99.base} ms) → ${(ratio * 100).toFixed(0)}% (target ≥ ${READ_TARGET * 100}%: ${ratio >= READ_TARGET ? 'MET' : 'NOT MET'})`,
    );
    if (errors.length > 0)
      throw new Error(`gateway: ${errors.length} adapter/booking errors, first: ${String(errors[0])}`);

    return [
      {
        bench: `${submitName} p50`,
        figure: `gateway ${fmt(b.p50)}`,
        baseline: `emulator ${fmt(a.p50)}`,
        ratio: signed(over.p50),
        target: `≤ +${P50_TARGET_MS} ms`,
        status: met.p50 ? 'MET' : 'NOT MET',
      },
      {
        bench: `${submitName} p99`,
        figure: `gateway ${fmt(b.p99)}`,
        baseline: `emulator ${fmt(a.p99)}`,
        ratio: signed(over.p99),
        target: `≤ +${P99_TARGET_MS} ms`,
        status: met.p99 ? 'MET' : 'NOT MET',
      },
      {
        bench: `${submitName}, where p50 goes`,
        figure: `${commitsPer} commits ${fmt(median(parts.commit))}, quotes ${fmt(median(parts.quotes))}, broker ${fmt(median(parts.broker))}, outside ${fmt(median(parts.rest))}`,
        baseline: `1 bare commit ${fmt(floor.p50)}`,
        ratio: '—',
        target: '(info)',
        status: 'INFO',
      },
      {
        bench: readName,
        figure: `${int(rps.real)} req/s, p99 ${p99.real} ms (${int(bytes)} B)`,
        baseline: `bare ${int(rps.base)} req/s, p99 ${p99.base} ms`,
        ratio: `${(ratio * 100).toFixed(0)}%`,
        target: `≥ ${READ_TARGET * 100}%`,
        status: ratio >= READ_TARGET ? 'MET' : 'NOT MET',
      },
      {
        bench: 'gateway positions, server cpu per request',
        figure: `${cpu.real.toFixed(0)} µs`,
        baseline: `bare ${cpu.base.toFixed(0)} µs`,
        ratio: `${(cpuRatio * 100).toFixed(0)}%`,
        target: '(info)',
        status: 'INFO',
      },
    ];
  } finally {
    for (const step of cleanup.reverse()) await step();
    rmSync(dir, { recursive: true, force: true });
  }
}
