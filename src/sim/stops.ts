/**
 * Stop triggers (Alpaca's stop, stop_limit and trailing_stop; FACTS.md §1.4): an order with a stop
 * rests untriggered until a trade reaches the stop — a buy when the trade price is at or above it,
 * a sell at or below — and then works as its type (market, or limit for a stop_limit).
 * A trailing stop follows its high-water mark (the highest trade since it was placed for a sell,
 * the lowest for a buy): its stop is the mark less (sell) or plus (buy) the trail, in money or in
 * percent of the mark, rounded to the price tick away from the mark.
 *
 * Entry points: `isTrailing`, `hasStop`, `trailingStop`, `nextMark`, `stopReached`.
 * Invariant: pure; exact decimals.
 */
import type { StopFields } from '../app/ports/broker-port.js';
import { type Dec, mulDiv } from '../core/decimal.js';
import type { Side } from '../core/events.js';
import { roundToTick } from './ticks.js';

const HUNDRED = (100n * 10n ** 18n) as Dec;

export const isTrailing = (order: StopFields): boolean =>
  order.trailPrice !== undefined || order.trailPercent !== undefined;

/** Whether the order waits for a trigger (stop, stop_limit or trailing_stop). */
export const hasStop = (order: StopFields): boolean => order.stopPrice !== undefined || isTrailing(order);

/** A trailing stop's stop price for high-water mark `hwm`. */
export function trailingStop(side: Side, hwm: Dec, trail: Pick<StopFields, 'trailPrice' | 'trailPercent'>): Dec {
  if (trail.trailPrice !== undefined) return (side === 'sell' ? hwm - trail.trailPrice : hwm + trail.trailPrice) as Dec;
  const pct = trail.trailPercent!;
  const raw = mulDiv(hwm, (side === 'sell' ? HUNDRED - pct : HUNDRED + pct) as Dec, HUNDRED);
  return roundToTick(raw, side === 'sell' ? 'down' : 'up');
}

/** The high-water mark after a trade at `price`: the best price for the trailing side so far. */
export function nextMark(side: Side, hwm: Dec, price: Dec): Dec {
  return side === 'sell' ? (price > hwm ? price : hwm) : price < hwm ? price : hwm;
}

/** Whether a trade at `price` triggers a stop at `stop` on `side`. */
export function stopReached(side: Side, stop: Dec, price: Dec): boolean {
  return side === 'buy' ? price >= stop : price <= stop;
}
