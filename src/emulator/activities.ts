/**
 * Account activities queries (spec `paths./v2/account/activities`; FACTS §2.1): filter by type or
 * category, by `date` / `after` / `until` (exclusive, on the row's time), order by `direction`
 * (default desc) and page with `page_size` (≤ 100) and `page_token` (the id of the last row seen:
 * with desc the page ends before it, with asc it starts right after it).
 *
 * Entry points: `queryActivities(rows, params)`, the row builders `fillActivity`, `dividendActivity`.
 * Invariant: pure; rows keep the order they were booked in (the log's order is the time order),
 * so ties in time never reorder or drop rows across pages.
 */
import type { ExecutionReport } from '../app/ports/broker-port.js';
import { type Dec, mul, toPlain } from '../core/decimal.js';
import { countParam, timeFilter } from './http-util.js';
import { activityId } from './ids.js';
import type { ActivityWire } from './wire.js';

export interface ActivityQuery {
  readonly activity_types?: string;
  readonly category?: string;
  readonly date?: string;
  readonly after?: string;
  readonly until?: string;
  readonly direction?: string;
  readonly page_size?: string;
  readonly page_token?: string;
}

const TRADE_TYPES = new Set(['FILL']);

export function rowTime(row: ActivityWire): number {
  return Date.parse(String(row.transaction_time ?? row.created_at ?? `${String(row.date)}T00:00:00Z`));
}

/** The page of rows the query selects, or a problem (HTTP 422) in words. */
export function queryActivities(
  rows: readonly ActivityWire[],
  q: ActivityQuery,
): { rows: ActivityWire[] } | { problem: string } {
  const types = q.activity_types ? new Set(q.activity_types.split(',').map((t) => t.trim())) : undefined;
  if (q.category && !['trade_activity', 'non_trade_activity'].includes(q.category))
    return { problem: 'category must be trade_activity or non_trade_activity' };
  if (types && q.category) return { problem: 'activity_types and category cannot be combined' };
  const direction = q.direction ?? 'desc';
  if (!['asc', 'desc'].includes(direction)) return { problem: 'direction must be asc or desc' };
  const after = timeFilter(q.after);
  const until = timeFilter(q.until);
  const date = q.date ? timeFilter(q.date) : undefined;
  if ([after, until, date].some((t) => Number.isNaN(t)))
    return { problem: 'date, after and until must be dates or RFC3339 times' };
  const pageSize = countParam(q.page_size, 100, date !== undefined ? 10_000 : 100);
  if (Number.isNaN(pageSize)) return { problem: 'page_size must be a whole number from 1 to 100' };
  const tokenAt = q.page_token ? rows.findIndex((row) => row.id === q.page_token) : -1;
  if (q.page_token && tokenAt < 0) return { problem: `invalid page_token: ${q.page_token}` };
  let selected = rows.filter((row, index) => {
    if (q.page_token && (direction === 'asc' ? index <= tokenAt : index >= tokenAt)) return false;
    if (types && !types.has(row.activity_type)) return false;
    if (q.category === 'trade_activity' && !TRADE_TYPES.has(row.activity_type)) return false;
    if (q.category === 'non_trade_activity' && TRADE_TYPES.has(row.activity_type)) return false;
    const t = rowTime(row);
    if (after !== undefined && !(t > after)) return false;
    if (until !== undefined && !(t < until)) return false;
    return !(date !== undefined && (t < date || t >= date + 86_400_000));
  });
  if (direction === 'desc') selected = selected.reverse();
  return { rows: selected.slice(0, pageSize) };
}

/** The FILL row of one execution (spec `TradingActivities`); its id is `"<time>::<uuid>"`. */
export function fillActivity(report: ExecutionReport, uuid: string, orderId: string): ActivityWire {
  const x = report.execution!;
  const o = report.order;
  return {
    id: activityId(x.ts, uuid),
    activity_type: 'FILL',
    transaction_time: x.ts,
    type: report.kind === 'fill' ? 'fill' : 'partial_fill',
    price: toPlain(x.price),
    qty: toPlain(x.qty),
    side: o.side,
    symbol: o.symbol,
    leaves_qty: toPlain((o.qty - o.filledQty) as Dec),
    order_id: orderId,
    cum_qty: toPlain(o.filledQty),
    order_status: o.status,
  };
}

/** A cash dividend row (spec `NonTradeActivities`, FACTS §6's DIV example); short positions pay. */
export function dividendActivity(uuid: string, now: string, symbol: string, qty: Dec, perShare: Dec): ActivityWire {
  return {
    id: activityId(now, uuid),
    activity_type: 'DIV',
    activity_sub_type: 'CDIV',
    date: now.slice(0, 10),
    created_at: now,
    net_amount: toPlain(mul(qty, perShare)),
    symbol,
    qty: toPlain(qty),
    per_share_amount: toPlain(perShare),
    status: 'executed',
    currency: 'USD',
    description: `Cash DIV @ ${toPlain(perShare)}, Pos QTY: ${toPlain(qty)}`,
  };
}
