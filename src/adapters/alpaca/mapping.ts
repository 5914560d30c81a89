/**
 * Translation between Alpaca's wire and the broker port (src/app/ports/broker-port.ts), in one place.
 *
 * Entry points: `toBrokerOrder`, `toReport` (a `trade_updates` event), `fillReport` (a FILL
 * activity with its order, for backfill), `toOrderBody`, `fillKey`, `executionIdOfActivity`.
 * Invariants: the port's narrower vocabulary is reached by folding, never by guessing numbers:
 * Alpaca's extra open statuses (done_for_day, pending_cancel, held, …) read as `new` or
 * `partially_filled` by filled quantity, `accepted`/`pending_new` as `pending_new`, and `replaced`
 * as `canceled` (the replacement is a new order); events the port has no kind for are dropped
 * (undefined). A fill's identity is Alpaca's `execution_id`; its fee is 0 (Alpaca charges
 * equities no commission; crypto fees arrive as CFEE activities, FACTS §1.5).
 */
import type {
  BrokerOrder,
  ExecutionReport,
  OrderRequest,
  OrderStatus,
  OrderType,
  ReportKind,
  TimeInForce,
} from '../../app/ports/broker-port.js';
import { type Dec, ZERO, div, mul, toPlain } from '../../core/decimal.js';
import type { BrokerOrderId, ClientOrderId, FillId, Symbol } from '../../core/ids.js';
import type { FillActivity, OrderWire, TradeUpdate } from './wire.js';

export function toStatus(status: string, filledQty: Dec): OrderStatus {
  switch (status) {
    case 'accepted':
    case 'pending_new':
      return 'pending_new';
    case 'partially_filled':
    case 'filled':
    case 'canceled':
    case 'expired':
    case 'rejected':
      return status;
    case 'replaced':
      return 'canceled';
    default:
      // new, done_for_day, pending_cancel, pending_replace, held, stopped, calculated, … : still open.
      return filledQty > 0n ? 'partially_filled' : 'new';
  }
}

/** stop → market and stop_limit → limit (what they become once triggered); trailing_stop → market. */
const toType = (type: string): OrderType => (type === 'limit' || type === 'stop_limit' ? 'limit' : 'market');

/** opg and cls live one session like day; fok is an immediate-or-cancel that is all or nothing. */
const toTimeInForce = (tif: string): TimeInForce =>
  tif === 'gtc' ? 'gtc' : tif === 'ioc' || tif === 'fok' ? 'ioc' : 'day';

export function toBrokerOrder(o: OrderWire): BrokerOrder {
  return {
    brokerOrderId: o.id as BrokerOrderId,
    clientOrderId: o.client_order_id as ClientOrderId,
    symbol: o.symbol as Symbol,
    side: o.side,
    // A notional order has no qty until it fills (FACTS §1.3): its size is what filled.
    qty: o.qty ?? o.filled_qty,
    type: toType(o.type),
    ...(o.limit_price != null ? { limitPrice: o.limit_price } : {}),
    ...(o.stop_price != null ? { stopPrice: o.stop_price } : {}),
    ...(o.trail_price != null ? { trailPrice: o.trail_price } : {}),
    ...(o.trail_percent != null ? { trailPercent: o.trail_percent } : {}),
    ...(o.hwm != null ? { hwm: o.hwm } : {}),
    timeInForce: toTimeInForce(o.time_in_force),
    status: toStatus(o.status, o.filled_qty),
    filledQty: o.filled_qty,
    ...(o.filled_avg_price != null && o.filled_qty > 0n ? { filledAvgPrice: o.filled_avg_price } : {}),
    submittedAt: o.submitted_at ?? o.created_at,
    updatedAt: o.updated_at ?? o.submitted_at ?? o.created_at,
    ...(o.status === 'replaced' ? { reason: 'replaced by a new order' } : {}),
  };
}

const KINDS: Readonly<Record<string, ReportKind>> = {
  new: 'new',
  fill: 'fill',
  partial_fill: 'partial_fill',
  canceled: 'canceled',
  expired: 'expired',
  rejected: 'rejected',
  replaced: 'replaced',
};

/** A `trade_updates` event as a report; undefined for events the port has no kind for. */
export function toReport(update: TradeUpdate): ExecutionReport | undefined {
  const kind = KINDS[update.event];
  if (!kind) return undefined;
  const order = toBrokerOrder(update.order);
  const ts = update.timestamp ?? order.updatedAt;
  if (kind !== 'fill' && kind !== 'partial_fill') return { kind, order, ts };
  if (update.qty == null || update.price == null) return undefined;
  const id = update.execution_id ?? `${order.brokerOrderId}@${toPlain(order.filledQty)}`;
  return { kind, order, ts, execution: { id: id as FillId, qty: update.qty, price: update.price, fee: ZERO, ts } };
}

/**
 * The execution id of a FILL activity: the uuid after "::" in its id (`"<time>::<uuid>"`). That it
 * equals the stream's `execution_id` is what the emulator does and what Alpaca's id layout
 * suggests; FACTS §2.1 marks it UNCERTAIN, so the adapter also dedupes on `fillKey`.
 */
export function executionIdOfActivity(id: string): FillId {
  const at = id.indexOf('::');
  return (at >= 0 ? id.slice(at + 2) : id) as FillId;
}

/** One execution's identity independent of ids: the order and its cumulative filled qty after it. */
export const fillKey = (brokerOrderId: string, cumulativeQty: Dec) => `${brokerOrderId}@${toPlain(cumulativeQty)}`;

/**
 * A FILL activity as a report, with the order as it stood right after that execution: filled qty
 * = `cum_qty`, status from `leaves_qty`, and the average price then — derived exactly from the
 * order's final average and the later executions of the same order (`later` = Σ qty × price of
 * the executions after this one), when those are all known.
 */
export function fillReport(row: FillActivity, order: OrderWire, later: Dec | undefined): ExecutionReport {
  const current = toBrokerOrder(order);
  const cum = row.cum_qty;
  let avg: Dec | undefined;
  if (cum === current.filledQty) avg = current.filledAvgPrice;
  else if (later !== undefined && current.filledAvgPrice !== undefined) {
    const before = (mul(current.filledQty, current.filledAvgPrice) - later) as Dec;
    if (before > 0n) avg = div(before, cum);
  }
  const { filledAvgPrice: _ignored, ...rest } = current;
  const snapshot: BrokerOrder = {
    ...rest,
    status: row.leaves_qty === ZERO ? 'filled' : 'partially_filled',
    filledQty: cum,
    ...(avg !== undefined ? { filledAvgPrice: avg } : {}),
    updatedAt: row.transaction_time,
  };
  const id = executionIdOfActivity(row.id);
  return {
    kind: row.type,
    order: snapshot,
    ts: row.transaction_time,
    execution: { id, qty: row.qty, price: row.price, fee: ZERO, ts: row.transaction_time },
  };
}

/** Alpaca's type for a request: its stop fields make a market order a stop or trailing stop, a limit a stop_limit. */
function alpacaTypeOf(order: OrderRequest): string {
  if (order.trailPrice !== undefined || order.trailPercent !== undefined) return 'trailing_stop';
  if (order.stopPrice !== undefined) return order.type === 'limit' ? 'stop_limit' : 'stop';
  return order.type;
}

/** POST /v2/orders body: numbers as strings, as Alpaca recommends (FACTS §1.1). */
export function toOrderBody(order: OrderRequest): Record<string, string> {
  return {
    symbol: order.symbol,
    qty: toPlain(order.qty),
    side: order.side,
    type: alpacaTypeOf(order),
    time_in_force: order.timeInForce,
    ...(order.limitPrice !== undefined ? { limit_price: toPlain(order.limitPrice) } : {}),
    ...(order.stopPrice !== undefined ? { stop_price: toPlain(order.stopPrice) } : {}),
    ...(order.trailPrice !== undefined ? { trail_price: toPlain(order.trailPrice) } : {}),
    ...(order.trailPercent !== undefined ? { trail_percent: toPlain(order.trailPercent) } : {}),
    client_order_id: order.clientOrderId,
  };
}
