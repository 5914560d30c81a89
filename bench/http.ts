/**
 * Benchmark `http` (issue 3): the REST API under load. The real application (`Subledger` on a
 * temporary SQLite file with the paper broker, as in test/helpers/app.ts) holds 1,000 deployments
 * × 20 positions, journaled through `LedgerService.append` in large batches and marked; the real
 * server (`buildServer({ api, auth })`) listens on 127.0.0.1. autocannon loads
 * `GET /deployments/{id}/metrics` and `GET /deployments/{id}/positions` (ids rotated over all
 * deployments, admin bearer token) at 50 connections. The baseline is a bare Fastify server in the
 * same process answering the same paths with one fixed body: a real response of median size,
 * serialized by Fastify's default `JSON.stringify` (no auth, no zod, no ledger). Baseline and real
 * runs alternate, after one warm-up of each.
 *
 * autocannon runs in a child process (its programmatic API, driven over IPC), so the load
 * generator does not share the servers' event loop or process (it still shares the machine's
 * cores). The servers' process is otherwise idle during a run, so its CPU time ÷ requests is the
 * CPU each request costs the server: a figure much less sensitive to other load on the machine
 * than req/s, reported alongside (INFO).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { simulatedPaperBroker } from '../src/adapters/paper/index.js';
import { openWriterStore } from '../src/adapters/sql/open-store.js';
import type { JournalEvent } from '../src/app/journal/journal-codec.js';
import { LedgerService } from '../src/app/journal/ledger-service.js';
import { Subledger } from '../src/app/subledger.js';
import { type Dec, ONE } from '../src/core/decimal.js';
import type { DeploymentId, FillId, Symbol } from '../src/core/ids.js';
import { buildServer } from '../src/http/server.js';
import { metricsSchema, positionSchema } from '../src/http/schemas/outputs.js';
import { ReadyBodies } from '../src/http/ready-bodies.js';
import { type SummaryRow, int, median, now } from './report.js';

const TARGET = 0.5;
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const TOKEN_SECRET = 'bench-token-secret-0123456789abcdef';

export interface HttpOptions {
  readonly deployments: number;
  readonly positions: number;
  readonly symbols: number;
  readonly connections: number;
  /** Seconds per timed run. */
  readonly seconds: number;
  /** Timed runs per side and route (alternating). */
  readonly rounds: number;
}

export const HTTP_DEFAULTS: HttpOptions = {
  deployments: 1000,
  positions: 20,
  symbols: 1000,
  connections: 50,
  seconds: 4,
  rounds: 3,
};

/** What the load process reports for one run, plus the server process's CPU time during it. */
export interface Load {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly total: number;
  readonly bad: number;
  /** CPU time of this (the servers') process per completed request, µs. */
  readonly cpuUs: number;
}

export interface LoadJob {
  readonly url: string;
  readonly paths: readonly string[];
  readonly connections: number;
  readonly seconds: number;
  readonly headers: Record<string, string>;
}

/** The load generator: plain JavaScript run by `node -e` in a child process, driven over IPC. */
const LOADER = `
const autocannon = require(process.env.BENCH_AUTOCANNON);
let next = 0;
process.on('message', async (job) => {
  try {
    const paths = job.paths;
    const result = await autocannon({
      url: job.url,
      connections: job.connections,
      duration: job.seconds,
      headers: job.headers,
      requests: [{ method: 'GET', setupRequest: (request) => { request.path = paths[next++ % paths.length]; return request; } }],
    });
    process.send({
      rps: result.requests.total / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      total: result.requests.total,
      bad: result.non2xx + result.errors + result.timeouts,
    });
  } catch (error) {
    process.send({ error: String((error && error.stack) || error) });
  }
});
`;

export class LoadProcess {
  private readonly child: ChildProcess;

  constructor() {
    const autocannon = createRequire(import.meta.url).resolve('autocannon');
    this.child = spawn(process.execPath, ['-e', LOADER], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, BENCH_AUTOCANNON: autocannon },
    });
  }

  run(job: LoadJob): Promise<Load> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`autocannon process exited (${code})`));
      this.child.once('exit', onExit);
      const cpu = process.cpuUsage();
      this.child.once('message', (message: Omit<Load, 'cpuUs'> | { error: string }) => {
        const used = process.cpuUsage(cpu);
        this.child.off('exit', onExit);
        if ('error' in message) reject(new Error(`autocannon: ${message.error}`));
        else resolve({ ...message, cpuUs: (used.user + used.system) / Math.max(1, message.total) });
      });
      this.child.send(job);
    });
  }

  close(): void {
    this.child.kill();
  }
}

/** Seeded mulberry32. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cents = (n: number) => (BigInt(Math.round(n * 100)) * (ONE / 100n)) as Dec;

/**
 * The book: D deployments, each buying PER distinct symbols (one fill with a fee each; a quarter
 * of them also sell part again, so realized P&L is not zero), then one mark per symbol at a
 * slightly different price at the broker clock's time (so marks are fresh, unrealized P&L is not zero).
 */
function bookEvents(
  options: HttpOptions,
  ts: string,
): { events: JournalEvent[]; marks: JournalEvent[]; ids: DeploymentId[] } {
  const rand = prng(7);
  const symbols = Array.from({ length: options.symbols }, (_, i) => `S${String(i).padStart(4, '0')}` as Symbol);
  const prices = symbols.map(() => cents(20 + rand() * 480));
  const events: JournalEvent[] = [];
  const ids: DeploymentId[] = [];
  for (let d = 0; d < options.deployments; d++) {
    const id = `d${String(d).padStart(4, '0')}` as DeploymentId;
    ids.push(id);
    events.push({
      type: 'deployment',
      deployment: id,
      initialCapital: cents(2_000_000),
      costMethod: 'average',
      name: `bot ${d}`,
      strategy: `s${d % 10}`,
      limits: {},
      ts,
    });
    const held = new Set<number>();
    while (held.size < options.positions) held.add(Math.floor(rand() * options.symbols));
    for (const s of [...held].sort((a, b) => a - b)) {
      const shares = 10 + Math.floor(rand() * 190);
      const qty = (BigInt(shares) * ONE) as Dec;
      const fee = cents(shares * 0.005);
      events.push({
        type: 'fill',
        id: `f${d}.${s}` as FillId,
        symbol: symbols[s]!,
        price: prices[s]!,
        ts,
        legs: [{ deployment: id, side: 'buy', qty, fee, feeCurrency: 'quote' }],
      });
      if (rand() < 0.25) {
        const sold = (BigInt(Math.ceil(shares / 3)) * ONE) as Dec;
        events.push({
          type: 'fill',
          id: `f${d}.${s}.s` as FillId,
          symbol: symbols[s]!,
          price: (prices[s]! + cents(1.5)) as Dec,
          ts,
          legs: [{ deployment: id, side: 'sell', qty: sold, fee: cents(0.05), feeCurrency: 'quote' }],
        });
      }
    }
  }
  const marks: JournalEvent[] = symbols.map((symbol, i) => ({
    type: 'mark',
    symbol,
    price: (prices[i]! + cents((rand() - 0.4) * 4)) as Dec,
    ts,
    source: 'bench',
  }));
  return { events, marks, ids };
}

function baselineServer(bodies: { metrics: unknown; positions: unknown }): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/deployments/:id/metrics', async () => bodies.metrics);
  app.get('/deployments/:id/positions', async () => bodies.positions);
  return app;
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** The parsed body of median byte size among `count` ids' responses, and the size range. */
async function typicalBody(
  server: FastifyInstance,
  route: string,
  ids: readonly DeploymentId[],
  count: number,
): Promise<{ body: unknown; bytes: number; min: number; max: number }> {
  const sample: { text: string }[] = [];
  for (let i = 0; i < count; i++) {
    const id = ids[Math.floor((i * ids.length) / count)]!;
    const reply = await server.inject({
      method: 'GET',
      url: `/deployments/${id}/${route}`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    if (reply.statusCode !== 200) throw new Error(`GET /deployments/${id}/${route}: ${reply.statusCode} ${reply.body}`);
    sample.push({ text: reply.body });
  }
  sample.sort((a, b) => a.text.length - b.text.length);
  const mid = sample[sample.length >> 1]!;
  return {
    body: JSON.parse(mid.text) as unknown,
    bytes: Buffer.byteLength(mid.text),
    min: sample[0]!.text.length,
    max: sample.at(-1)!.text.length,
  };
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

export async function benchHttp(options: HttpOptions = HTTP_DEFAULTS): Promise<SummaryRow[]> {
  const dir = mkdtempSync(join(os.tmpdir(), 'subledger-http-'));
  const servers: FastifyInstance[] = [];
  let loader: LoadProcess | undefined;
  let close: (() => Promise<void>) | undefined;
  try {
    console.log(
      `\nhttp: ${int(options.deployments)} deployments × ${options.positions} positions (${int(options.symbols)} symbols) on SQLite + paper broker; ${options.connections} connections, ${options.rounds} × ${options.seconds} s per side and route, alternating`,
    );
    const t0 = now();
    const store = await openWriterStore(join(dir, 'app.db'), 'bench');
    const broker = simulatedPaperBroker({ seed: 7, symbols: 3 });
    const service = await LedgerService.load(store, { now: () => broker.clock.now() });
    const app = new Subledger({
      service,
      broker,
      market: broker,
      clock: broker.clock,
      onError: (e) => console.error('http bench: booking failed', e),
      log: () => {},
    });
    await app.start();
    close = async () => {
      await app.stop();
      await broker.close();
      await store.close();
    };
    const ts = broker.clock.now().toISOString();
    const { events, marks, ids } = bookEvents(options, ts);
    for (let i = 0; i < events.length; i += 5000) await service.append(events.slice(i, i + 5000));
    await service.append(marks);
    console.log(
      `  journaled ${int(events.length + marks.length)} events (deployments, fills, marks) in ${int(now() - t0)} ms`,
    );

    const real = buildServer({ api: app, auth: { adminToken: ADMIN_TOKEN, tokenSecret: TOKEN_SECRET } });
    servers.push(real);
    await real.ready();
    const routes = ['metrics', 'positions'] as const;
    const typical = {
      metrics: await typicalBody(real, 'metrics', ids, 101),
      positions: await typicalBody(real, 'positions', ids, 101),
    };
    const base = baselineServer({ metrics: typical.metrics.body, positions: typical.positions.body });
    servers.push(base);
    const realUrl = await listen(real);
    const baseUrl = await listen(base);
    for (const route of routes) {
      const probe = await fetch(`${baseUrl}/deployments/x/${route}`);
      const bytes = Buffer.byteLength(await probe.text());
      const t = typical[route];
      console.log(
        `  ${route}: real responses ${int(t.min)}–${int(t.max)} bytes (median ${int(t.bytes)}); baseline body ${int(bytes)} bytes`,
      );
    }

    // Where a request's time goes, in process (no HTTP): the ready body a read sends (built once
    // per journal seq, src/http/ready-bodies.ts), and what building it costs after a commit: the
    // view, then its zod check + JSON.
    const id = ids[0]!;
    const views = { metrics: app.metrics(id), positions: app.positions(id) };
    const schemas = { metrics: metricsSchema, positions: positionSchema.array() };
    const ready = new ReadyBodies(app);
    for (const route of routes) {
      const n = route === 'metrics' ? 4000 : 1000;
      const read = perCall(n * 10, () => (route === 'metrics' ? ready.metrics(id) : ready.positions(id)));
      const view = perCall(n, () => (route === 'metrics' ? app.metrics(id) : app.positions(id)));
      const encode = perCall(n, () => JSON.stringify(schemas[route].encode(views[route] as never)));
      console.log(
        `  ${route} in process, per call: ready body ${read.toFixed(2)} µs; building it after a commit: view ${view.toFixed(1)} µs + zod encode and JSON.stringify ${encode.toFixed(1)} µs`,
      );
    }

    loader = new LoadProcess();
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const rows: SummaryRow[] = [];
    for (const route of routes) {
      const paths = ids.map((d) => `/deployments/${d}/${route}`);
      const job = (url: string, seconds: number): LoadJob => ({
        url: `${url}${paths[0]}`,
        paths,
        connections: options.connections,
        seconds,
        headers,
      });
      await loader.run(job(baseUrl, 1));
      await loader.run(job(realUrl, 1));
      const runs: { base: Load[]; real: Load[] } = { base: [], real: [] };
      for (let r = 0; r < options.rounds; r++) {
        runs.base.push(await loader.run(job(baseUrl, options.seconds)));
        runs.real.push(await loader.run(job(realUrl, options.seconds)));
      }
      const bad = [...runs.base, ...runs.real].reduce((s, l) => s + l.bad, 0);
      if (bad > 0) throw new Error(`http ${route}: ${bad} non-2xx responses or errors under load`);
      const rps = { base: median(runs.base.map((l) => l.rps)), real: median(runs.real.map((l) => l.rps)) };
      const p99 = { base: median(runs.base.map((l) => l.p99)), real: median(runs.real.map((l) => l.p99)) };
      const cpu = { base: median(runs.base.map((l) => l.cpuUs)), real: median(runs.real.map((l) => l.cpuUs)) };
      const ratio = rps.real / rps.base;
      const cpuRatio = cpu.base / cpu.real;
      console.log(
        `  runs ${route}: real ${runs.real.map((l) => `${int(l.rps)} req/s p99 ${l.p99} ms`).join(', ')}; baseline ${runs.base.map((l) => `${int(l.rps)} req/s p99 ${l.p99} ms`).join(', ')}`,
      );
      console.log(
        `  server cpu per request ${route}: real ${cpu.real.toFixed(0)} µs, baseline ${cpu.base.toFixed(0)} µs → baseline/real ${(cpuRatio * 100).toFixed(0)}% (the req/s ratio if the server had a core to itself)`,
      );
      const name = `http GET /deployments/{id}/${route}`;
      console.log(
        `${name}: real ${int(rps.real)} req/s (p99 ${p99.real} ms), bare Fastify ${int(rps.base)} req/s (p99 ${p99.base} ms) → ${(ratio * 100).toFixed(0)}% (target ≥ ${TARGET * 100}%: ${ratio >= TARGET ? 'MET' : 'NOT MET'})`,
      );
      rows.push({
        bench: name,
        figure: `${int(rps.real)} req/s, p99 ${p99.real} ms (${int(typical[route].bytes)} B)`,
        baseline: `bare ${int(rps.base)} req/s, p99 ${p99.base} ms`,
        ratio: `${(ratio * 100).toFixed(0)}%`,
        target: `≥ ${TARGET * 100}%`,
        status: ratio >= TARGET ? 'MET' : 'NOT MET',
      });
      rows.push({
        bench: `http ${route}, server cpu per request`,
        figure: `${cpu.real.toFixed(0)} µs`,
        baseline: `bare ${cpu.base.toFixed(0)} µs`,
        ratio: `${(cpuRatio * 100).toFixed(0)}%`,
        target: '(info)',
        status: 'INFO',
      });
    }
    return rows;
  } finally {
    loader?.close();
    for (const server of servers) await server.close();
    await close?.();
    rmSync(dir, { recursive: true, force: true });
  }
}
