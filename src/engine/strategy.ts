/**
 * The strategy interface of seed 003's multi-strategy engine. A strategy looks at market data and
 * its own sleeve and returns target weights per symbol for that sleeve (fractions of the sleeve's
 * equity, Σ ≤ 1, the rest in cash) and a signal string a person can read ("BULLISH: momentum > 0").
 * Strategies are pure and deterministic: same inputs, same decision.
 */
import type { Dec } from '../core/decimal.js';
import type { Symbol } from '../core/ids.js';

export interface StrategyInput {
  /** Latest price per symbol of the universe. */
  readonly prices: ReadonlyMap<Symbol, Dec>;
  /** Recent closing prices per symbol, oldest first (the newest equals `prices`). */
  readonly history: ReadonlyMap<Symbol, readonly Dec[]>;
  /** The sleeve's equity and holdings. */
  readonly equity: Dec;
  readonly holdings: ReadonlyMap<Symbol, Dec>;
}

export interface StrategyDecision {
  /** Target weight per symbol (0..1). Symbols held but absent are sold to 0. */
  readonly weights: ReadonlyMap<Symbol, Dec>;
  readonly signal: string;
}

export interface Strategy {
  readonly name: string;
  /** One sentence for people: what it does and with which parameters. */
  readonly description: string;
  decide(input: StrategyInput): StrategyDecision;
}
