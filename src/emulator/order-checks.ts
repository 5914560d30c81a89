/**
 * What the emulator checks or derives on a new order before the matching engine sees it: sizing a
 * notional order, the crypto rules (gtc/ioc only, no shorting: FACTS §1.4, §1.5), and an order's
 * `expires_at` (FACTS §1.2).
 *
 * Entry points: `isCrypto`, `sizeOrder`, `cryptoProblem`, `expiry`.
 * Invariant: pure functions of their arguments (the engine and market are only read).
 */
import type { BrokerOrder, OrderRequest } from '../app/ports/broker-port.js';
import { type Dec, ZERO } from '../core/decimal.js';
import {
  type MatchingEngine,
  type Rejection,
  type SimulatedMarket,
  rejectInsufficientQty,
  rejectInvalidOrder,
} from '../sim/index.js';

/** The order as POST /v2/orders gives it, parsed; `notional` replaces `qty` (sized at the ask). */
export interface VenueOrderRequest extends Omit<OrderRequest, 'qty'> {
  readonly qty?: Dec;
  readonly notional?: Dec;
}

const NANO = 10n ** 9n;

export const isCrypto = (symbol: string) => symbol.includes('/');

/**
 * The order with a quantity: a notional (market, day) order is sized at the current ask, floored
 * to Alpaca's 9 decimals.
 */
export function sizeOrder(
  market: SimulatedMarket,
  request: VenueOrderRequest,
): { request: OrderRequest } | { rejection: Rejection } {
  if (request.notional === undefined) {
    if (request.qty === undefined) return { rejection: rejectInvalidOrder('qty or notional is required') };
    return { request: { ...request, qty: request.qty } };
  }
  if (request.type !== 'market' || request.timeInForce !== 'day')
    return { rejection: rejectInvalidOrder('notional orders must be market orders with time_in_force day') };
  const quote = market.latest(request.symbol);
  if (!quote) return { request: { ...request, qty: ZERO } }; // the engine names the unknown symbol
  const qty = (((request.notional * 10n ** 18n) / quote.ask / NANO) * NANO) as Dec;
  return { request: { ...request, qty } };
}

/** Crypto: gtc or ioc only, and no shorting — a sell beyond what open sells leave is refused. */
export function cryptoProblem(engine: MatchingEngine, request: OrderRequest): Rejection | undefined {
  if (!isCrypto(request.symbol)) return undefined;
  if (request.timeInForce === 'day')
    return rejectInvalidOrder('invalid crypto time_in_force: day (crypto orders take gtc or ioc)');
  if (request.side === 'buy') return undefined;
  const held = engine.positions().find((p) => p.symbol === request.symbol)?.qty ?? ZERO;
  const openSells = engine
    .openOrders()
    .filter((o) => o.symbol === request.symbol && o.side === 'sell')
    .reduce((total, o) => (total + o.qty - o.filledQty) as Dec, ZERO);
  const available = (held - openSells) as Dec;
  return request.qty > available ? rejectInsufficientQty(request.qty, available > 0n ? available : ZERO) : undefined;
}

/** Day orders expire at the end of their UTC day; GTC orders after 90 days (FACTS §1.2). */
export function expiry(order: BrokerOrder): string {
  const day = Date.parse(`${order.submittedAt.slice(0, 10)}T00:00:00.000Z`);
  return new Date(day + (order.timeInForce === 'gtc' ? 90 : 1) * 86_400_000 - 1).toISOString();
}
