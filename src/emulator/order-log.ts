/**
 * The venue's own record for audits: every order submission the emulator refused (the rule, Alpaca's
 * HTTP status, code and words, the order's fields, and the position and open orders it was judged
 * against), and for every accepted order the venue sequence numbers at which it was accepted and at
 * which it became terminal. From the latter, `washTradeAudit` checks Alpaca's wash-trade invariant:
 * no two opposite-side orders in one symbol that could trade against each other (src/sim/rules.ts
 * `couldTrade`: a market order on either side, or buy limit ≥ sell limit) were ever open at once.
 *
 * Entry points: `RejectionRecord`, `Refusal`, `refusalOf`, `RefusedFields`, `fieldsOfBody`,
 * `fieldsOfRequest`, `conflictsOf`, `AuditOrder`, `WashTradeViolation`, `washTradeAudit`.
 * Invariants: pure functions of their arguments; sequence numbers come from one venue counter
 * (acceptances, terminal events and refusals), so they order every event exactly; times are the
 * simulated market's.
 */
import type { BrokerOrder } from '../app/ports/broker-port.js';
import { type Dec, parseDec, toPlain } from '../core/decimal.js';
import type { StopFields } from '../app/ports/broker-port.js';
import { type Rejection, type RejectionCode, type RuleOrder, couldTrade, isTrailing } from '../sim/index.js';
import { type AlpacaOrderType, alpacaType } from '../sim/order-types.js';
import type { VenueOrderRequest } from './order-checks.js';

/** Why a submission was refused: the sim's rejection codes, plus what only the HTTP edge refuses. */
export type RefusalRule = RejectionCode | 'unsupported' | 'unauthorized' | 'rate_limit' | 'internal_error';

export interface Refusal {
  readonly rule: RefusalRule;
  readonly httpStatus: number;
  /** Alpaca's 8-digit error code, as in the error body. */
  readonly alpacaCode: number;
  readonly message: string;
}

export const refusalOf = (r: Rejection): Refusal => ({
  rule: r.code,
  httpStatus: r.httpStatus,
  alpacaCode: r.alpacaCode,
  message: r.message,
});

/** The order's fields as sent (decimal text), null where absent or unreadable. */
export interface RefusedFields {
  readonly client_order_id: string | null;
  readonly symbol: string | null;
  readonly side: string | null;
  readonly type: string | null;
  readonly time_in_force: string | null;
  readonly limit_price: string | null;
  readonly qty: string | null;
  readonly notional: string | null;
}

export interface OpenOrderNote {
  readonly client_order_id: string;
  readonly side: string;
  readonly type: string;
  readonly limit_price: string | null;
  /** The unfilled remainder. */
  readonly qty: string;
}

export interface RejectionRecord extends RefusedFields {
  readonly seq: number;
  /** Simulated time of the refusal. */
  readonly time: string;
  readonly rule: RefusalRule;
  readonly http_status: number;
  readonly code: number;
  readonly message: string;
  /** The account's net position in the symbol when refused (null for a symbol the venue does not trade). */
  readonly position_qty: string | null;
  /** Every open order in the symbol when refused. */
  readonly open_orders: readonly OpenOrderNote[];
  /**
   * Client order ids of the open orders the rule refused it against: for `wash_trade` the opposite
   * orders it could trade with, for `opposite_order_open` the opposite orders, for
   * `insufficient_qty` and `position_flip` the same-side orders holding shares; else empty.
   */
  readonly conflicts: readonly string[];
}

const text = (v: unknown): string | null =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : null;

/** The fields of a POST /v2/orders body that could not be (or was not yet) parsed. */
export function fieldsOfBody(body: unknown): RefusedFields {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  return {
    client_order_id: text(b.client_order_id),
    symbol: text(b.symbol),
    side: text(b.side),
    type: text(b.type),
    time_in_force: text(b.time_in_force),
    limit_price: text(b.limit_price),
    qty: text(b.qty),
    notional: text(b.notional),
  };
}

export function fieldsOfRequest(r: VenueOrderRequest): RefusedFields {
  return {
    client_order_id: r.clientOrderId,
    symbol: r.symbol,
    side: r.side,
    type: alpacaType(r),
    time_in_force: r.timeInForce,
    limit_price: r.limitPrice === undefined ? null : toPlain(r.limitPrice),
    qty: r.qty === undefined ? null : toPlain(r.qty),
    notional: r.notional === undefined ? null : toPlain(r.notional),
  };
}

const remaining = (o: BrokerOrder): RuleOrder => ({
  side: o.side,
  type: o.type,
  limitPrice: o.limitPrice,
  qty: (o.qty - o.filledQty) as Dec,
  trailing: isTrailing(o),
});

/** The open orders (same symbol) the rule refused `order` against; see `RejectionRecord.conflicts`. */
export function conflictsOf(
  rule: RefusalRule,
  request: RuleOrder & StopFields,
  open: readonly BrokerOrder[],
): string[] {
  const order: RuleOrder = { ...request, trailing: isTrailing(request) };
  const opposite = open.filter((o) => o.side !== order.side);
  switch (rule) {
    case 'wash_trade':
      return opposite.filter((o) => couldTrade(order, remaining(o))).map((o) => o.clientOrderId);
    case 'opposite_order_open':
      return opposite.map((o) => o.clientOrderId);
    case 'insufficient_qty':
    case 'position_flip':
      return open.filter((o) => o.side === order.side).map((o) => o.clientOrderId);
    default:
      return [];
  }
}

export const openOrderNote = (o: BrokerOrder): OpenOrderNote => ({
  client_order_id: o.clientOrderId,
  side: o.side,
  type: alpacaType(o),
  limit_price: o.limitPrice === undefined ? null : toPlain(o.limitPrice),
  qty: toPlain((o.qty - o.filledQty) as Dec),
});

/** An accepted order and when, in the venue's sequence, it was open. */
export interface AuditOrder {
  readonly id: string;
  readonly client_order_id: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  /** Alpaca's type name (market, limit, stop, stop_limit, trailing_stop). */
  readonly type: AlpacaOrderType;
  readonly limit_price: string | null;
  readonly time_in_force: string;
  readonly status: string;
  readonly accepted_seq: number;
  readonly accepted_at: string;
  /** When it became filled, canceled or expired; null while it is open. */
  readonly closed_seq: number | null;
  readonly closed_at: string | null;
}

export interface WashTradeViolation {
  readonly symbol: string;
  /** Both were open from this sequence number (the later acceptance) … */
  readonly from_seq: number;
  /** … until this one (the earlier close), or null when both are still open. */
  readonly until_seq: number | null;
  readonly buy: AuditOrder;
  readonly sell: AuditOrder;
}

/** FACTS §4: a stop counts as a market order, a stop_limit as a limit at its limit; a trailing stop is exempt. */
const ruleOrder = (o: AuditOrder): RuleOrder => ({
  side: o.side,
  type: o.type === 'limit' || o.type === 'stop_limit' ? 'limit' : 'market',
  trailing: o.type === 'trailing_stop',
  ...(o.limit_price !== null ? { limitPrice: parseDec(o.limit_price) } : {}),
  qty: parseDec('1'),
});

/**
 * Every pair of opposite-side orders in one symbol that could trade against each other and were
 * open at the same time (empty when the invariant held). A sweep in sequence order: each
 * acceptance is checked against the orders open at that moment.
 */
export function washTradeAudit(orders: readonly AuditOrder[]): WashTradeViolation[] {
  const events = orders.flatMap((o) => [
    { seq: o.accepted_seq, open: true, order: o },
    ...(o.closed_seq !== null ? [{ seq: o.closed_seq, open: false, order: o }] : []),
  ]);
  events.sort((a, b) => a.seq - b.seq);
  const openBySymbol = new Map<string, Set<AuditOrder>>();
  const violations: WashTradeViolation[] = [];
  for (const { seq, open, order } of events) {
    let live = openBySymbol.get(order.symbol);
    if (!live) openBySymbol.set(order.symbol, (live = new Set()));
    if (!open) {
      live.delete(order);
      continue;
    }
    for (const other of live) {
      if (other.side === order.side || !couldTrade(ruleOrder(order), ruleOrder(other))) continue;
      const closes = [order.closed_seq, other.closed_seq].filter((s): s is number => s !== null);
      violations.push({
        symbol: order.symbol,
        from_seq: seq,
        until_seq: closes.length > 0 ? Math.min(...closes) : null,
        buy: order.side === 'buy' ? order : other,
        sell: order.side === 'buy' ? other : order,
      });
    }
    live.add(order);
  }
  return violations;
}
