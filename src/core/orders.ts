/**
 * Orders as the sleeves see them: what each open order reserves (DESIGN.md §5 "Reservations").
 * An open buy reserves cash (remaining qty × its reserve price: the limit price, or the reference
 * price plus a safety margin for a market order); an open sell reserves the shares it sells.
 * Reservations vanish when the order reaches a terminal status (filled, canceled, rejected,
 * expired) — there is no separate release step to forget.
 *
 * Entry points: `newOrder`, `applyOrderUpdate`, `reservedCash`, `reservedQty`, `isOpen`.
 * Invariant: an update never moves an order backwards (filled qty never shrinks, a terminal
 * status is final), so reports arriving late or twice change nothing.
 */
import { type Dec, ZERO, mul } from './decimal.js';
import type { Side } from './events.js';
import type { DeploymentId, Symbol } from './ids.js';

/**
 * `pending_new`: journaled, not yet acknowledged by the broker. `pending_cancel`: a cancel was
 * asked and the broker has not confirmed it ended (it stays open, reserving, until it does).
 */
export type OrderStatus =
  'pending_new' | 'new' | 'partially_filled' | 'pending_cancel' | 'filled' | 'canceled' | 'rejected' | 'expired';
const TERMINAL: ReadonlySet<OrderStatus> = new Set(['filled', 'canceled', 'rejected', 'expired']);

export interface OrderState {
  readonly id: string;
  readonly deployment: DeploymentId;
  readonly symbol: Symbol;
  readonly side: Side;
  readonly qty: Dec;
  readonly orderType: 'market' | 'limit';
  readonly limitPrice: Dec | null;
  readonly timeInForce: 'day' | 'gtc' | 'ioc';
  /** Price per unit used to reserve cash for a buy. */
  readonly reservePrice: Dec;
  readonly idempotencyKey: string | null;
  readonly createdAt: string;
  /** An order that must fill before this one is sent (the close leg of a split flip), or null. */
  readonly after: string | null;
  /** The order this one replaced (Alpaca's replace: the old one canceled, this one placed); absent otherwise. */
  readonly replaces?: string;
  /**
   * A stop trigger (Alpaca's stop, stop_limit, trailing_stop): the order waits until the price
   * reaches its stop, then works as its `orderType` (market, or limit for a stop_limit). So every
   * rule on market vs limit sees a stop as a market order and a stop_limit as a limit. Absent on
   * other orders. A trailing stop has exactly one of `trailPrice` and `trailPercent`.
   */
  readonly stopPrice?: Dec;
  readonly trailPrice?: Dec;
  readonly trailPercent?: Dec;
  /** A stop order the internal book triggered (journaled `order_routed` trigger): it is now a plain market or limit order. */
  triggered?: boolean;
  status: OrderStatus;
  filledQty: Dec;
  filledAvgPrice: Dec | null;
  brokerOrderId: string | null;
  reason: string | null;
  updatedAt: string;
  /** A cancel was asked (journaled); it is carried out once the broker id is known. Never cleared. */
  cancelRequested: boolean;
}

export interface OrderUpdate {
  readonly status: OrderStatus;
  readonly filledQty: Dec;
  readonly filledAvgPrice: Dec | null;
  readonly brokerOrderId: string | null;
  readonly reason: string | null;
  readonly ts: string;
}

/** Whether the order waits for a stop trigger that has not happened at Subledger (the broker may still trigger it). */
export const awaitsTrigger = (order: Pick<OrderState, 'stopPrice' | 'trailPrice' | 'trailPercent' | 'triggered'>) =>
  !order.triggered && (order.stopPrice !== undefined || isTrailingStop(order));

export const isTrailingStop = (order: Pick<OrderState, 'trailPrice' | 'trailPercent'>) =>
  order.trailPrice !== undefined || order.trailPercent !== undefined;

/** Alpaca's name of the order's type. */
export function alpacaOrderType(
  order: Pick<OrderState, 'orderType' | 'stopPrice' | 'trailPrice' | 'trailPercent'>,
): 'market' | 'limit' | 'stop' | 'stop_limit' | 'trailing_stop' {
  if (isTrailingStop(order)) return 'trailing_stop';
  if (order.stopPrice !== undefined) return order.orderType === 'limit' ? 'stop_limit' : 'stop';
  return order.orderType;
}

export const isTerminal = (status: OrderStatus) => TERMINAL.has(status);
export const isOpen = (order: OrderState) => !TERMINAL.has(order.status);
export const remainingQty = (order: OrderState): Dec => (order.qty - order.filledQty) as Dec;

/** Cash an open buy holds back: remaining × reserve price. */
export function reservedCash(order: OrderState): Dec {
  return order.side === 'buy' && isOpen(order) ? mul(remainingQty(order), order.reservePrice) : ZERO;
}

/** The cash `orders` hold back, and how many of them hold any (the open buys). */
export function sumReservedCash(orders: readonly OrderState[]): { cash: Dec; count: number } {
  let cash = 0n;
  let count = 0;
  for (const order of orders) {
    const held = reservedCash(order);
    if (held > 0n) {
      cash += held;
      count++;
    }
  }
  return { cash: cash as Dec, count };
}

/** Units an open sell holds back. */
export function reservedQty(order: OrderState): Dec {
  return order.side === 'sell' && isOpen(order) ? remainingQty(order) : ZERO;
}

/**
 * Applies a status report if it moves the order forward; returns whether anything changed.
 * Late or repeated reports (lower filled qty, or after a terminal status) are ignored. Once a
 * cancel was asked, the order reads `pending_cancel` until the broker says it ended (filled,
 * canceled, …): a late "new" report does not undo the request.
 */
export function applyOrderUpdate(order: OrderState, update: OrderUpdate): boolean {
  if (isTerminal(order.status)) return false;
  if (update.filledQty < order.filledQty) return false;
  if (update.status === 'pending_cancel') order.cancelRequested = true;
  const status = order.cancelRequested && !isTerminal(update.status) ? 'pending_cancel' : update.status;
  if (
    update.filledQty === order.filledQty &&
    status === order.status &&
    (update.brokerOrderId ?? order.brokerOrderId) === order.brokerOrderId
  )
    return false;
  order.status = status;
  order.filledQty = update.filledQty;
  if (update.filledAvgPrice !== null) order.filledAvgPrice = update.filledAvgPrice;
  if (update.brokerOrderId !== null) order.brokerOrderId = update.brokerOrderId;
  if (update.reason !== null) order.reason = update.reason;
  order.updatedAt = update.ts;
  return true;
}
