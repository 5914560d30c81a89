/**
 * Benchmark `risk`: the in-process pre-trade check `checkOrder` (src/core/risk.ts) on a realistic
 * input — a sleeve with 20 positions and 20 open orders (12 buys, some partly filled, and 8 sells),
 * every limit set (max order notional, max position value, max position % of equity, 30 allowed
 * symbols, no shorting) — timing each call with `process.hrtime.bigint()`. The baseline is the same
 * timing loop around a trivial function (the measurement's own overhead). After a warm-up of each,
 * the timed calls run in alternating chunks of baseline and real, so drift hits both alike.
 *
 * The main case is a buy that passes every check (the common path: it evaluates everything). Two
 * INFO cases: a sell that passes (open sells of the symbol reserve shares) and a buy refused for
 * buying power (the refusal formats its message). One more INFO figure: what the order router
 * computes per order to build the input (`limitsOf` on the stored limits JSON, `valueSleeve` for
 * the equity, `sleeveHoldings`, the open-order filter), timed the same way.
 */
import { type Dec, ONE, ZERO } from '../src/core/decimal.js';
import type { DeploymentId, FillId, Symbol } from '../src/core/ids.js';
import { applyEvent, newLedger } from '../src/core/ledger.js';
import { type OrderState, isOpen } from '../src/core/orders.js';
import { type RiskInput, checkOrder, sleeveHoldings } from '../src/core/risk.js';
import { valueSleeve } from '../src/core/valuation.js';
import { limitsOf } from '../src/app/risk/limits.js';
import { type SummaryRow, collectGarbage, int } from './report.js';

const TARGET_P99_US = 20;
const CHUNKS = 8;

const d = (n: number) => (BigInt(Math.round(n * 100)) * (ONE / 100n)) as Dec;
const DEPLOYMENT = 'momentum' as DeploymentId;
const symbols = Array.from({ length: 30 }, (_, i) => `SYM${String(i).padStart(2, '0')}` as Symbol);
const price = (i: number) => d(40 + ((i * 37) % 23) * 9.25);

function order(
  i: number,
  side: 'buy' | 'sell',
  symbol: Symbol,
  qty: number,
  filled: number,
  reservePrice: Dec,
): OrderState {
  return {
    id: `s.momentum.${i.toString(36)}x${(1e9 + i * 7919).toString(36)}`,
    deployment: DEPLOYMENT,
    symbol,
    side,
    qty: d(qty),
    orderType: i % 3 === 0 ? 'limit' : 'market',
    limitPrice: i % 3 === 0 ? reservePrice : null,
    timeInForce: 'day',
    reservePrice,
    idempotencyKey: null,
    after: null,
    createdAt: '2025-01-06T15:00:00.000Z',
    status: filled > 0 ? 'partially_filled' : 'new',
    filledQty: d(filled),
    filledAvgPrice: filled > 0 ? reservePrice : null,
    brokerOrderId: `b-${i}`,
    reason: null,
    updatedAt: '2025-01-06T15:00:01.000Z',
    cancelRequested: false,
  };
}

/** The sleeve (20 positions) as the ledger holds it, the stored limits JSON, and 20 open orders. */
function scenario() {
  const ledger = newLedger();
  const ts = '2025-01-06T15:00:00.000Z';
  applyEvent(ledger, {
    type: 'deployment',
    deployment: DEPLOYMENT,
    initialCapital: d(1_000_000),
    costMethod: 'average',
    ts,
  });
  for (let i = 0; i < 20; i++) {
    applyEvent(ledger, {
      type: 'fill',
      id: `f${i}` as FillId,
      symbol: symbols[i]!,
      price: price(i),
      ts,
      legs: [{ deployment: DEPLOYMENT, side: 'buy', qty: d(40 + i * 5), fee: d(0.2), feeCurrency: 'quote' }],
    });
    applyEvent(ledger, { type: 'mark', symbol: symbols[i]!, price: (price(i) + d(0.37)) as Dec, ts, source: 'bench' });
  }
  const sleeve = ledger.sleeves.get(DEPLOYMENT)!;
  const limitsJson = {
    max_order_notional: '25000',
    max_position_value: '40000',
    max_position_pct: '25',
    allowed_symbols: [...symbols],
    allow_short: false,
  };
  const orders: OrderState[] = [];
  // 12 open buys (market ones reserve at last × 1.02), 4 of them partly filled; 8 open sells of held symbols.
  for (let i = 0; i < 12; i++)
    orders.push(
      order(i, 'buy', symbols[(i * 7) % 30]!, 10 + i, i % 3 === 1 ? 4 : 0, ((price(i) * 102n) / 100n) as Dec),
    );
  for (let i = 0; i < 8; i++) orders.push(order(12 + i, 'sell', symbols[i * 2]!, 5 + i, 0, price(i * 2)));
  return { ledger, sleeve, limitsJson, orders };
}

function inputs() {
  const { ledger, sleeve, limitsJson, orders } = scenario();
  const equity = valueSleeve(sleeve, ledger.marks).equity;
  const base = {
    deployment: DEPLOYMENT,
    active: true,
    limits: limitsOf(limitsJson),
    cash: sleeve.cash,
    equity,
    holdings: sleeveHoldings(sleeve, ledger.marks),
    openOrders: orders,
  };
  const buySymbol = symbols[17]!;
  const buy: RiskInput = {
    ...base,
    heldQty: sleeve.positions.get(buySymbol)?.qty ?? ZERO,
    symbol: buySymbol,
    side: 'buy',
    qty: d(25),
    price: price(17),
    reservePrice: ((price(17) * 102n) / 100n) as Dec,
  };
  const sellSymbol = symbols[4]!; // held, with an open sell reserving shares
  const sell: RiskInput = {
    ...base,
    heldQty: sleeve.positions.get(sellSymbol)!.qty,
    symbol: sellSymbol,
    side: 'sell',
    qty: d(20),
    price: price(4),
    reservePrice: price(4),
  };
  const refused: RiskInput = { ...buy, cash: d(25_000) };
  const prepare = () => {
    const e = valueSleeve(sleeve, ledger.marks).equity;
    const l = limitsOf(limitsJson);
    const open = orders.filter(isOpen);
    const holdings = sleeveHoldings(sleeve, ledger.marks);
    return e > 0n && l.allowShort === false && holdings.length > 0 ? open : null;
  };
  return { buy, sell, refused, prepare };
}

let sink: unknown;

/** Times each of `n` calls into `out` from `offset` (nanoseconds). */
function timeCalls<T>(fn: (input: T) => unknown, input: T, out: Float64Array, offset: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    sink = fn(input);
    const t1 = process.hrtime.bigint();
    out[offset + i] = Number(t1 - t0);
  }
}

/** A trivial function of the same shape: reads one field of the input and returns an object. */
const TRIVIAL_RESULT = { ok: true, reservedCash: ZERO };
function trivial(input: RiskInput): unknown {
  return input.qty > 0n ? TRIVIAL_RESULT : null;
}

interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
}

function percentiles(samples: Float64Array): Percentiles {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! / 1000;
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999) };
}

/** Warm-up, then `calls` timed calls of `fn` and of the baseline, alternating in chunks. */
function measure<T>(
  fn: (input: T) => unknown,
  input: T,
  baselineInput: T,
  baseline: (input: T) => unknown,
  calls: number,
): { real: Percentiles; base: Percentiles } {
  const warm = new Float64Array(20_000);
  timeCalls(fn, input, warm, 0, warm.length);
  timeCalls(baseline, baselineInput, warm, 0, warm.length);
  const real = new Float64Array(calls);
  const base = new Float64Array(calls);
  const chunk = Math.ceil(calls / CHUNKS);
  collectGarbage();
  for (let c = 0; c < CHUNKS; c++) {
    const offset = c * chunk;
    const n = Math.min(chunk, calls - offset);
    timeCalls(baseline, baselineInput, base, offset, n);
    timeCalls(fn, input, real, offset, n);
  }
  return { real: percentiles(real), base: percentiles(base) };
}

const us = (x: number) => `${x.toFixed(2)} µs`;

export function benchRisk(calls = 200_000): SummaryRow[] {
  console.log(
    `\nrisk: checkOrder on a sleeve with 20 positions, 20 open orders and every limit set; ${int(calls)} timed calls per case after 20,000 warm-up calls`,
  );
  const { buy, sell, refused, prepare } = inputs();
  const check = (input: RiskInput) => checkOrder(input);
  const first = checkOrder(buy);
  const outcomes = [first, checkOrder(sell), checkOrder(refused)];
  if (!outcomes[0]!.ok || !outcomes[1]!.ok || outcomes[2]!.ok)
    throw new Error(
      `risk bench: the scenario does not give pass / pass / refuse: ${outcomes.map((o) => (o.ok ? 'ok' : o.message)).join(' / ')}`,
    );
  const rejection = checkOrder(refused);
  if (!rejection.ok) console.log(`  refused case: ${rejection.message}`);
  const rows: SummaryRow[] = [];
  const cases = [
    { name: 'risk checkOrder, buy passes', input: buy, main: true },
    { name: 'risk checkOrder, sell passes', input: sell, main: false },
    { name: 'risk checkOrder, buy refused', input: refused, main: false },
  ];
  for (const c of cases) {
    const { real, base } = measure(check, c.input, buy, trivial, calls);
    const met = real.p99 <= TARGET_P99_US;
    console.log(
      `${c.name}: p50 ${us(real.p50)}, p99 ${us(real.p99)}, p99.9 ${us(real.p999)}; timing a trivial function: p50 ${us(base.p50)}, p99 ${us(base.p99)} → p50 ${(real.p50 / base.p50).toFixed(1)}×, p99 ${(real.p99 / base.p99).toFixed(1)}×${c.main ? ` (target p99 ≤ ${TARGET_P99_US} µs: ${met ? 'MET' : 'NOT MET'})` : ''}`,
    );
    rows.push({
      bench: c.name,
      figure: `p50 ${us(real.p50)}, p99 ${us(real.p99)}`,
      baseline: `trivial fn p50 ${us(base.p50)}, p99 ${us(base.p99)}`,
      ratio: `${(real.p99 / base.p99).toFixed(1)}× (p99)`,
      target: c.main ? `p99 ≤ ${TARGET_P99_US} µs` : '(info)',
      status: c.main ? (met ? 'MET' : 'NOT MET') : 'INFO',
    });
  }
  const inputsCost = measure(
    () => prepare(),
    0,
    0,
    () => TRIVIAL_RESULT,
    calls,
  );
  console.log(
    `risk inputs the router builds per order (valueSleeve + limitsOf + open-order filter): p50 ${us(inputsCost.real.p50)}, p99 ${us(inputsCost.real.p99)} (trivial p99 ${us(inputsCost.base.p99)})`,
  );
  rows.push({
    bench: 'risk inputs (router, per order)',
    figure: `p50 ${us(inputsCost.real.p50)}, p99 ${us(inputsCost.real.p99)}`,
    baseline: `trivial fn p99 ${us(inputsCost.base.p99)}`,
    ratio: `${(inputsCost.real.p99 / inputsCost.base.p99).toFixed(1)}× (p99)`,
    target: '(info)',
    status: 'INFO',
  });
  void sink;
  return rows;
}
