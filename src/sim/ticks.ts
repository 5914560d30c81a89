/**
 * Price increments (ticks) of US equities as Alpaca enforces them: prices ≥ $1 trade in
 * $0.01, prices below $1 in $0.0001 (FACTS.md §1.4, "sub-penny").
 *
 * Entry points: `tickFor`, `isOnTick`, `roundToTick`.
 * Invariant: `roundToTick` returns a positive multiple of the tick that applies to its result.
 */
import { type Dec, dec, floorToIncrement, roundToPlaces } from '../core/decimal.js';

export const CENT = dec('0.01');
export const SUB_PENNY = dec('0.0001');
const ONE_DOLLAR = dec('1');

/** The tick for a price: 0.01 at or above $1, 0.0001 below. */
export function tickFor(price: Dec): Dec {
  return price >= ONE_DOLLAR ? CENT : SUB_PENNY;
}

/** True when the price has no more decimals than its tick allows (Alpaca's sub-penny rule). */
export function isOnTick(price: Dec): boolean {
  return price % tickFor(price) === 0n;
}

export type Rounding = 'nearest' | 'up' | 'down';

/**
 * Rounds a positive price to its tick: half-to-even for `nearest`, away from the trader's
 * favour is the caller's choice (`up` for buys, `down` for sells). Never returns less than the
 * smallest tick.
 */
export function roundToTick(price: Dec, rounding: Rounding = 'nearest'): Dec {
  const rounded = roundWith(price, rounding, tickFor(price));
  // Crossing $1 changes the tick: 0.99996 rounds to 1.0000, which is on the cent grid already;
  // 1.004 rounded down to the cent stays ≥ $1. Re-round once on the result's own tick.
  const settled = isOnTick(rounded) ? rounded : roundWith(rounded, rounding, tickFor(rounded));
  return settled < SUB_PENNY ? SUB_PENNY : settled;
}

function roundWith(price: Dec, rounding: Rounding, tick: Dec): Dec {
  switch (rounding) {
    case 'nearest':
      return roundToPlaces(price, tick === CENT ? 2 : 4);
    case 'down':
      return floorToIncrement(price, tick);
    case 'up': {
      const down = floorToIncrement(price, tick);
      return (down === price ? down : down + tick) as Dec;
    }
  }
}
