/**
 * Benchmark `plan` (issue 5): the whole pure planning of one rebalance run — `runAllStrategies`
 * (src/engine/manager.ts) then `planRebalance` (src/engine/planner.ts) with reference prices — for
 * 50 strategies over a universe of 500 symbols. 50 sleeves, each holding ~100 of the symbols, each
 * with its own strategy: half fixed-weight (over all 500 symbols at 0.2 % each, over 250 at 0.4 %,
 * or over 100 at 1 %), half momentum rotation (top 10, 25, 50 or 100 of the universe over 30
 * prices); 31 prices of history per symbol (a seeded random walk). The baseline is the same
 * computation in plain JS numbers (bench/number-plan.ts) over the same inputs. Warm-up, then the
 * two sides alternate, a full GC before each timed run; medians reported. A sanity check compares
 * the two plans symbol by symbol (net order side and quantity, crossed quantity and legs).
 */
import { type Dec, ONE, toPlain } from '../src/core/decimal.js';
import type { ReferencePrice } from '../src/core/crossing.js';
import type { DeploymentId, Symbol } from '../src/core/ids.js';
import { type SleeveSnapshot, runAllStrategies } from '../src/engine/manager.js';
import { type RebalancePlan, planRebalance } from '../src/engine/planner.js';
import { fixedWeight, momentumRotation } from '../src/engine/strategies/index.js';
import type { Strategy } from '../src/engine/strategy.js';
import { type NumMarket, type NumPlan, type NumSleeve, type NumStrategy, numberPlan } from './number-plan.js';
import { type SummaryRow, collectGarbage, int, median, now } from './report.js';

const TARGET_MS = 100;

export interface PlanOptions {
  readonly strategies: number;
  readonly symbols: number;
  readonly held: number;
  readonly history: number;
  readonly runs: number;
}

export const PLAN_DEFAULTS: PlanOptions = { strategies: 50, symbols: 500, held: 100, history: 31, runs: 20 };

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
const num = (d: Dec) => Number(toPlain(d));

interface Inputs {
  readonly sleeves: SleeveSnapshot[];
  readonly registry: Map<string, Strategy>;
  readonly prices: Map<Symbol, Dec>;
  readonly history: Map<Symbol, Dec[]>;
  readonly references: Map<Symbol, ReferencePrice>;
  readonly numSleeves: NumSleeve[];
  readonly numRegistry: Map<string, NumStrategy>;
  readonly numMarket: NumMarket;
  readonly describe: string;
}

function inputs(options: PlanOptions): Inputs {
  const rand = prng(5);
  const symbols = Array.from({ length: options.symbols }, (_, i) => `S${String(i).padStart(3, '0')}` as Symbol);
  const history = new Map<Symbol, Dec[]>();
  const prices = new Map<Symbol, Dec>();
  const references = new Map<Symbol, ReferencePrice>();
  for (const symbol of symbols) {
    let p = 20 + rand() * 480;
    const closes: Dec[] = [];
    for (let i = 0; i < options.history; i++) {
      if (i > 0) p = Math.max(1, p * (1 + (rand() - 0.5) * 0.04));
      closes.push(cents(p));
    }
    history.set(symbol, closes);
    const last = closes.at(-1)!;
    prices.set(symbol, last);
    references.set(symbol, { price: (last + cents(0.01) / 2n) as Dec, source: 'quote_mid:bench' });
  }
  const registry = new Map<string, Strategy>();
  const numRegistry = new Map<string, NumStrategy>();
  const fixedSets = [
    { every: 1, weight: '0.002' },
    { every: 2, weight: '0.004' },
    { every: 5, weight: '0.01' },
  ];
  const tops = [10, 25, 50, 100];
  const kinds: string[] = [];
  const sleeves: SleeveSnapshot[] = [];
  const numSleeves: NumSleeve[] = [];
  for (let i = 0; i < options.strategies; i++) {
    const name = `strategy-${String(i).padStart(2, '0')}`;
    if (i % 2 === 0) {
      const set = fixedSets[(i / 2) % fixedSets.length]!;
      const offset = i % set.every;
      const chosen = symbols.filter((_, k) => k % set.every === offset);
      const weights = Object.fromEntries(chosen.map((s) => [s, set.weight]));
      registry.set(name, fixedWeight(weights));
      numRegistry.set(name, { kind: 'fixed', weights: new Map(chosen.map((s) => [s, Number(set.weight)])) });
      kinds.push(`fixed ${chosen.length}×${Number(set.weight) * 100}%`);
    } else {
      const top = tops[((i - 1) / 2) % tops.length]!;
      registry.set(name, momentumRotation({ lookback: 30, top }));
      numRegistry.set(name, { kind: 'momentum', lookback: 30, top });
      kinds.push(`momentum top ${top}`);
    }
    const holdings = new Map<Symbol, Dec>();
    const held = new Set<number>();
    const count = Math.round(options.held * (0.8 + rand() * 0.4));
    while (held.size < count) held.add(Math.floor(rand() * options.symbols));
    for (const k of [...held].sort((a, b) => a - b))
      holdings.set(symbols[k]!, (BigInt(1 + Math.floor(rand() * 400)) * ONE) as Dec);
    const equity = cents(500_000 + rand() * 4_500_000);
    const deployment = `dep-${String(i).padStart(2, '0')}` as DeploymentId;
    sleeves.push({ deployment, strategy: name, equity, holdings });
    numSleeves.push({
      deployment,
      strategy: name,
      equity: num(equity),
      holdings: new Map([...holdings].map(([s, q]) => [s, num(q)])),
    });
  }
  const numMarket: NumMarket = {
    prices: new Map([...prices].map(([s, p]) => [s, num(p)])),
    history: new Map([...history].map(([s, h]) => [s, h.map(num)])),
    references: new Map([...references].map(([s, r]) => [s, num(r.price)])),
  };
  const counts = new Map<string, number>();
  for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  const describe = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
  return { sleeves, registry, prices, history, references, numSleeves, numRegistry, numMarket, describe };
}

/** Net order, crossed quantity and legs per symbol, as text, for the sanity check. */
function realShape(plan: RebalancePlan): Map<string, string> {
  const q = (d: Dec) => toPlain(d);
  return new Map(
    plan.symbols.map((p) => [
      p.symbol,
      `${p.brokerOrder ? `${p.brokerOrder.side} ${q(p.brokerOrder.qty)}` : '-'} | ${p.cross ? `${q(p.cross.qty)}: ${p.cross.legs.map((l) => `${l.deployment} ${l.side} ${q(l.qty)}`).join(', ')}` : '-'}`,
    ]),
  );
}

function numShape(plans: readonly NumPlan[]): Map<string, string> {
  return new Map(
    plans.map((p) => [
      p.symbol,
      `${p.order ? `${p.order.side} ${p.order.qty}` : '-'} | ${p.cross ? `${p.cross.qty}: ${p.cross.legs.map((l) => `${l.deployment} ${l.side} ${l.qty}`).join(', ')}` : '-'}`,
    ]),
  );
}

export function benchPlan(options: PlanOptions = PLAN_DEFAULTS): SummaryRow[] {
  const data = inputs(options);
  console.log(
    `\nplan: ${options.strategies} strategies × ${options.symbols} symbols (${data.describe}); ~${options.held} holdings per sleeve, ${options.history} prices per symbol; warm-up, then ${options.runs} runs per side, alternating`,
  );
  const real = () => {
    const manager = runAllStrategies(data.sleeves, data.registry, { prices: data.prices, history: data.history });
    return { manager, plan: planRebalance(manager, data.references) };
  };
  const baseline = () => numberPlan(data.numSleeves, data.numRegistry, data.numMarket);
  for (let i = 0; i < 3; i++) {
    real();
    baseline();
  }
  const realMs: number[] = [];
  const baseMs: number[] = [];
  const managerCpu: number[] = [];
  const realCpu: number[] = [];
  const baseCpu: number[] = [];
  const cpuSince = (start: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
  let last: ReturnType<typeof real> | undefined;
  let lastNum: ReturnType<typeof baseline> | undefined;
  for (let r = 0; r < options.runs; r++) {
    collectGarbage();
    let cpu = process.cpuUsage();
    let t0 = now();
    lastNum = baseline();
    baseMs.push(now() - t0);
    baseCpu.push(cpuSince(cpu));
    collectGarbage();
    cpu = process.cpuUsage();
    t0 = now();
    last = real();
    realMs.push(now() - t0);
    realCpu.push(cpuSince(cpu));
    // The manager alone (cpu time), to split the run in two.
    collectGarbage();
    cpu = process.cpuUsage();
    runAllStrategies(data.sleeves, data.registry, { prices: data.prices, history: data.history });
    managerCpu.push(cpuSince(cpu));
  }
  const { manager, plan } = last!;
  const wishes = [...manager.attribution.values()].reduce((s, l) => s + l.length, 0);
  const crosses = plan.symbols.filter((p) => p.cross).length;
  const orders = plan.symbols.filter((p) => p.brokerOrder).length;
  console.log(
    `  one run: ${manager.runs.length} strategy runs, ${int(wishes)} wishes (non-zero deltas) over ${manager.attribution.size} symbols, ${crosses} internal crosses, ${orders} net orders`,
  );

  const a = realShape(plan);
  const b = numShape(lastNum!.plans);
  let same = 0;
  const differ: string[] = [];
  for (const symbol of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(symbol) === b.get(symbol)) same++;
    else differ.push(symbol);
  }
  const total = new Set([...a.keys(), ...b.keys()]).size;
  console.log(
    `  sanity: the number plan agrees on ${same}/${total} symbols (net order, crossed qty and legs)${differ.length ? `; differs on ${differ.slice(0, 5).join(', ')}` : ''}`,
  );

  const realMedian = median(realMs);
  const baseMedian = median(baseMs);
  const managerMedian = median(managerCpu);
  const ratio = realMedian / baseMedian;
  const met = realMedian < TARGET_MS;
  console.log(`  runs: real ${realMs.map((x) => x.toFixed(1)).join(', ')} ms`);
  console.log(`  runs: number ${baseMs.map((x) => x.toFixed(1)).join(', ')} ms`);
  const cpuRatio = median(realCpu) / median(baseCpu);
  console.log(
    `  cpu time (median): real ${median(realCpu).toFixed(1)} ms, number ${median(baseCpu).toFixed(1)} ms → ${cpuRatio.toFixed(1)}× (less sensitive than wall time to other load)`,
  );
  console.log(
    `  of the real run's cpu time: runAllStrategies ${managerMedian.toFixed(1)} ms (median of its own runs), planRebalance ≈ ${(median(realCpu) - managerMedian).toFixed(1)} ms`,
  );
  console.log(
    `plan ${options.strategies} strategies × ${options.symbols} symbols: real ${realMedian.toFixed(1)} ms per run, number baseline ${baseMedian.toFixed(1)} ms → ${ratio.toFixed(1)}× (target < ${TARGET_MS} ms: ${met ? 'MET' : 'NOT MET'})`,
  );
  return [
    {
      bench: `plan ${options.strategies} strategies × ${options.symbols} symbols`,
      figure: `${realMedian.toFixed(1)} ms per run`,
      baseline: `number ${baseMedian.toFixed(1)} ms`,
      ratio: `${ratio.toFixed(1)}×`,
      target: `< ${TARGET_MS} ms`,
      status: met ? 'MET' : 'NOT MET',
    },
    {
      bench: `plan ${options.strategies} × ${options.symbols}, cpu time`,
      figure: `${median(realCpu).toFixed(1)} ms per run`,
      baseline: `number ${median(baseCpu).toFixed(1)} ms`,
      ratio: `${cpuRatio.toFixed(1)}×`,
      target: '(info)',
      status: 'INFO',
    },
    {
      bench: 'plan sanity',
      figure: `${same}/${total} symbols agree`,
      baseline: 'number plan',
      ratio: '—',
      target: 'all agree',
      status: same === total ? 'MET' : 'NOT MET',
    },
  ];
}
