/**
 * Benchmark 1: replaying fills through the real core fold (`applyEvent` over `FillBooked` events,
 * exact bigint decimals) against the same fold in plain JS numbers (bench/number-fold.ts), on the
 * same generated fills. Parsing the decimal strings is timed separately.
 *
 * Each side runs in its own phase with only its own events alive (the raw strings stay alive for
 * both), so neither pays the garbage collector for the other's data: parse (warm-up + 3 runs), then
 * fold (warm-up + 3 runs), a full GC before every timed run, the median reported.
 */
import { toPlain } from '../src/core/decimal.js';
import type { LedgerEvent } from '../src/core/events.js';
import { type Ledger, applyEvent, newLedger } from '../src/core/ledger.js';
import { type Dataset, deploymentEvents, fillEvent, numberDeployments, numberFill } from './data.js';
import { type NumEvent, type NumLedger, newNumLedger, numApplyEvent } from './number-fold.js';
import { type SummaryRow, collectGarbage, int, median, ms, now, rate } from './report.js';

const TARGET = 1.5;

/** What the sanity check compares: cash per deployment, and per position whether flat and its lot count. */
interface Shape {
  readonly cash: Map<string, number>;
  readonly positions: Map<string, string>;
}

interface Timing {
  /** Median wall-clock milliseconds. */
  readonly ms: number;
  /** Median CPU milliseconds of the process (user + system, GC threads included). */
  readonly cpuMs: number;
  readonly runs: number[];
}

/** Warm-up once, then `runs` timed runs after a full GC each; `keep` sees the last run's result. */
function timed<T>(runs: number, fn: () => T, keep?: (result: T) => void): Timing {
  fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    collectGarbage();
    const cpuStart = process.cpuUsage();
    const start = now();
    const result = fn();
    wall.push(now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
    if (i === runs - 1) keep?.(result);
  }
  return { ms: median(wall), cpuMs: median(cpu), runs: wall };
}

function coreFold(events: readonly LedgerEvent[]): Ledger {
  const ledger = newLedger();
  for (const event of events) applyEvent(ledger, event);
  return ledger;
}

function numberFold(events: readonly NumEvent[]): NumLedger {
  const ledger = newNumLedger();
  for (const event of events) numApplyEvent(ledger, event);
  return ledger;
}

function coreShape(ledger: Ledger): Shape {
  const shape: Shape = { cash: new Map(), positions: new Map() };
  for (const [id, sleeve] of ledger.sleeves) {
    // Comparison only: the exact cash printed, then read as a float to compare with the baseline.
    shape.cash.set(id, Number(toPlain(sleeve.cash)));
    for (const [symbol, pos] of sleeve.positions)
      shape.positions.set(`${id} ${symbol}`, `${pos.qty === 0n} ${pos.lots.length}`);
  }
  return shape;
}

function numberShape(ledger: NumLedger): Shape {
  const shape: Shape = { cash: new Map(), positions: new Map() };
  for (const [id, sleeve] of ledger.sleeves) {
    shape.cash.set(id, sleeve.cash);
    for (const [symbol, pos] of sleeve.positions)
      shape.positions.set(`${id} ${symbol}`, `${pos.qty === 0} ${pos.lots.length}`);
  }
  return shape;
}

/** Same work done? Final cash per deployment within 1e-6, and the same open positions and lots. */
function agreement(core: Shape, num: Shape) {
  let agreeing = 0;
  let maxDiff = 0;
  for (const [id, cash] of core.cash) {
    const diff = Math.abs(cash - (num.cash.get(id) ?? Number.NaN));
    maxDiff = Math.max(maxDiff, Number.isNaN(diff) ? Infinity : diff);
    if (diff <= 1e-6) agreeing++;
  }
  let sameShape = core.positions.size === num.positions.size;
  for (const [key, value] of core.positions) if (num.positions.get(key) !== value) sameShape = false;
  return {
    checked: core.cash.size,
    agreeing,
    maxDiff,
    sameShape,
    ok: agreeing === core.cash.size && agreeing === num.cash.size && sameShape,
  };
}

export function benchFold(data: Dataset, runs = 3): SummaryRow[] {
  const n = data.fills.length;
  console.log(
    `\n== 1. fold: ${int(n)} fills, ${data.deployments.length} deployments × 20 symbols (warm-up + median of ${runs})`,
  );

  // Phase A, BASELINE: binary floats.
  let numEvents: NumEvent[] = [];
  const numParse = timed(
    runs,
    () => data.fills.map(numberFill),
    (fills) => (numEvents = [...numberDeployments(data), ...fills]),
  );
  let numShape: Shape | undefined;
  const num = timed(
    runs,
    () => numberFold(numEvents),
    (ledger) => (numShape = numberShape(ledger)),
  );
  numEvents = [];

  // Phase B, the core: exact decimals.
  let events: LedgerEvent[] = [];
  const parse = timed(
    runs,
    () => data.fills.map(fillEvent),
    (fills) => (events = [...deploymentEvents(data), ...fills]),
  );
  let shape: Shape | undefined;
  const core = timed(
    runs,
    () => coreFold(events),
    (ledger) => (shape = coreShape(ledger)),
  );
  events = [];

  const ratio = core.ms / num.ms;
  const met = ratio <= TARGET;
  const check = agreement(shape!, numShape!);
  console.log(
    `fold ${int(n)} fills: core ${ms(core.ms)} (${rate(n, core.ms)} fills/s), number baseline ${ms(num.ms)} (${rate(n, num.ms)} fills/s)` +
      ` → ${ratio.toFixed(2)}× (target ≤ ${TARGET}×: ${met ? 'MET' : 'NOT MET'})`,
  );
  console.log(
    `  runs: core ${core.runs.map((t) => t.toFixed(0)).join(', ')} ms; number ${num.runs.map((t) => t.toFixed(0)).join(', ')} ms`,
  );
  console.log(
    `  cpu time (median): core ${ms(core.cpuMs)}, number ${ms(num.cpuMs)} → ${(core.cpuMs / num.cpuMs).toFixed(2)}×` +
      ' (less sensitive than wall time to other load on the machine)',
  );
  console.log(
    `parse ${int(n)} fills (parseDec × 3 decimals each, building FillBooked): ${ms(parse.ms)} (${rate(n, parse.ms)} fills/s);` +
      ` Number() for the baseline: ${ms(numParse.ms)} → ${(parse.ms / numParse.ms).toFixed(2)}×`,
  );
  console.log(
    `sanity: final cash agrees within 1e-6 for ${check.agreeing}/${check.checked} deployments (max |Δ| ${check.maxDiff.toExponential(2)}),` +
      ` same flat/open positions and lot counts: ${check.sameShape ? 'yes' : 'NO'}`,
  );
  return [
    {
      bench: `fold ${int(n)} fills`,
      figure: `core ${ms(core.ms)} (${rate(n, core.ms)} fills/s)`,
      baseline: `number ${ms(num.ms)} (${rate(n, num.ms)} fills/s)`,
      ratio: `${ratio.toFixed(2)}×`,
      target: `≤ ${TARGET}×`,
      status: met ? 'MET' : 'NOT MET',
    },
    {
      bench: `fold ${int(n)} fills, cpu time`,
      figure: `core ${ms(core.cpuMs)}`,
      baseline: `number ${ms(num.cpuMs)}`,
      ratio: `${(core.cpuMs / num.cpuMs).toFixed(2)}×`,
      target: '(info)',
      status: 'INFO',
    },
    {
      bench: `parse ${int(n)} fills`,
      figure: `parseDec ${ms(parse.ms)} (${rate(n, parse.ms)} fills/s)`,
      baseline: `Number() ${ms(numParse.ms)}`,
      ratio: `${(parse.ms / numParse.ms).toFixed(2)}×`,
      target: '(info)',
      status: 'INFO',
    },
    {
      bench: 'fold sanity',
      figure: `cash ${check.agreeing}/${check.checked} within 1e-6 (max |Δ| ${check.maxDiff.toExponential(1)})`,
      baseline: check.sameShape ? 'same flats and lots' : 'flats/lots DIFFER',
      ratio: '—',
      target: 'all agree',
      status: check.ok ? 'MET' : 'FAILED',
    },
  ];
}
