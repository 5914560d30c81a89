/**
 * The application facade: everything the edges (REST API, CLI, dashboard, gateway) may ask of
 * Subledger, in domain words. Inputs are already parsed (decimals are `Dec`); outputs are
 * JSON-ready views with exact decimal strings. Expected rejections throw `AppError` with a stable
 * code (src/app/errors.ts); anything else is a bug or an I/O failure.
 */
import type { Dec } from '../core/decimal.js';
import type { CostMethod, Side } from '../core/events.js';
import type { DeploymentId } from '../core/ids.js';
import type { OrderType, TimeInForce } from './ports/broker-port.js';
import type { PositionView, SleeveView } from './performance/views.js';
import type { PriceStatusView } from './marks/price-updater.js';

export type DeploymentStatus = 'active' | 'paused' | 'stopped';

export interface Limits {
  /** Largest notional one order may have (money). */
  readonly maxOrderNotional?: Dec;
  /** Largest value of one symbol's position after an order (money). */
  readonly maxPositionValue?: Dec;
  /** Largest value of one symbol's position as a percentage of sleeve equity (e.g. 25 for 25 %). */
  readonly maxPositionPct?: Dec;
  /** Only these symbols may be traded (absent: any). */
  readonly allowedSymbols?: readonly string[];
  /** Shorting allowed (default false). */
  readonly allowShort?: boolean;
  /** Largest gross exposure (Σ |position value|) as a multiple of sleeve equity (> 0; default 1). */
  readonly maxLeverage?: Dec;
  /** Loss limits (src/core/loss-limits.ts): the day's loss (money), the drawdown from the peak (%), the action. */
  readonly maxDailyLoss?: Dec;
  readonly maxDrawdownPct?: Dec;
  readonly onBreach?: 'pause' | 'flatten';
}

export interface CreateDeploymentInput {
  readonly id: DeploymentId;
  readonly name?: string;
  readonly strategy?: string;
  readonly initialCapital: Dec;
  readonly costMethod?: CostMethod;
  readonly limits?: Limits;
}

export interface DeploymentView {
  id: string;
  name: string;
  strategy: string;
  status: DeploymentStatus;
  cost_method: CostMethod;
  initial_capital: string;
  limits: LimitsView;
  created_at: string;
  updated_at: string;
}

export interface LimitsView {
  max_order_notional: string | null;
  max_position_value: string | null;
  max_position_pct: string | null;
  allowed_symbols: string[] | null;
  allow_short: boolean;
  /** The max leverage in force (the default "1" when none was set); always set by Subledger. */
  max_leverage?: string;
  /** Loss limits (src/core/loss-limits.ts); null when not set. */
  max_daily_loss?: string | null;
  max_drawdown_pct?: string | null;
  on_breach?: 'pause' | 'flatten' | null;
}

/** Seed 000's metrics: the sleeve's own virtual account. */
export type MetricsView = Omit<SleeveView, 'positions'> & {
  buying_power: string;
  reserved_cash: string;
  open_orders: number;
  as_of: string;
};

export interface TradeView {
  fill_id: string;
  order_id: string | null;
  symbol: string;
  side: Side;
  qty: string;
  price: string;
  fee: string;
  realized_pnl: string;
  ts: string;
}

export interface TradePage {
  trades: TradeView[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  next_cursor: string | null;
}

export interface TradeQueryInput {
  readonly symbol?: string;
  readonly from?: string;
  readonly to?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface SubmitOrderInput {
  readonly symbol: string;
  readonly side: Side;
  /** Exactly one of qty and notional. */
  readonly qty?: Dec;
  readonly notional?: Dec;
  readonly type: OrderType;
  readonly limitPrice?: Dec;
  readonly timeInForce: TimeInForce;
  /** A stop trigger: stop (market + stopPrice), stop_limit (limit + stopPrice), trailing stop (market + one trail). */
  readonly stopPrice?: Dec;
  readonly trailPrice?: Dec;
  readonly trailPercent?: Dec;
  /** A retried request with the same key returns the original order. */
  readonly idempotencyKey?: string;
  /** The deployment's ended order this one replaces (journaled with it, so the link outlives the process). */
  readonly replaces?: string;
}

export interface OrderView {
  id: string;
  deployment_id: string;
  broker_order_id: string | null;
  symbol: string;
  side: Side;
  qty: string;
  type: OrderType;
  limit_price: string | null;
  time_in_force: TimeInForce;
  status: string;
  filled_qty: string;
  filled_avg_price: string | null;
  reserved_cash: string;
  reserved_qty: string;
  /** How much of it was filled inside Subledger against another deployment's order (no broker, no fee). */
  crossed_qty: string;
  /** Whether the broker holds an order for it now (false while the internal book holds or has withdrawn it: it is still working). */
  at_broker: boolean;
  reason: string | null;
  idempotency_key: string | null;
  created_at: string;
  updated_at: string;
}

export interface CapitalFlowView {
  id: string;
  deployment_id: string;
  amount: string;
  ts: string;
}

export interface AccountView {
  broker: { cash: string; equity: string; positions: { symbol: string; qty: string }[] };
  sleeves: { cash: string; positions: { symbol: string; qty: string }[] };
  house: { cash: string; positions: { symbol: string; qty: string }[] };
  /** Per symbol and for cash: broker − (Σ deployments + house); all zero when it reconciles. */
  differences: { item: string; broker: string; books: string; difference: string; likely_cause: string | null }[];
  reconciled: boolean;
  as_of: string;
}

export interface HealthView {
  status: 'ok' | 'degraded';
  store: string;
  broker: string;
  /** Null when the store could not be read (the status is then degraded). */
  journal_events: number | null;
  time: string;
  /** The price feed (src/app/marks/price-updater.ts); a failing feed makes the status degraded. */
  marks?: PriceStatusView;
}

export type Principal = { readonly kind: 'admin' } | { readonly kind: 'deployment'; readonly deployment: DeploymentId };

export interface SubledgerApi {
  createDeployment(input: CreateDeploymentInput): Promise<DeploymentView>;
  listDeployments(): DeploymentView[];
  /** Throws NOT_FOUND. */
  getDeployment(id: DeploymentId): DeploymentView;
  setDeploymentStatus(id: DeploymentId, status: DeploymentStatus): Promise<DeploymentView>;
  /** Positive: from the house into the deployment; negative: back (at most its free cash). */
  moveCapital(id: DeploymentId, amount: Dec, idempotencyKey?: string): Promise<CapitalFlowView>;
  capitalFlows(id: DeploymentId): CapitalFlowView[];
  metrics(id: DeploymentId): MetricsView;
  positions(id: DeploymentId): PositionView[];
  /**
   * The journal's last committed seq. Every change to what metrics, positions and orders show is
   * a journal commit (fills, marks, orders, statuses), so a view built at a seq holds until it
   * moves — but for its time-dependent fields (`as_of`, `mark_stale`).
   */
  journalSeq(): number;
  /** The app clock's time (ISO), as a view's `as_of` reads it. */
  asOf(): string;
  /** Whether a position with a mark of this time (null: none) is `mark_stale` now. */
  isMarkStale(markTs: string | null): boolean;
  trades(id: DeploymentId, query: TradeQueryInput): Promise<TradePage>;
  /** Risk check, journal, send. Throws the risk codes (422), NOT_FOUND, VALIDATION_FAILED. */
  submitOrder(id: DeploymentId, input: SubmitOrderInput): Promise<OrderView>;
  /** Only the deployment's own order; throws NOT_FOUND otherwise, CONFLICT when already final. */
  cancelOrder(id: DeploymentId, orderId: string): Promise<OrderView>;
  listOrders(id: DeploymentId, query: { status: 'open' | 'closed' | 'all'; limit: number }): OrderView[];
  /**
   * Resolves the deployment's orders the broker has not acknowledged yet (looked up, adopted or
   * sent once), waiting at most `waitMs`; what is not settled by then goes on in the background.
   */
  resolveOrders(id: DeploymentId, waitMs?: number): Promise<void>;
  account(): Promise<AccountView>;
  health(): Promise<HealthView>;
}
