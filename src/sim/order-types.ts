/**
 * The price fields of Alpaca's order types as POST /v2/orders takes them (FACTS.md §1.3–1.4; spec
 * `paths./v2/orders.post`): which of `limit_price`, `stop_price`, `trail_price`, `trail_percent`
 * each type requires or forbids, and the sub-penny rule on the prices. A stop is sent to the
 * engine as a market order with a stop, a stop_limit as a limit order with a stop, a trailing stop
 * as a market order with a trail (src/app/ports/broker-port.ts `StopFields`).
 *
 * Entry point: `orderPrices(body, crypto)` → the engine's `type` and price fields, or the refusal.
 * Invariant: pure. The sub-penny message is Alpaca's (FACTS §1.4); the required-field wording is
 * ours (Alpaca's exact text is not recorded), with the 422 / 40010001 of its validation errors.
 */
import type { StopFields } from '../app/ports/broker-port.js';
import { type Dec, parseDec, toPlain } from '../core/decimal.js';
import { isOnTick } from './index.js';

export const ORDER_TYPES = ['market', 'limit', 'stop', 'stop_limit', 'trailing_stop'] as const;
export type AlpacaOrderType = (typeof ORDER_TYPES)[number];

export interface PriceFields {
  readonly type: string;
  readonly time_in_force: string;
  readonly limit_price?: string | null | undefined;
  readonly stop_price?: string | null | undefined;
  readonly trail_price?: string | null | undefined;
  readonly trail_percent?: string | null | undefined;
}

export interface OrderPrices extends StopFields {
  readonly type: 'market' | 'limit';
  readonly limitPrice?: Dec;
}

export interface PriceProblem {
  readonly status: number;
  readonly code: number;
  readonly message: string;
}

const invalid = (message: string): PriceProblem => ({ status: 422, code: 40010001, message });

/** Alpaca's sub-penny refusal (FACTS §1.4), or undefined when `price` is on its tick and positive. */
export function priceProblem(field: string, price: Dec): PriceProblem | undefined {
  if (price <= 0n) return invalid(`${field} must be greater than 0`);
  if (!isOnTick(price))
    return {
      status: 422,
      code: 42210000,
      message: `invalid ${field} ${toPlain(price)}. sub-penny increment does not fulfill minimum pricing criteria`,
    };
  return undefined;
}

const PRICES = ['limit_price', 'stop_price', 'trail_price', 'trail_percent'] as const;
type PriceField = (typeof PRICES)[number];
/** Which price fields each type takes (any other is refused); a limit's missing price is the engine's to refuse. */
const TAKES: Record<AlpacaOrderType, readonly PriceField[]> = {
  market: [],
  limit: ['limit_price'],
  stop: ['stop_price'],
  stop_limit: ['stop_price', 'limit_price'],
  trailing_stop: ['trail_price', 'trail_percent'],
};
const REQUIRES: Record<AlpacaOrderType, readonly PriceField[]> = {
  ...TAKES,
  limit: [],
  trailing_stop: [],
};

/** The engine's view of the order's type and prices, or why Alpaca would refuse them. */
export function orderPrices(body: PriceFields, crypto: boolean): { prices: OrderPrices } | { problem: PriceProblem } {
  const type = body.type as AlpacaOrderType;
  const trailing = type === 'trailing_stop';
  if (crypto && (type === 'stop' || trailing))
    return {
      problem: invalid(`invalid order type for crypto: ${type} (crypto orders take market, limit or stop_limit)`),
    };
  for (const field of REQUIRES[type])
    if (body[field] == null) return { problem: invalid(`${field} is required for ${type} orders`) };
  for (const field of PRICES)
    if (!TAKES[type].includes(field) && body[field] != null)
      return { problem: invalid(`${field} must not be given for ${type} orders`) };
  if (trailing) {
    if ((body.trail_price == null) === (body.trail_percent == null))
      return { problem: invalid('trailing_stop orders take exactly one of trail_price and trail_percent') };
    if (!['day', 'gtc'].includes(body.time_in_force))
      return { problem: invalid('trailing_stop orders take time_in_force day or gtc') };
  }
  const read = (field: PriceField) => (body[field] == null ? undefined : parseDec(body[field]));
  const limitPrice = read('limit_price');
  const stopPrice = read('stop_price');
  const trailPrice = read('trail_price');
  const trailPercent = read('trail_percent');
  for (const [field, price] of [
    ['stop_price', stopPrice],
    ['trail_price', trailPrice],
  ] as const) {
    const problem = price === undefined ? undefined : priceProblem(field, price);
    if (problem) return { problem };
  }
  if (trailPercent !== undefined && trailPercent <= 0n)
    return { problem: invalid('trail_percent must be greater than 0') };
  return {
    prices: {
      type: type === 'limit' || type === 'stop_limit' ? 'limit' : 'market',
      ...(limitPrice !== undefined ? { limitPrice } : {}),
      ...(stopPrice !== undefined ? { stopPrice } : {}),
      ...(trailPrice !== undefined ? { trailPrice } : {}),
      ...(trailPercent !== undefined ? { trailPercent } : {}),
    },
  };
}

/** Alpaca's name of an order's type from the engine's view of it. */
export function alpacaType(order: { readonly type: 'market' | 'limit' } & StopFields): AlpacaOrderType {
  if (order.trailPrice !== undefined || order.trailPercent !== undefined) return 'trailing_stop';
  if (order.stopPrice !== undefined) return order.type === 'limit' ? 'stop_limit' : 'stop';
  return order.type;
}
