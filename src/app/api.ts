/**
 * The application facade: everything the edges (REST API, CLI, dashboard, gateway) may ask of
 * Subledger, in domain words. Inputs are already parsed (decimals are `Dec`); outputs are
 * JSON-ready views with exact decimal strings. Expected rejections throw `AppError` with a stable
 * code (src/app/errors.ts); anything else is a bug or an I/O failure.
 */
import type { Dec } from '../core/decimal.js';
import type { CostMethod, Side } from '../core/events.js';
import type { DeploymentId } from '../core/ids.js';
import type { OrderType, TimeInForce } from './broker-port.js';
import type { PositionView, SleeveView } from './views.js';
import type { PriceStatusView } from './price-updater.js';

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
  /** The price feed (src/app/price-updater.ts); a failing feed makes the status degraded. */
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
