/**
 * Alpaca's Trading API v2 endpoints the adapter uses, typed: orders (submit, cancel, get, get by
 * client order id, list), positions, account, account activities, clock, assets.
 *
 * Entry point: `TradingApi`.
 * Invariants: answers are parsed with the wire schemas (wire.ts); list endpoints that page
 * (orders by submission time, activities by `page_token`) are walked to the end by the `*All`
 * helpers, oldest first; nothing here retries a write (http.ts).
 */
import { z } from 'zod';
import type { AlpacaHttp } from './http.js';
import {
  AccountSchema,
  AssetSchema,
  CalendarDaySchema,
  ClockSchema,
  type FillActivity,
  FillActivitySchema,
  type NonTradeActivity,
  NonTradeActivitySchema,
  OrderSchema,
  type OrderWire,
  PositionSchema,
} from './wire.js';

export interface OrderQuery {
  readonly status?: 'open' | 'closed' | 'all';
  readonly after?: string;
  readonly until?: string;
  readonly direction?: 'asc' | 'desc';
  readonly limit?: number;
  readonly symbols?: readonly string[];
}

export interface ActivityQuery {
  /** e.g. ['FILL'], ['DIV', 'SPLIT']; all types when absent. */
  readonly types?: readonly string[];
  readonly after?: string;
  readonly until?: string;
  readonly direction?: 'asc' | 'desc';
  readonly pageSize?: number;
  readonly pageToken?: string;
}

export type Activity = FillActivity | NonTradeActivity;

const ActivityRowSchema = z
  .object({ activity_type: z.string() })
  .loose()
  .transform((row, ctx): Activity => {
    const parsed = (row.activity_type === 'FILL' ? FillActivitySchema : NonTradeActivitySchema).safeParse(row);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.message });
    return z.NEVER;
  });

const query = (params: Record<string, string | number | undefined>) => {
  const entries = Object.entries(params).filter(
    (e): e is [string, string | number] => e[1] !== undefined && e[1] !== '',
  );
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}` : '';
};

export class TradingApi {
  constructor(
    private readonly http: AlpacaHttp,
    private readonly baseUrl: string,
  ) {}

  private url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  submitOrder(body: Record<string, string>): Promise<OrderWire> {
    return this.http.send('POST', this.url('/v2/orders'), OrderSchema, body);
  }

  async cancelOrder(id: string): Promise<void> {
    await this.http.send('DELETE', this.url(`/v2/orders/${encodeURIComponent(id)}`), z.unknown());
  }

  order(id: string): Promise<OrderWire | undefined> {
    return this.http.get(this.url(`/v2/orders/${encodeURIComponent(id)}`), OrderSchema, true);
  }

  orderByClientId(clientOrderId: string): Promise<OrderWire | undefined> {
    return this.http.get(
      this.url(`/v2/orders:by_client_order_id${query({ client_order_id: clientOrderId })}`),
      OrderSchema,
      true,
    );
  }

  async orders(q: OrderQuery = {}): Promise<OrderWire[]> {
    const params = {
      status: q.status,
      after: q.after,
      until: q.until,
      direction: q.direction,
      limit: q.limit,
      symbols: q.symbols?.join(','),
    };
    return (await this.http.get(this.url(`/v2/orders${query(params)}`), z.array(OrderSchema)))!;
  }

  /**
   * Every order matching `q` submitted after `q.after`, oldest first, paging by submission time.
   * Orders sharing the boundary time are fetched again and deduplicated by id.
   */
  async ordersAll(q: Omit<OrderQuery, 'direction' | 'limit'>): Promise<OrderWire[]> {
    const seen = new Map<string, OrderWire>();
    let after = q.after;
    for (;;) {
      const page = await this.orders({ ...q, after, direction: 'asc', limit: 500 });
      const fresh = page.filter((o) => !seen.has(o.id));
      for (const o of page) seen.set(o.id, o);
      const last = page.at(-1)?.submitted_at;
      if (page.length < 500 || fresh.length === 0 || !last) break;
      // `after` is exclusive: step back one millisecond so orders at the boundary are not lost.
      after = new Date(Date.parse(last) - 1).toISOString();
    }
    return [...seen.values()];
  }

  async positions() {
    return (await this.http.get(this.url('/v2/positions'), z.array(PositionSchema)))!;
  }

  async account() {
    return (await this.http.get(this.url('/v2/account'), AccountSchema))!;
  }

  async activities(q: ActivityQuery = {}): Promise<Activity[]> {
    const params = {
      activity_types: q.types?.join(','),
      after: q.after,
      until: q.until,
      direction: q.direction,
      page_size: q.pageSize,
      page_token: q.pageToken,
    };
    return (await this.http.get(this.url(`/v2/account/activities${query(params)}`), z.array(ActivityRowSchema)))!;
  }

  /** Every activity after the token (or time), oldest first, all pages. */
  async activitiesAll(q: Omit<ActivityQuery, 'direction' | 'pageSize'>): Promise<Activity[]> {
    const rows: Activity[] = [];
    let token = q.pageToken;
    for (;;) {
      const page = await this.activities({
        ...q,
        ...(token ? { pageToken: token, after: undefined } : {}),
        direction: 'asc',
        pageSize: 100,
      });
      rows.push(...page);
      if (page.length < 100) return rows;
      token = page.at(-1)!.id;
    }
  }

  async clock() {
    return (await this.http.get(this.url('/v2/clock'), ClockSchema))!;
  }

  /** Every asset as Alpaca describes it, whole (numbers as their decimal text). */
  async assetsRaw() {
    return (await this.http.get(this.url('/v2/assets'), z.array(z.record(z.string(), z.unknown()))))!;
  }

  async calendar(start: string, end: string) {
    return (await this.http.get(this.url(`/v2/calendar${query({ start, end })}`), z.array(CalendarDaySchema)))!;
  }

  async assets(q: { status?: string; assetClass?: string } = {}) {
    return (await this.http.get(
      this.url(`/v2/assets${query({ status: q.status, asset_class: q.assetClass })}`),
      z.array(AssetSchema),
    ))!;
  }
}
