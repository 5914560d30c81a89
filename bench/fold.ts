/**
 * Benchmark 1: replaying fills through the real core fold (`applyEvent` over `FillBooked` events,
 * exact bigint decimals) against two baselines on the same generated fills: the same fold in plain
 * JS numbers (bench/number-fold.ts) and the ceiling — the same rules written only for speed, in
 * bigint (bench/ceiling-fold.ts). Parsing the decimal strings is timed separately.
 *
 * Each side runs in its own phase with only its own events alive (the raw strings stay alive for
 * all), so none pays the garbage collector for another's data: parse (warm-up + 3 runs), then
 * fold (warm-up + 3 runs), a full GC before every timed run, the median reported. Then, untimed,
 * each side's figures are read from one more fold and compared (bench/fold-agreement.ts): core
 * and ceiling exactly, the float baseline within a tolerance.
 */
import type { LedgerEvent } from '../src/core/events.js';
import { type Ledger, applyEvent, newLedger } from '../src/core/ledger.js';
import { type CeilingFill, type CeilingLedger, ceilingApply, ceilingFill, newCeilingLedger } from './ceiling-fold.js';
import {
  type Dataset,
  type RawDeployment,
  deploymentEvents,
  fillEvent,
  numberDeployments,
  numberFill,
} from './data.js';
import {
  type Agreement,
  type Figures,
  FLOAT_TOLERANCE,
  ceilingFigures,
  compareFigures,
  coreFigures,
  numberFigures,
} from './fold-agreement.js';
import { type NumEvent, type NumLedger, newNumLedger, numApplyEvent } from './number-fold.js';
import { type SummaryRow, collectGarbage, int, median, ms, now, rate } from './report.js';

/** Core time ÷ plain-number time. */
const TARGET = 1.5;
/** Core time ÷ ceiling time. */
const CEILING_TARGET = 2;
/** Core fills per second. */
const RATE_TARGET = 1_000_000;

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

function ceilingFold(deployments: readonly RawDeployment[], fills: readonly CeilingFill[]): CeilingLedger {
  const ledger = newCeilingLedger(deployments);
  for (const fill of fills) ceilingApply(ledger, fill);
  return ledger;
}

const agreementText = (a: Agreement) =>
  a.differences.length === 0
    ? `all ${int(a.compared)} figures agree`
    : `${a.differences.length}+ differ: ${a.differences[0]}`;

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
  const num = timed(runs, () => numberFold(numEvents));
  const numFigures = numberFigures(numEvents);
  numEvents = [];

  // Phase B, the core: exact decimals.
  let events: LedgerEvent[] = [];
  const parse = timed(
    runs,
    () => data.fills.map(fillEvent),
    (fills) => (events = [...deploymentEvents(data), ...fills]),
  );
  const core = timed(runs, () => coreFold(events));
  const exact: Figures<string> = coreFigures(events);
  events = [];

  // Phase C, CEILING: the same rules in bigint, written only for speed.
  let ceilingFills: CeilingFill[] = [];
  const ceilingParse = timed(
    runs,
    () => data.fills.map(ceilingFill),
    (fills) => (ceilingFills = fills),
  );
  const ceiling = timed(runs, () => ceilingFold(data.deployments, ceilingFills));
  const ceilingAgreement = compareFigures(exact, ceilingFigures(data.deployments, ceilingFills));
  ceilingFills = [];
  const numAgreement = compareFigures(exact, numFigures);

  const ratio = core.ms / num.ms;
  const met = ratio <= TARGET;
  const ceilingRatio = core.ms / ceiling.ms;
  const ceilingMet = ceilingRatio <= CEILING_TARGET;
  const perSecond = (n * 1000) / core.ms;
  const rateMet = perSecond >= RATE_TARGET;
  const agreed = ceilingAgreement.differences.length === 0 && numAgreement.differences.length === 0;
  const status = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
  console.log(
    `fold ${int(n)} fills: core ${ms(core.ms)} (${rate(n, core.ms)} fills/s), number baseline ${ms(num.ms)} (${rate(n, num.ms)} fills/s)` +
      ` → ${ratio.toFixed(2)}× (target ≤ ${TARGET}×: ${status(met)})`,
  );
  console.log(
    `fold ${int(n)} fills: core ${ms(core.ms)}, ceiling baseline ${ms(ceiling.ms)} (${rate(n, ceiling.ms)} fills/s)` +
      ` → ${ceilingRatio.toFixed(2)}× (target ≤ ${CEILING_TARGET}×: ${status(ceilingMet)})`,
  );
  console.log(
    `fold ${int(n)} fills: core ${int(perSecond)} fills/s (target ≥ ${int(RATE_TARGET)} fills/s: ${status(rateMet)})`,
  );
  const runsText = (t: Timing) => t.runs.map((x) => x.toFixed(0)).join(', ');
  console.log(`  runs: core ${runsText(core)} ms; number ${runsText(num)} ms; ceiling ${runsText(ceiling)} ms`);
  console.log(
    `  cpu time (median): core ${ms(core.cpuMs)}, number ${ms(num.cpuMs)} → ${(core.cpuMs / num.cpuMs).toFixed(2)}×,` +
      ` ceiling ${ms(ceiling.cpuMs)} → ${(core.cpuMs / ceiling.cpuMs).toFixed(2)}× (less sensitive than wall time to other load on the machine)`,
  );
  console.log(
    `parse ${int(n)} fills (parseDec × 3 decimals each, building FillBooked): ${ms(parse.ms)} (${rate(n, parse.ms)} fills/s);` +
      ` Number() for the baseline: ${ms(numParse.ms)} → ${(parse.ms / numParse.ms).toFixed(2)}×; ceiling records ${ms(ceilingParse.ms)}`,
  );
  console.log(`agreement, core vs ceiling (exact): ${agreementText(ceilingAgreement)}`);
  console.log(
    `agreement, core vs plain numbers (within max(${FLOAT_TOLERANCE.absolute}, ${FLOAT_TOLERANCE.relative} × |x|)): ` +
      `${agreementText(numAgreement)} (max |Δ| ${numAgreement.maxDiff.toExponential(2)})`,
  );
  return [
    {
      bench: `fold ${int(n)} fills`,
      figure: `core ${ms(core.ms)} (${rate(n, core.ms)} fills/s)`,
      baseline: `number ${ms(num.ms)} (${rate(n, num.ms)} fills/s)`,
      ratio: `${ratio.toFixed(2)}×`,
      target: `≤ ${TARGET}×`,
      status: status(met),
    },
    {
      bench: `fold ${int(n)} fills vs ceiling`,
      figure: `core ${ms(core.ms)}`,
      baseline: `ceiling ${ms(ceiling.ms)} (${rate(n, ceiling.ms)} fills/s)`,
      ratio: `${ceilingRatio.toFixed(2)}×`,
      target: `≤ ${CEILING_TARGET}×`,
      status: status(ceilingMet),
    },
    {
      bench: `fold ${int(n)} fills, rate`,
      figure: `core ${rate(n, core.ms)} fills/s`,
      baseline: '—',
      ratio: '—',
      target: `≥ ${int(RATE_TARGET)}/s`,
      status: status(rateMet),
    },
    {
      bench: `fold ${int(n)} fills, cpu time`,
      figure: `core ${ms(core.cpuMs)}`,
      baseline: `number ${ms(num.cpuMs)}, ceiling ${ms(ceiling.cpuMs)}`,
      ratio: `${(core.cpuMs / num.cpuMs).toFixed(2)}×, ${(core.cpuMs / ceiling.cpuMs).toFixed(2)}×`,
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
      bench: 'fold agreement',
      figure: `ceiling: ${ceilingAgreement.differences.length === 0 ? 'exact' : 'DIFFERS'} (${int(ceilingAgreement.compared)} figures)`,
      baseline: `numbers: ${numAgreement.differences.length === 0 ? 'within tolerance' : 'DIFFER'} (max |Δ| ${numAgreement.maxDiff.toExponential(1)})`,
      ratio: '—',
      target: 'all agree',
      status: agreed ? 'MET' : 'FAILED',
    },
  ];
}
