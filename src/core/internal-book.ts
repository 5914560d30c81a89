/**
 * The internal book (DESIGN.md §8): per symbol, the sleeves' working orders, and the one place that
 * decides what the broker sees. One account at Alpaca refuses an order that could trade against
 * an open opposite order of the same account (its wash-trade rule); here the sleeves' orders are
 * matched with each other first, and only what cannot meet inside is placed at the broker, so
 * that the broker never holds two of our orders that could interact.
 *
 * Entry points: `interacts` (Alpaca's rule for two opposite orders), `acceptsPrice`, `byPriority`
 * (who is matched first), `byArrival`, `planPlacement` (an order's way to the broker: crosses, withdrawals,
 * send or hold), `selfConflict`.
 * The rules (docs/decisions/0004-internal-book.md):
 * - An order is crossed against other sleeves' opposite working orders only at the reference
 *   price, and only when that price satisfies both (a market order accepts any price; a buy limit
 *   accepts prices ≤ it, a sell limit prices ≥ it). So no sleeve ever trades worse than its limit
 *   nor worse than the reference price it would have got.
 * - Candidates are matched in priority: market orders first, then the best limit, then the
 *   oldest, then the id (a total order, so the same book always gives the same plan).
 * - What is left after crossing goes to the broker when nothing there could interact with it.
 *   Otherwise a marketable order (one that accepts the reference price) has the conflicting
 *   resting orders withdrawn (they stay working in their sleeves and are restored when it is
 *   done); a non-marketable one is held in the book until the conflict ends (time priority: the
 *   resting order was there first). An order of a block (several sleeves' net order) is never
 *   withdrawn: a new order waits for it.
 * - Stop orders (`trigger`): a stop conflicts as the market order it becomes, a stop_limit as its
 *   limit, a trailing stop never. A stop not yet triggered is never crossed and never marketable;
 *   another sleeve's resting stop in the way is withdrawn for any new order (the book holds it and
 *   triggers it from the reference price); a new stop with anything in its way is held.
 * Invariant: pure; the plan depends only on the arguments.
 */
import { type Dec, ZERO, min } from './decimal.js';
import type { Side } from './events.js';

/** A working order as the book sees it. */
export interface BookOrder {
  readonly id: string;
  /** The sleeve it belongs to; a block order's is its own id (it belongs to no one sleeve). */
  readonly owner: string;
  readonly side: Side;
  readonly type: 'market' | 'limit';
  readonly limitPrice: Dec | null;
  /** What is still to fill. */
  readonly remaining: Dec;
  /** Time priority (ISO time the order was accepted). */
  readonly createdAt: string;
  /** Whether a broker order for it may be open at the broker now. */
  readonly atBroker: boolean;
  /** Whether it may be crossed or withdrawn (false for a block order, or an order being cancelled). */
  readonly movable: boolean;
  /**
   * A stop order not triggered yet: `stop` (stop, stop_limit: `type` is what it becomes once
   * triggered) or `trailing` (trailing_stop). Absent for any other order, and once triggered.
   */
  readonly trigger?: 'stop' | 'trailing';
}

/** One internal match: `qty` of the incoming order against `against`. */
export interface PlannedCross {
  readonly against: BookOrder;
  readonly qty: Dec;
}

export type Placement =
  /** Cross these (their broker orders must be withdrawn first: `withdraw`), then send `sendQty`. */
  | {
      readonly kind: 'place';
      readonly crosses: readonly PlannedCross[];
      /** At-broker orders to withdraw before anything else: those to cross, and those in the way. */
      readonly withdraw: readonly BookOrder[];
      /** What goes to the broker after the crosses (0: nothing). */
      readonly sendQty: Dec;
    }
  /** Keep it in the book, not at the broker, until `blockers` are done. */
  | {
      readonly kind: 'hold';
      readonly crosses: readonly PlannedCross[];
      readonly withdraw: readonly BookOrder[];
      readonly blockers: readonly BookOrder[];
    };

/** Alpaca's rule (FACTS §4): could these two orders of one account trade against each other? */
export function interacts(a: BookOrder, b: BookOrder): boolean {
  if (a.side === b.side) return false;
  // Trailing stops are exempt; a stop counts as the market order it becomes, a stop_limit as its limit.
  if (a.trigger === 'trailing' || b.trigger === 'trailing') return false;
  if (a.type === 'market' || b.type === 'market') return true;
  const buy = a.side === 'buy' ? a : b;
  const sell = a.side === 'buy' ? b : a;
  return buy.limitPrice! >= sell.limitPrice!;
}

/**
 * Whether `order` accepts a trade at `price` (its limit allows it; a market order accepts any). A
 * stop not triggered yet accepts none: it must not trade before its stop is reached, so it is never
 * crossed inside nor counted as marketable.
 */
export function acceptsPrice(order: Pick<BookOrder, 'side' | 'type' | 'limitPrice' | 'trigger'>, price: Dec): boolean {
  if (order.trigger !== undefined) return false;
  if (order.type === 'market') return true;
  return order.side === 'buy' ? price <= order.limitPrice! : price >= order.limitPrice!;
}

/**
 * Matching priority among orders of ONE side: market first, then the best limit (highest buy,
 * lowest sell), then the oldest, then the id. Across sides "best limit" means nothing: use `byArrival`.
 */
export function byPriority(a: BookOrder, b: BookOrder): number {
  if (a.type !== b.type) return a.type === 'market' ? -1 : 1;
  if (a.type === 'limit' && a.limitPrice !== b.limitPrice) {
    const better = a.side === 'buy' ? a.limitPrice! > b.limitPrice! : a.limitPrice! < b.limitPrice!;
    return better ? -1 : 1;
  }
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Arrival order, for orders of both sides (which held order is placed first): the oldest, then the id. */
export function byArrival(a: BookOrder, b: BookOrder): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The first of the owner's own working orders the incoming one could trade against (Alpaca would refuse it too). */
export function selfConflict(incoming: BookOrder, book: readonly BookOrder[]): BookOrder | undefined {
  return book
    .filter((o) => o.id !== incoming.id && o.owner === incoming.owner && o.remaining > 0n && interacts(o, incoming))
    .sort(byPriority)[0];
}

/**
 * How `incoming` reaches the broker, given the other working orders of its symbol (`book`; the
 * incoming order and its owner's own orders are left out of the matching) and the reference price.
 * Crosses take candidates in `byPriority` order, each up to what both still need. `account.flat`:
 * the account holds none of the symbol, so any opposite order at the broker is in the way.
 * `account.net`: the account's net position in the symbol, which bounds what may be sent (see
 * `withinAccount`); the plan may then send less than what is left (the rest goes later).
 */
export function planPlacement(
  incoming: BookOrder,
  book: readonly BookOrder[],
  reference: Dec,
  account: { flat?: boolean; net?: Dec } = {},
): Placement {
  const plan = planAgainstOrders(incoming, book, reference, account.flat === true);
  return account.net === undefined ? plan : withinAccount(plan, incoming, book, reference, account.net);
}

function planAgainstOrders(incoming: BookOrder, book: readonly BookOrder[], reference: Dec, flat: boolean): Placement {
  const others = book.filter(
    (o) => o.id !== incoming.id && o.owner !== incoming.owner && o.remaining > 0n && interacts(o, incoming),
  );
  const crosses: PlannedCross[] = [];
  let left = incoming.remaining;
  if (incoming.movable && acceptsPrice(incoming, reference)) {
    for (const candidate of [...others].sort(byPriority)) {
      if (left === ZERO) break;
      if (!candidate.movable || !acceptsPrice(candidate, reference)) continue;
      const qty = min(left, candidate.remaining);
      crosses.push({ against: candidate, qty });
      left = (left - qty) as Dec;
    }
  }
  const crossed = new Set(crosses.map((c) => c.against.id));
  const toCross = crosses.map((c) => c.against).filter((o) => o.atBroker);
  if (left === ZERO) return { kind: 'place', crosses, withdraw: toCross, sendQty: ZERO };
  // Something is left, so every crossed order was taken whole: only the others can be in the way.
  // With the account flat, Alpaca refuses an opening order while any opposite order is open
  // ("cannot open a long buy while a short sell order is open"), whatever the prices.
  const opposite = flat
    ? book.filter((o) => o.id !== incoming.id && o.owner !== incoming.owner && o.side !== incoming.side)
    : others;
  const inTheWay = opposite.filter((o) => o.atBroker && o.remaining > 0n && !crossed.has(o.id));
  if (inTheWay.length === 0) return { kind: 'place', crosses, withdraw: toCross, sendQty: left };
  // Another sleeve's resting stop gives way to any order that is not a stop itself: the book
  // holds it and triggers it from the reference price (docs/decisions/0004, stop orders), so no
  // new order waits for a stop that may never trigger.
  const stops = inTheWay.filter((o) => o.trigger === 'stop' && o.movable);
  if (incoming.trigger === undefined && stops.length === inTheWay.length)
    return { kind: 'place', crosses, withdraw: [...toCross, ...stops], sendQty: left };
  if (acceptsPrice(incoming, reference) && inTheWay.every((o) => o.movable))
    return { kind: 'place', crosses, withdraw: [...toCross, ...inTheWay], sendQty: left };
  return { kind: 'hold', crosses, withdraw: toCross, blockers: inTheWay };
}

/**
 * Alpaca judges an order against the account's net position: a sell from a long may not exceed the
 * long minus the sells already open (the "qty available"), and no order may take the position
 * through zero (a buy covering a short, likewise). So what is sent is cut to what the account can
 * close now: for a marketable order, other sleeves' same-side orders at the broker are withdrawn,
 * lowest priority first, to make room (they come back when it is done); a non-marketable one takes
 * the room there is. The rest of the order is sent later, once the position allows it (after the
 * sent part filled, the account may be flat: then an opening order is free to go). Nothing to send
 * now is a hold.
 */
function withinAccount(
  plan: Placement,
  incoming: BookOrder,
  book: readonly BookOrder[],
  reference: Dec,
  net: Dec,
): Placement {
  if (plan.kind !== 'place' || plan.sendQty === ZERO) return plan;
  const closing = (incoming.side === 'sell' ? net : -net) as Dec;
  if (closing <= 0n) return plan; // opening or adding: the wash-trade and flat rules cover it
  const leaving = new Set(plan.withdraw.map((o) => o.id));
  const same = book.filter(
    (o) => o.id !== incoming.id && o.side === incoming.side && o.atBroker && o.remaining > 0n && !leaving.has(o.id),
  );
  let pending = same.reduce((total, o) => total + o.remaining, 0n);
  const want = min(plan.sendQty, closing);
  const extra: BookOrder[] = [];
  if (pending + want > closing && acceptsPrice(incoming, reference)) {
    const movable = same
      .filter((o) => o.owner !== incoming.owner && o.movable)
      .sort(byPriority)
      .reverse();
    for (const o of movable) {
      if (pending + want <= closing) break;
      extra.push(o);
      pending -= o.remaining;
    }
  }
  const room = closing - pending;
  const sendQty = (room <= 0n ? ZERO : min(plan.sendQty, room as Dec)) as Dec;
  if (sendQty === ZERO) {
    const crossed = new Set(plan.crosses.map((c) => c.against.id));
    return {
      kind: 'hold',
      crosses: plan.crosses,
      withdraw: plan.withdraw.filter((o) => crossed.has(o.id)),
      blockers: same,
    };
  }
  return { ...plan, withdraw: [...plan.withdraw, ...extra], sendQty };
}
