/**
 * Backfill: what happened while the stream was not listening, rebuilt from REST (FACTS §2.1), since
 * Alpaca's stream replays nothing. FILL account activities after the stored cursor give every
 * execution (joined to its order: FILL rows carry `order_id` but no `client_order_id`); orders
 * with `status=all` give the status changes (cancels, expiries, new orders) of the same window.
 *
 * Entry points: `FillCursor`, `readCursor`, `writeCursor`, `backfill(api, cursor, lookbackMs)`.
 * Invariants: reports come oldest first — fills in the broker's activity order, then status
 * reports; every FILL row after the cursor yields one fill report (duplicates of what the stream
 * already delivered are the caller's to drop); the returned cursor never moves backwards.
 */
import type { ExecutionReport } from '../../app/ports/broker-port.js';
import { type Dec, ZERO, mul } from '../../core/decimal.js';
import { fillReport, toBrokerOrder } from './mapping.js';
import type { TradingApi } from './trading-api.js';
import type { FillActivity, OrderWire } from './wire.js';

/** Where the last completed backfill stopped: the last FILL activity seen and a time. */
export interface FillCursor {
  /** Id of the last FILL activity delivered (Alpaca's `page_token`). */
  readonly activityId?: string;
  /** Broker time up to which status changes were looked at. */
  readonly ts: string;
  /**
   * Fills the stream delivered since, as `fillKey`s (order id @ cumulative qty): a backfill after
   * a restart skips them, whether or not Alpaca's activity ids carry the stream's execution ids.
   */
  readonly recent?: readonly string[];
}

/** The small store the cursor lives in (wired to the store's `cursors` table by the app). */
export interface CursorStore {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
}

export async function readCursor(store: CursorStore, name: string): Promise<FillCursor | undefined> {
  const text = await store.get(name);
  if (text === undefined) return undefined;
  const value = JSON.parse(text) as { activity_id?: unknown; ts?: unknown; recent?: unknown };
  if (typeof value.ts !== 'string') throw new Error(`cursor "${name}" is corrupt: ${text}`);
  const recent = Array.isArray(value.recent) ? value.recent.filter((k): k is string => typeof k === 'string') : [];
  return {
    ts: value.ts,
    ...(typeof value.activity_id === 'string' ? { activityId: value.activity_id } : {}),
    ...(recent.length ? { recent } : {}),
  };
}

export function writeCursor(store: CursorStore, name: string, cursor: FillCursor): Promise<void> {
  return store.set(
    name,
    JSON.stringify({
      activity_id: cursor.activityId ?? null,
      ts: cursor.ts,
      ...(cursor.recent?.length ? { recent: cursor.recent } : {}),
    }),
  );
}

export interface BackfillResult {
  readonly reports: ExecutionReport[];
  readonly cursor: FillCursor;
}

const TERMINAL_KIND: Readonly<Record<string, ExecutionReport['kind']>> = {
  canceled: 'canceled',
  expired: 'expired',
  rejected: 'rejected',
  replaced: 'replaced',
};

/**
 * Everything after `cursor`. Orders are listed from `cursor.ts − lookbackMs` (the orders endpoint
 * filters by submission time, so an older order canceled in the window is only seen when it was
 * submitted within the lookback); an order a FILL row names but the list lacks is fetched by id.
 */
export async function backfill(api: TradingApi, cursor: FillCursor, lookbackMs: number): Promise<BackfillResult> {
  const rows = (
    await api.activitiesAll({
      types: ['FILL'],
      ...(cursor.activityId ? { pageToken: cursor.activityId } : { after: cursor.ts }),
    })
  ).filter((row): row is FillActivity => row.activity_type === 'FILL');
  const since = Date.parse(cursor.ts);
  const listed = await api.ordersAll({ status: 'all', after: new Date(since - lookbackMs).toISOString() });
  const orders = new Map<string, OrderWire>(listed.map((o) => [o.id, o]));
  for (const id of new Set(rows.map((r) => r.order_id))) {
    if (orders.has(id)) continue;
    const order = await api.order(id);
    if (!order) throw new Error(`backfill: order ${id} of a FILL activity is unknown to the broker`);
    orders.set(id, order);
  }

  // Σ qty × price of the order's executions after each row, to rebuild its average at that row.
  // Only exact when the rows reach the order's current filled qty (no execution in between).
  const tail = new Map<string, Dec>();
  const lastCum = new Map<string, Dec>();
  for (const row of rows) lastCum.set(row.order_id, row.cum_qty);
  const afterRow: (Dec | undefined)[] = [];
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i]!;
    const complete = lastCum.get(row.order_id) === orders.get(row.order_id)!.filled_qty;
    afterRow[i] = complete ? (tail.get(row.order_id) ?? ZERO) : undefined;
    tail.set(row.order_id, ((tail.get(row.order_id) ?? ZERO) + mul(row.qty, row.price)) as Dec);
  }
  const reports: ExecutionReport[] = rows.map((row, i) => fillReport(row, orders.get(row.order_id)!, afterRow[i]));

  const filled = new Set(rows.map((r) => r.order_id));
  let ts = cursor.ts;
  const later = (a: string, b: string) => (Date.parse(a) > Date.parse(b) ? a : b);
  for (const order of orders.values()) {
    const updated = order.updated_at ?? order.created_at;
    ts = later(updated, ts);
    if (Date.parse(updated) < since) continue;
    const kind = TERMINAL_KIND[order.status];
    const snapshot = toBrokerOrder(order);
    if (kind)
      reports.push({ kind, order: snapshot, ts: order.canceled_at ?? order.expired_at ?? order.failed_at ?? updated });
    else if (!filled.has(order.id) && order.filled_qty === ZERO)
      reports.push({ kind: 'new', order: snapshot, ts: updated });
  }
  const last = rows.at(-1);
  if (last) ts = later(last.transaction_time, ts);
  return {
    reports,
    cursor: { ...(last ? { activityId: last.id } : cursor.activityId ? { activityId: cursor.activityId } : {}), ts },
  };
}
