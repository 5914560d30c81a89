/**
 * How much can trade per step: the partial-fill cap. Each symbol and side gets a budget per step,
 * the smaller of a fixed cap (for all symbols or per symbol) and a share of the step's volume;
 * orders take from it oldest first, so a large order fills in pieces over several steps.
 *
 * Entry points: `LiquidityOptions`, `makeLiquidity(options).budget(step).take(symbol, side, want)`.
 * Invariants: a budget never goes below 0; budgets are floored to `qtyIncrement`; with neither
 * cap configured liquidity is unlimited (every crossing order fills whole at once).
 */
import { type Dec, dec, floorToIncrement, mul } from '../core/decimal.js';
import type { Side } from '../core/events.js';
import type { Symbol } from '../core/ids.js';
import type { MarketStep } from './market.js';

export interface LiquidityOptions {
  /** Largest quantity per symbol and side per step: one value for all symbols, or per symbol. */
  readonly maxQtyPerStep?: Dec | Readonly<Record<string, Dec>>;
  /** Share of the step's volume available per side (e.g. dec('0.1') for 10 %). */
  readonly volumeShare?: Dec;
  /** Budgets are floored to this increment. Default 0.000000001 (Alpaca's 9 decimals). */
  readonly qtyIncrement?: Dec;
}

export interface StepBudget {
  /** Takes up to `want` from the symbol and side's budget and returns what was granted. */
  take(symbol: Symbol, side: Side, want: Dec): Dec;
}

export interface Liquidity {
  budget(step: MarketStep): StepBudget;
}

const NANO = dec('0.000000001');

/** Throws RangeError on a negative cap or share, or a non-positive increment. */
export function makeLiquidity(options: LiquidityOptions = {}): Liquidity {
  const increment = options.qtyIncrement ?? NANO;
  if (increment <= 0n) throw new RangeError('liquidity: qtyIncrement must be positive');
  const caps = options.maxQtyPerStep;
  for (const cap of typeof caps === 'bigint' ? [caps] : Object.values(caps ?? {})) {
    if (cap < 0n) throw new RangeError('liquidity: maxQtyPerStep must be ≥ 0');
  }
  if (options.volumeShare !== undefined && options.volumeShare < 0n)
    throw new RangeError('liquidity: volumeShare must be ≥ 0');
  const capOf = (symbol: Symbol): Dec | undefined => (typeof caps === 'bigint' ? caps : caps?.[symbol]);

  return {
    budget(step: MarketStep): StepBudget {
      const left = new Map<string, Dec>();
      const initial = (symbol: Symbol): Dec | undefined => {
        const cap = capOf(symbol);
        const volume = step.quotes.get(symbol)?.volume;
        const share =
          options.volumeShare !== undefined && volume !== undefined ? mul(volume, options.volumeShare) : undefined;
        const limit = cap === undefined ? share : share === undefined ? cap : cap < share ? cap : share;
        return limit === undefined ? undefined : floorToIncrement(limit, increment);
      };
      return {
        take(symbol, side, want) {
          const key = `${symbol}\u0000${side}`;
          const available = left.has(key) ? left.get(key)! : initial(symbol);
          if (available === undefined) return want;
          const granted = want < available ? want : available;
          left.set(key, (available - granted) as Dec);
          return granted;
        },
      };
    },
  };
}
