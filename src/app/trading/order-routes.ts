/**
 * How the internal book's routing folds into the orders (the journal side of
 * src/core/internal-book.ts). A sleeve's order keeps its id, price and quantity for its whole life;
 * what the broker holds for it may change: nothing (held, or withdrawn to make way for another
 * order), or one broker order at a time — its *carrier*, whose client order id is the order's own
 * id the first time and a fresh id after a withdrawal. Internal crosses fill it without a broker.
 *
 * Entry points: `routeOf`, `carrierOf`, `routedProblem`, `crossedProblem`, `applyRouted`,
 * `applyCrossed`, `applyCarrierReport`.
 * Invariants: the order's filled quantity = its crosses + what its earlier carriers filled + what
 * the current carrier filled; a carrier's report is applied only while it is the order's carrier
 * (a late report of an earlier one changes nothing; its fills are booked by the fill path all the
 * same); a withdrawn carrier's cancel leaves the order working, anything else the broker says
 * ends it as usual; a cross is journaled only between orders that have no carrier.
 */
import { type Dec, ZERO, div, mul } from '../../core/decimal.js';
import {
  type OrderState,
  type OrderStatus,
  applyOrderUpdate,
  awaitsTrigger,
  isOpen,
  isTerminal,
  remainingQty,
} from '../../core/orders.js';
import type { EventProblem } from '../../core/ledger.js';
import type { OrderCrossed, OrderRouted, OrderUpdated } from '../journal/journal-codec.js';

/** An order's path to the broker, once the internal book has touched it. */
export interface Route {
  /** The client order id of its broker order, or null when the broker holds nothing for it. */
  carrier: string | null;
  /** Filled before the current carrier: internal crosses and earlier carriers. */
  priorFilled: Dec;
  /** Σ qty × price of those fills (for the average price). */
  priorNotional: Dec;
  /** While its carrier is being withdrawn: the order it makes way for. */
  withdrawingFor: string | null;
  /** Filled by internal crosses. */
  crossed: Dec;
  /** When the current carrier was journaled (its resend window counts from then), or null. */
  carriedAt: string | null;
  /** What the current carrier was sent for (it may be less than what was left: the account's limit), or null. */
  carrierQty: Dec | null;
}

export interface RoutingState {
  readonly orders: Map<string, OrderState>;
  /** Orders the internal book has touched. Any other order's carrier is its own id. */
  readonly routes: Map<string, Route>;
  /** Carrier client order id → order id (carriers other than an order's own id). */
  readonly carriers: Map<string, string>;
}

/** The order's route; an order the book never touched is carried under its own id. */
export function routeOf(state: RoutingState, order: OrderState): Route {
  return (
    state.routes.get(order.id) ?? {
      carrier: order.id,
      priorFilled: ZERO,
      priorNotional: ZERO,
      withdrawingFor: null,
      crossed: ZERO,
      carriedAt: null,
      carrierQty: null,
    }
  );
}

/** The client order id the broker holds (or may hold) for `order`, or null. */
export function carrierOf(state: RoutingState, order: OrderState): string | null {
  return state.routes.get(order.id)?.carrier ?? (state.routes.has(order.id) ? null : order.id);
}

/** What the order's current carrier has filled (its filled quantity less crosses and earlier carriers). */
export function carrierFilled(state: RoutingState, order: OrderState): Dec {
  return (order.filledQty - routeOf(state, order).priorFilled) as Dec;
}

/** What stops an `order_routed` from applying, or undefined. */
export function routedProblem(state: RoutingState, event: OrderRouted): EventProblem | undefined {
  const order = state.orders.get(event.id);
  if (!order) return { field: 'id', message: `unknown order '${event.id}'` };
  if (!isOpen(order)) return { field: 'id', message: `order '${event.id}' is already ${order.status}` };
  const route = routeOf(state, order);
  switch (event.action) {
    case 'hold':
      return route.carrier === null || (route.carrier === order.id && order.brokerOrderId === null)
        ? undefined
        : { field: 'action', message: `order '${event.id}' is at the broker; withdraw it first` };
    case 'carry':
      if (route.carrier !== null) return { field: 'action', message: `order '${event.id}' already has a broker order` };
      if (event.carrier === null) return { field: 'carrier', message: 'is required to carry an order' };
      if (state.carriers.has(event.carrier) || (event.carrier !== order.id && state.orders.has(event.carrier)))
        return { field: 'carrier', message: `'${event.carrier}' was already used` };
      if (event.qty === null || event.qty <= 0n || event.qty > remainingQty(order))
        return { field: 'qty', message: 'must be more than 0 and at most what is left of the order' };
      return undefined;
    case 'withdraw':
      return route.carrier !== null && route.carrier === event.carrier
        ? undefined
        : { field: 'carrier', message: `'${event.carrier}' is not the broker order of '${event.id}'` };
    case 'trigger':
      if (!awaitsTrigger(order)) return { field: 'action', message: `order '${event.id}' has no stop left to trigger` };
      return route.carrier === null
        ? undefined
        : { field: 'action', message: `order '${event.id}' is at the broker; the broker triggers it` };
    case 'cancel':
    case 'expire':
      return route.carrier === null
        ? undefined
        : { field: 'action', message: `order '${event.id}' is at the broker; only the broker can end it` };
  }
}

/** Applies an `order_routed` (checked by `routedProblem`). */
export function applyRouted(state: RoutingState, event: OrderRouted): OrderState {
  const order = state.orders.get(event.id)!;
  const route = { ...routeOf(state, order) };
  state.routes.set(order.id, route);
  if (event.action === 'hold') {
    route.carrier = null;
    if (order.status === 'pending_new') order.status = 'new';
    order.reason = event.reason;
  } else if (event.action === 'carry') {
    route.carrier = event.carrier;
    route.carriedAt = event.ts;
    route.carrierQty = event.qty;
    state.carriers.set(event.carrier!, order.id);
    order.brokerOrderId = null;
  } else if (event.action === 'withdraw') {
    route.withdrawingFor = event.for;
    state.carriers.set(event.carrier!, order.id); // used: a later carrier takes a fresh id
  } else if (event.action === 'trigger') {
    order.triggered = true;
    order.reason = event.reason;
  } else {
    order.status = event.action === 'cancel' ? 'canceled' : 'expired';
    order.reason = event.reason;
  }
  order.updatedAt = event.ts;
  return order;
}

/** What stops an `order_crossed` from applying, or undefined. */
export function crossedProblem(state: RoutingState, event: OrderCrossed): EventProblem | undefined {
  if (event.qty <= 0n) return { field: 'qty', message: 'must be greater than 0' };
  const pair = [
    ['buy_order', event.buyOrder, 'buy'],
    ['sell_order', event.sellOrder, 'sell'],
  ] as const;
  for (const [field, id, side] of pair) {
    const order = state.orders.get(id);
    if (!order) return { field, message: `unknown order '${id}'` };
    if (!isOpen(order)) return { field, message: `order '${id}' is already ${order.status}` };
    if (order.side !== side || order.symbol !== event.symbol)
      return { field, message: `order '${id}' is not a ${side} of ${event.symbol}` };
    if (carrierOf(state, order) !== null) return { field, message: `order '${id}' is at the broker` };
    if (event.qty > remainingQty(order)) return { field: 'qty', message: `exceeds what is left of order '${id}'` };
  }
  if (state.orders.get(event.buyOrder)!.deployment === state.orders.get(event.sellOrder)!.deployment)
    return { field: 'sell_order', message: 'a sleeve cannot cross with itself' };
  return undefined;
}

/** Applies an `order_crossed` to both orders (checked by `crossedProblem`). */
export function applyCrossed(state: RoutingState, event: OrderCrossed): OrderState[] {
  return [event.buyOrder, event.sellOrder].map((id) => {
    const order = state.orders.get(id)!;
    const route = { ...routeOf(state, order) };
    state.routes.set(id, route);
    route.priorFilled = (route.priorFilled + event.qty) as Dec;
    route.priorNotional = (route.priorNotional + mul(event.qty, event.price)) as Dec;
    route.crossed = (route.crossed + event.qty) as Dec;
    applyOrderUpdate(order, {
      status: route.priorFilled >= order.qty ? 'filled' : 'partially_filled',
      filledQty: route.priorFilled,
      filledAvgPrice: div(route.priorNotional, route.priorFilled),
      brokerOrderId: null,
      reason: null,
      ts: event.ts,
    });
    return order;
  });
}

const WITHDRAWN =
  'withdrawn at the broker to make way for another sleeve’s order; it stays working here and goes back to the broker when nothing is in its way';

const PART_SENT =
  'the part the account could take at the broker filled; the rest goes to the broker as soon as the account’s position allows it';

/**
 * Applies a broker report about one of `order`'s carriers; returns whether the order changed.
 * An order the book never touched takes the report as it is.
 */
export function applyCarrierReport(state: RoutingState, order: OrderState, event: OrderUpdated): boolean {
  const route = state.routes.get(order.id);
  if (!route) return applyOrderUpdate(order, event);
  if (route.carrier !== (event.carrier ?? event.id)) return false;
  const filled = (route.priorFilled + event.filledQty) as Dec;
  const notional = (route.priorNotional +
    (event.filledAvgPrice === null ? ZERO : mul(event.filledQty, event.filledAvgPrice))) as Dec;
  const average = filled > 0n ? div(notional, filled) : null;
  const partDone =
    event.status === 'filled' && filled < order.qty && route.carrierQty !== null && event.filledQty >= route.carrierQty;
  if ((event.status === 'canceled' && route.withdrawingFor !== null && !order.cancelRequested) || partDone) {
    route.carrier = null;
    route.carriedAt = null;
    route.carrierQty = null;
    route.withdrawingFor = null;
    route.priorFilled = filled;
    route.priorNotional = notional;
    order.status = filled > 0n ? 'partially_filled' : 'new';
    order.filledQty = filled;
    order.filledAvgPrice = average;
    order.brokerOrderId = event.brokerOrderId ?? order.brokerOrderId;
    order.reason = partDone ? PART_SENT : WITHDRAWN;
    order.updatedAt = event.ts;
    return true;
  }
  let status: OrderStatus = event.status;
  if (event.status === 'filled' && filled < order.qty) status = 'canceled';
  else if (!isTerminal(event.status) && filled > 0n && event.status !== 'pending_cancel') status = 'partially_filled';
  return applyOrderUpdate(order, {
    status,
    filledQty: filled,
    filledAvgPrice: average,
    brokerOrderId: event.brokerOrderId,
    reason: event.reason,
    ts: event.ts,
  });
}
