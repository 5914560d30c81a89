/**
 * The price and fee of one execution: when an order crosses, at what price it fills, and what
 * the broker charges for it.
 *
 * Entry points: `FeeSchedule`, `feeFor`, `executionPrice`.
 * Invariants: a market buy fills at the ask plus slippage, a market sell at the bid minus
 * slippage; a slipped price is rounded to the tick against the trader (up for buys, down for
 * sells); with zero slippage the touch price is used exactly (bars may be off-tick). A limit
 * order crosses when the touch price reaches its limit and fills at the limit or better, never
 * worse. Fees are money: qty × perShare + notional × bps ÷ 10,000, rounded half-to-even to
 * `decimals` places (default 2, cents). All arithmetic is exact `Dec`.
 */
import { type Dec, ZERO, mul, mulDiv, roundToPlaces } from '../core/decimal.js';
import type { OrderType } from '../app/ports/broker-port.js';
import type { Side } from '../core/events.js';
import type { SimQuote } from './market.js';
import { roundToTick } from './ticks.js';

export interface FeeSchedule {
  /** Money per share (e.g. 0.005). */
  readonly perShare?: Dec;
  /** Basis points of the notional (e.g. 1 = 0.01 %). */
  readonly bps?: Dec;
  /** Decimal places the fee is rounded to (half-to-even). Default 2. */
  readonly decimals?: number;
}

const BPS = 10_000n;
const bpsOf = (value: Dec, bps: Dec): Dec => mulDiv(value, bps, (BPS * 10n ** 18n) as Dec);

/** The fee of one execution of `qty` at `price`. */
export function feeFor(qty: Dec, price: Dec, fees: FeeSchedule | undefined): Dec {
  if (!fees) return ZERO;
  const perShare = fees.perShare ? mul(qty, fees.perShare) : ZERO;
  const notional = fees.bps ? bpsOf(mul(qty, price), fees.bps) : ZERO;
  return roundToPlaces((perShare + notional) as Dec, fees.decimals ?? 2);
}

export interface Crossable {
  readonly side: Side;
  readonly type: OrderType;
  readonly limitPrice?: Dec;
}

/**
 * The price an order executes at against `quote`, or undefined when it does not cross.
 * Slippage (basis points, ≥ 0) applies to both order types; a limit caps the result.
 */
export function executionPrice(order: Crossable, quote: SimQuote, slippageBps: Dec): Dec | undefined {
  const touch = order.side === 'buy' ? quote.ask : quote.bid;
  if (order.type === 'limit') {
    const limit = order.limitPrice!;
    if (order.side === 'buy' ? touch > limit : touch < limit) return undefined;
  }
  const price = slip(touch, order.side, slippageBps);
  if (order.type === 'limit') {
    const limit = order.limitPrice!;
    return order.side === 'buy' ? (price > limit ? limit : price) : price < limit ? limit : price;
  }
  return price;
}

/** The touch price moved against the trader by `slippageBps`, rounded to the tick against them. */
export function slip(touch: Dec, side: Side, slippageBps: Dec): Dec {
  if (slippageBps === ZERO) return touch;
  const move = bpsOf(touch, slippageBps);
  return side === 'buy' ? roundToTick((touch + move) as Dec, 'up') : roundToTick((touch - move) as Dec, 'down');
}
