/**
 * A sleeve in Alpaca's shapes (spec `components.schemas.Order`, `Position`, `Account`): what a bot
 * reads through the gateway is its own sleeve, field for field as Alpaca's clients parse it.
 *
 * Entry points: `orderWire`, `positionWire`, `accountWire`, `clientOrderIdOf`.
 * Invariants: every number is decimal text from the ledger (never a float); ids are UUIDs, stable
 * for the same order; the bot's own `client_order_id` is what it sent (kept as the order's
 * idempotency key), else the order's id; timestamps are RFC 3339 (the journal's).
 */
import { type Dec, ZERO, abs, dec, quotientString, toPlain } from '../core/decimal.js';
import { type OrderState, alpacaOrderType, isTerminal } from '../core/orders.js';
import type { MetricsView } from '../app/api.js';
import type { PositionView } from '../app/performance/views.js';
import { isCrypto } from '../app/marks/market-hours.js';
import { uuidOf } from './ids.js';

export type Wire = Record<string, unknown>;

const plain = (value: Dec | null) => (value === null ? null : toPlain(value));

/** The `client_order_id` a bot knows an order by. */
export const clientOrderIdOf = (order: OrderState) => order.idempotencyKey ?? order.id;

/** The order's Alpaca `id`. */
export const orderUuid = (order: OrderState) => uuidOf('order', order.id);

export function orderWire(order: OrderState): Wire {
  const ended = isTerminal(order.status) ? order.updatedAt : null;
  return {
    id: orderUuid(order),
    client_order_id: clientOrderIdOf(order),
    created_at: order.createdAt,
    updated_at: order.updatedAt,
    submitted_at: order.createdAt,
    filled_at: order.status === 'filled' ? ended : null,
    expired_at: order.status === 'expired' ? ended : null,
    expires_at: null,
    canceled_at: order.status === 'canceled' ? ended : null,
    failed_at: order.status === 'rejected' ? ended : null,
    replaced_at: null,
    replaced_by: null,
    replaces: null,
    asset_id: uuidOf('asset', order.symbol),
    symbol: order.symbol,
    asset_class: isCrypto(order.symbol) ? 'crypto' : 'us_equity',
    notional: null,
    qty: toPlain(order.qty),
    filled_qty: toPlain(order.filledQty),
    filled_avg_price: plain(order.filledAvgPrice),
    order_class: 'simple',
    order_type: alpacaOrderType(order),
    type: alpacaOrderType(order),
    side: order.side,
    position_intent: order.side === 'buy' ? 'buy_to_open' : 'sell_to_close',
    time_in_force: order.timeInForce,
    limit_price: plain(order.limitPrice),
    stop_price: plain(order.stopPrice ?? null),
    status: order.status,
    extended_hours: false,
    legs: null,
    trail_percent: plain(order.trailPercent ?? null),
    trail_price: plain(order.trailPrice ?? null),
    // The broker keeps a trailing stop's mark; the ledger does not follow it (null: not known here).
    hwm: null,
    subtag: null,
    source: null,
  };
}

/** One of the sleeve's positions (`qty_available`: what its open sells do not hold). */
export function positionWire(p: PositionView, reservedQty: Dec): Wire {
  const qty = dec(p.qty);
  const current = p.mark === null ? dec(p.avg_cost) : dec(p.mark);
  const cost = dec(p.cost_basis);
  const unrealized = dec(p.unrealized_pnl);
  const crypto = isCrypto(p.symbol);
  const available = qty > 0n ? ((qty - reservedQty) as Dec) : qty;
  return {
    asset_id: uuidOf('asset', p.symbol),
    symbol: p.symbol,
    exchange: crypto ? '' : 'NASDAQ',
    asset_class: crypto ? 'crypto' : 'us_equity',
    asset_marginable: !crypto,
    avg_entry_price: p.avg_cost,
    qty: p.qty,
    qty_available: toPlain(available > 0n || qty < 0n ? available : ZERO),
    side: qty < 0n ? 'short' : 'long',
    market_value: p.market_value,
    cost_basis: p.cost_basis,
    unrealized_pl: p.unrealized_pnl,
    unrealized_plpc: cost === ZERO ? '0' : quotientString(unrealized, abs(cost)),
    unrealized_intraday_pl: p.unrealized_pnl,
    unrealized_intraday_plpc: cost === ZERO ? '0' : quotientString(unrealized, abs(cost)),
    current_price: toPlain(current),
    lastday_price: toPlain(current),
    change_today: '0',
  };
}

export interface AccountInput {
  readonly deployment: string;
  readonly createdAt: string;
  readonly now: string;
  readonly status: string;
  readonly shortingEnabled: boolean;
  readonly metrics: MetricsView;
  readonly positions: readonly PositionView[];
  /** The sleeve's equity at the last close, when the history has one (else today's equity). */
  readonly lastEquity: Dec | undefined;
}

/** The sleeve as a 1× cash account: cash, equity and buying power are the sleeve's own. */
export function accountWire(a: AccountInput): Wire {
  let long = ZERO;
  let short = ZERO;
  for (const p of a.positions) {
    const value = dec(p.market_value);
    if (value >= 0n) long = (long + value) as Dec;
    else short = (short + value) as Dec;
  }
  const equity = a.metrics.virtual_portfolio_value;
  const power = a.metrics.buying_power;
  const id = uuidOf('account', a.deployment);
  const active = a.status === 'active';
  return {
    id,
    account_number: `SL${id
      .replace(/[^0-9]/g, '')
      .padEnd(10, '0')
      .slice(0, 10)}`,
    status: 'ACTIVE',
    crypto_status: 'ACTIVE',
    currency: 'USD',
    buying_power: power,
    regt_buying_power: power,
    daytrading_buying_power: '0',
    effective_buying_power: power,
    non_marginable_buying_power: power,
    options_buying_power: power,
    bod_dtbp: '0',
    cash: a.metrics.virtual_cash,
    accrued_fees: '0',
    pending_transfer_in: '0',
    pending_transfer_out: '0',
    portfolio_value: equity,
    pattern_day_trader: false,
    trading_blocked: false,
    transfers_blocked: true,
    account_blocked: false,
    created_at: a.createdAt,
    trade_suspended_by_user: !active,
    multiplier: '1',
    shorting_enabled: a.shortingEnabled,
    equity,
    last_equity: toPlain(a.lastEquity ?? dec(equity)),
    long_market_value: toPlain(long),
    short_market_value: toPlain(short),
    position_market_value: toPlain((long - short) as Dec),
    initial_margin: '0',
    maintenance_margin: '0',
    last_maintenance_margin: '0',
    sma: '0',
    daytrade_count: 0,
    balance_asof: a.now.slice(0, 10),
    options_approved_level: 0,
    options_trading_level: 0,
    intraday_adjustments: '0',
    pending_reg_taf_fees: '0',
  };
}
