/**
 * The multi-strategy manager (seed 003 §2 "enhanced portfolio data structure"): runs every active
 * deployment's strategy on its own sleeve, turns weights into target quantities on the sleeve's
 * own equity at current prices (whole shares for equities, fractional for crypto), and returns the
 * per-strategy deltas plus the strategy → symbol attribution map: which strategies contribute to
 * each symbol and how much.
 *
 * Pure: prices, history and sleeves come in; nothing is read from a clock or the network.
 */
import { type Dec, ZERO, dec, div, floorToIncrement, mul } from '../core/decimal.js';
import type { DeploymentId, Symbol } from '../core/ids.js';
import type { Strategy } from './strategy.js';

export interface SleeveSnapshot {
  readonly deployment: DeploymentId;
  readonly strategy: string;
  readonly equity: Dec;
  readonly holdings: ReadonlyMap<Symbol, Dec>;
}

export interface StrategyRun {
  readonly deployment: DeploymentId;
  readonly strategy: string;
  readonly signal: string;
  readonly weights: ReadonlyMap<Symbol, Dec>;
  readonly targets: ReadonlyMap<Symbol, Dec>;
  /** target − held, per symbol; only non-zero deltas. */
  readonly deltas: ReadonlyMap<Symbol, Dec>;
}

export interface Contribution {
  readonly deployment: DeploymentId;
  readonly strategy: string;
  readonly target: Dec;
  readonly delta: Dec;
}

export interface ManagerResult {
  readonly runs: readonly StrategyRun[];
  /** Per symbol, every strategy that trades it, in deployment order. */
  readonly attribution: ReadonlyMap<Symbol, readonly Contribution[]>;
  /** Deployments whose strategy name is not registered (skipped, reported). */
  readonly unknownStrategies: readonly { deployment: DeploymentId; strategy: string }[];
}

export interface MarketInput {
  readonly prices: ReadonlyMap<Symbol, Dec>;
  readonly history: ReadonlyMap<Symbol, readonly Dec[]>;
}

const WHOLE_SHARE = dec('1');
const CRYPTO_UNIT = dec('0.000000001');

/** Whole shares for equities, 10^-9 for crypto pairs ("BTC/USD"). */
export function defaultIncrement(symbol: Symbol): Dec {
  return symbol.includes('/') ? CRYPTO_UNIT : WHOLE_SHARE;
}

export function runAllStrategies(
  sleeves: readonly SleeveSnapshot[],
  registry: ReadonlyMap<string, Strategy>,
  market: MarketInput,
  increment: (symbol: Symbol) => Dec = defaultIncrement,
): ManagerResult {
  const runs: StrategyRun[] = [];
  const unknownStrategies: { deployment: DeploymentId; strategy: string }[] = [];
  const attribution = new Map<Symbol, Contribution[]>();
  for (const sleeve of sleeves) {
    const strategy = registry.get(sleeve.strategy);
    if (!strategy) {
      unknownStrategies.push({ deployment: sleeve.deployment, strategy: sleeve.strategy });
      continue;
    }
    const decision = strategy.decide({
      prices: market.prices,
      history: market.history,
      equity: sleeve.equity,
      holdings: sleeve.holdings,
    });
    const targets = new Map<Symbol, Dec>();
    for (const [symbol, weight] of decision.weights) {
      const price = market.prices.get(symbol);
      if (price === undefined || price <= 0n || weight <= 0n) continue;
      targets.set(symbol, floorToIncrement(div(mul(sleeve.equity, weight), price), increment(symbol)));
    }
    const deltas = new Map<Symbol, Dec>();
    for (const symbol of new Set([...targets.keys(), ...sleeve.holdings.keys()])) {
      if (!market.prices.has(symbol)) continue; // cannot price it: leave it alone
      const delta = ((targets.get(symbol) ?? ZERO) - (sleeve.holdings.get(symbol) ?? ZERO)) as Dec;
      if (delta !== 0n) deltas.set(symbol, delta);
    }
    runs.push({
      deployment: sleeve.deployment,
      strategy: sleeve.strategy,
      signal: decision.signal,
      weights: decision.weights,
      targets,
      deltas,
    });
    for (const [symbol, delta] of deltas) {
      const list = attribution.get(symbol) ?? [];
      list.push({
        deployment: sleeve.deployment,
        strategy: sleeve.strategy,
        target: targets.get(symbol) ?? ZERO,
        delta,
      });
      attribution.set(symbol, list);
    }
  }
  return { runs, attribution, unknownStrategies };
}
