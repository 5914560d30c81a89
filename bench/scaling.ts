/**
 * Benchmark `scaling` (issue 18): what one read, one append and the fold cost as the work grows —
 * with the length of the history (fills, default 10k and 100k; `--scaling-fills` adds 1M) and
 * with the number of deployments (10, 100, 1,000 over the smallest history).
 *
 * Each configuration is a real `Subledger` on a temporary SQLite file (WAL, synchronous=FULL)
 * with the paper broker, its REST server (`buildServer`) and its gateway (`buildGateway`), both
 * called in process (`inject`). The history is journaled through `LedgerService.append` in large
 * batches: every fill comes with its order (submitted, then filled), deployments trade 20 symbols
 * with sides biased back towards flat, and every symbol is marked at the end. Measured, median of
 * `reps` calls each:
 * - reads right after a commit (a mark is journaled, untimed, before each, so no read is served
 *   from the body the previous one built): GET /deployments/{id}/metrics, /positions, the
 *   gateway's GET /v2/positions;
 * - appends: one order submit (a far limit buy through the risk check, the internal book, the
 *   journal and the paper broker) and one fill commit (`LedgerService.append` of one fill);
 * - the fold: the whole journal folded in memory (`applyJournalEvent`), per event.
 * Target: nothing on a read or an append grows with the length of the history (nor with the
 * number of deployments): largest ÷ smallest cost ≤ 2× for each (the fold per event, likewise).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { simulatedPaperBroker } from '../src/adapters/paper/index.js';
import { openWriterStore } from '../src/adapters/sql/open-store.js';
import { applyJournalEvent, newAccountState } from '../src/app/journal/account-state.js';
import type { JournalEvent } from '../src/app/journal/journal-codec.js';
import { LedgerService } from '../src/app/journal/ledger-service.js';
import { Subledger } from '../src/app/subledger.js';
import { type Dec, ONE, dec } from '../src/core/decimal.js';
import type { DeploymentId, FillId, Symbol } from '../src/core/ids.js';
import { GatewayKeys } from '../src/gateway/keys.js';
import { buildGateway } from '../src/gateway/server.js';
import { buildServer } from '../src/http/server.js';
import { demoSymbols } from '../src/sim/index.js';
import { mulberry32 } from './data.js';
import { type SummaryRow, int, median, now } from './report.js';

export interface ScalingOptions {
  /** History sizes, in fills (each with its order). */
  readonly fills: readonly number[];
  /** Deployment counts, over the smallest history. */
  readonly deployments: readonly number[];
  /** Deployments while the history grows. */
  readonly baseDeployments: number;
  /** Calls per measured operation. */
  readonly reps: number;
}

export const SCALING_DEFAULTS: ScalingOptions = {
  fills: [10_000, 100_000],
  deployments: [10, 100, 1000],
  baseDeployments: 100,
  reps: 200,
};

const TARGET = 2;
const SYMBOLS = demoSymbols(20).map((s) => s.symbol as Symbol);
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const TS = '2025-01-02T14:30:00.000Z';
const cents = (n: number) => (BigInt(n) * (ONE / 100n)) as Dec;
const shares = (n: number) => (BigInt(n) * ONE) as Dec;
const idOf = (d: number) => `d${String(d).padStart(4, '0')}` as DeploymentId;

/** The history: deployments, then each fill with its order submitted and filled; then marks. */
function history(fills: number, deployments: number, prices: number[]): JournalEvent[] {
  const rand = mulberry32(18);
  const events: JournalEvent[] = [];
  for (let d = 0; d < deployments; d++)
    events.push({
      type: 'deployment',
      deployment: idOf(d),
      initialCapital: cents(100_000_000),
      costMethod: d % 2 === 0 ? 'average' : 'fifo',
      name: `bot ${d}`,
      strategy: `s${d % 10}`,
      limits: {},
      ts: TS,
    });
  const held = new Map<string, number>();
  for (let i = 0; i < fills; i++) {
    // d0000, the deployment read, makes every 10th fill whatever the number of deployments, so
    // its own book (20 positions) is alike in every configuration and its history grows with it.
    const d = i % 10 === 0 || deployments === 1 ? 0 : 1 + Math.floor(rand() * (deployments - 1));
    const s = Math.floor(rand() * SYMBOLS.length);
    const key = `${d} ${s}`;
    const qty = held.get(key) ?? 0;
    // Biased back towards flat, so positions keep closing (their lots stay few).
    const side = rand() < (qty > 0 ? 0.65 : qty < 0 ? 0.35 : 0.5) ? 'sell' : 'buy';
    const n = 1 + Math.floor(rand() * 20);
    held.set(key, qty + (side === 'buy' ? n : -n));
    prices[s] = Math.max(100, prices[s]! + Math.floor(rand() * 21) - 10);
    const order = `o${i}`;
    const price = cents(prices[s]!);
    events.push(
      {
        type: 'order_submitted',
        id: order,
        deployment: idOf(d),
        symbol: SYMBOLS[s]!,
        side,
        qty: shares(n),
        orderType: 'market',
        limitPrice: null,
        timeInForce: 'day',
        reservePrice: price,
        idempotencyKey: null,
        ts: TS,
      },
      {
        type: 'order_updated',
        id: order,
        status: 'filled',
        filledQty: shares(n),
        filledAvgPrice: price,
        brokerOrderId: `b${i}`,
        reason: null,
        ts: TS,
      },
      {
        type: 'fill',
        id: `f${i}` as FillId,
        symbol: SYMBOLS[s]!,
        price,
        ts: TS,
        orderId: order,
        legs: [{ deployment: idOf(d), side, qty: shares(n), fee: cents(1), feeCurrency: 'quote' }],
      },
    );
  }
  for (const [s, symbol] of SYMBOLS.entries())
    events.push({ type: 'mark', symbol, price: cents(prices[s]!), ts: TS, source: 'bench' });
  return events;
}

/** Median milliseconds of `reps` calls of `op`, each after an untimed `before`. */
async function timed(reps: number, op: (i: number) => Promise<unknown>, before?: (i: number) => Promise<unknown>) {
  const times: number[] = [];
  for (let i = 0; i < reps + 10; i++) {
    await before?.(i);
    const t0 = now();
    await op(i);
    if (i >= 10) times.push(now() - t0); // the first 10: warm-up
  }
  return median(times);
}

type Costs = Record<string, number>;

/** One configuration's per-operation costs, µs. */
async function measure(fills: number, deployments: number, reps: number): Promise<Costs> {
  const dir = mkdtempSync(join(os.tmpdir(), 'subledger-scaling-'));
  const cleanup: (() => Promise<void>)[] = [];
  try {
    const store = await openWriterStore(join(dir, 'app.db'), 'bench');
    cleanup.unshift(() => store.close());
    const broker = simulatedPaperBroker({ seed: 7, symbols: SYMBOLS.length });
    cleanup.unshift(() => broker.close());
    const service = await LedgerService.load(store, { now: () => broker.clock.now() });
    const app = new Subledger({ service, broker, market: broker, clock: broker.clock, log: () => {} });
    await app.start();
    cleanup.unshift(() => app.stop());
    const prices = SYMBOLS.map((_, i) => 10_000 + i * 500);
    const events = history(fills, deployments, prices);
    const t0 = now();
    for (let i = 0; i < events.length; i += 5000) await service.append(events.slice(i, i + 5000));
    const journaled = now() - t0;

    // The fold twice (the first warms it up), the faster kept.
    let foldUs = Infinity;
    for (let run = 0; run < 2; run++) {
      const fold = now();
      const state = newAccountState();
      for (const event of events) applyJournalEvent(state, event);
      foldUs = Math.min(foldUs, ((now() - fold) * 1000) / events.length);
    }

    const http = buildServer({ api: app, auth: { adminToken: ADMIN_TOKEN, tokenSecret: `${ADMIN_TOKEN}-secret` } });
    cleanup.unshift(() => http.close());
    const keys = GatewayKeys.inMemory();
    const key = await keys.create(idOf(0));
    const gateway = await buildGateway({ app, keys, market: broker, clock: broker.clock });
    cleanup.unshift(() => gateway.close());
    const get = (server: FastifyInstance, url: string, headers: Record<string, string>) => async () => {
      const reply = await server.inject({ method: 'GET', url, headers });
      if (reply.statusCode !== 200) throw new Error(`GET ${url}: ${reply.statusCode} ${reply.body}`);
    };
    let marks = 0;
    const commitMark = async () => {
      const s = marks % SYMBOLS.length;
      await service.append([
        {
          type: 'mark',
          symbol: SYMBOLS[s]!,
          price: cents(prices[s]! + (++marks % 7)),
          ts: TS,
          source: `bench ${marks}`,
        },
      ]);
    };
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const id = idOf(0);
    const costs: Costs = {
      'read metrics': await timed(reps, get(http, `/deployments/${id}/metrics`, admin), commitMark),
      'read positions': await timed(reps, get(http, `/deployments/${id}/positions`, admin), commitMark),
      'read gateway positions': await timed(
        reps,
        get(gateway.fastify, '/v2/positions', { 'APCA-API-KEY-ID': key.keyId, 'APCA-API-SECRET-KEY': key.secret }),
        commitMark,
      ),
      'append order submit': await timed(reps, (i) =>
        app.submitOrder(idOf(i % deployments), {
          symbol: SYMBOLS[i % SYMBOLS.length]!,
          side: 'buy',
          qty: dec('1'),
          type: 'limit',
          limitPrice: dec('1'),
          timeInForce: 'gtc',
        }),
      ),
      'append fill commit': await timed(reps, (i) =>
        service.append([
          {
            type: 'fill',
            id: `x${i}` as FillId,
            symbol: SYMBOLS[i % SYMBOLS.length]!,
            price: cents(prices[i % SYMBOLS.length]!),
            ts: TS,
            legs: [
              { deployment: idOf(i % deployments), side: 'buy', qty: shares(1), fee: cents(1), feeCurrency: 'quote' },
            ],
          },
        ]),
      ),
    };
    for (const k of Object.keys(costs)) costs[k] = costs[k]! * 1000;
    costs['fold, per event'] = foldUs;
    console.log(
      `  ${int(fills)} fills, ${int(deployments)} deployments: journaled ${int(events.length)} events in ${int(journaled)} ms; ` +
        Object.entries(costs)
          .map(([k, v]) => `${k} ${v.toFixed(k.startsWith('fold') ? 2 : 0)} µs`)
          .join(', '),
    );
    return costs;
  } finally {
    for (const close of cleanup) await close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One summary row per operation: its cost at each size and whether the largest ÷ smallest is ≤ 2×. */
function rowsFor(dimension: string, sizes: readonly number[], runs: readonly Costs[]): SummaryRow[] {
  return Object.keys(runs[0]!).map((op) => {
    const costs = runs.map((c) => c[op]!);
    const ratio = Math.max(...costs) / Math.min(...costs);
    const met = ratio <= TARGET;
    const unit = (v: number) => (op.startsWith('fold') ? v.toFixed(2) : v.toFixed(0));
    console.log(
      `scaling ${op} by ${dimension}: ${sizes.map((s, i) => `${int(s)} → ${unit(costs[i]!)} µs`).join(', ')}; largest/smallest ${ratio.toFixed(2)}× (target ≤ ${TARGET}×: ${met ? 'MET' : 'NOT MET'})`,
    );
    return {
      bench: `scaling ${op} by ${dimension}`,
      figure: costs.map((c) => `${unit(c)} µs`).join(' / '),
      baseline: `at ${sizes.map(int).join(' / ')}`,
      ratio: `${ratio.toFixed(2)}×`,
      target: `≤ ${TARGET}×`,
      status: met ? 'MET' : 'NOT MET',
    };
  });
}

export async function benchScaling(options: ScalingOptions = SCALING_DEFAULTS): Promise<SummaryRow[]> {
  console.log(
    `\nscaling: history ${options.fills.map(int).join(', ')} fills (${options.baseDeployments} deployments); deployments ${options.deployments.map(int).join(', ')} (${int(options.fills[0]!)} fills); median of ${options.reps} calls per operation`,
  );
  const byHistory: Costs[] = [];
  for (const fills of options.fills) byHistory.push(await measure(fills, options.baseDeployments, options.reps));
  const byDeployments: Costs[] = [];
  for (const deployments of options.deployments)
    byDeployments.push(await measure(options.fills[0]!, deployments, options.reps));
  return [
    ...rowsFor('history (fills)', options.fills, byHistory),
    ...rowsFor('deployments', options.deployments, byDeployments),
  ];
}
