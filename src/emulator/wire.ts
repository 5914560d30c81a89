/**
 * Alpaca's wire shapes as the emulator writes them (spec `components.schemas.Order`, `Position`,
 * `Account`, `legacy_clock`, `Assets`, `TradingActivities`, `NonTradeActivities`; FACTS §1.1, §3).
 *
 * Entry points: the `*Wire` types and the `*ToWire` serializers.
 * Invariants: every number is a decimal string written by `toPlain` (never through a float);
 * every key the spec or its examples show is present (nullable ones as null), including
 * `source` and `subtag`, which only the examples carry.
 */
import type { BrokerOrder } from '../app/ports/broker-port.js';
import { type Dec, ZERO, abs, mul, quotientString, toPlain } from '../core/decimal.js';
import type { Symbol } from '../core/ids.js';
import type { SimPosition, SimQuote } from '../sim/index.js';
import { uuidFor } from './ids.js';
import { alpacaType } from '../sim/order-types.js';

export interface OrderMeta {
  readonly id: string;
  readonly assetId: string;
  readonly createdAt: string;
  readonly positionIntent: 'buy_to_open' | 'buy_to_close' | 'sell_to_open' | 'sell_to_close';
  readonly notional: Dec | null;
  readonly expiresAt: string;
  /** The venue's sequence number at acceptance, and at the terminal event (for the audit). */
  readonly acceptedSeq: number;
  closedSeq?: number;
  filledAt?: string;
  canceledAt?: string;
  expiredAt?: string;
}

export type OrderWire = Record<string, unknown> & {
  readonly id: string;
  readonly client_order_id: string;
  readonly status: string;
  readonly symbol: string;
};

export interface TradeUpdateWire {
  readonly event: string;
  readonly order: OrderWire;
  readonly timestamp?: string;
  readonly execution_id?: string;
  readonly price?: string;
  readonly qty?: string;
  readonly position_qty?: string;
}

export type ActivityWire = Record<string, unknown> & { readonly id: string; readonly activity_type: string };

const plain = (value: Dec | undefined | null) => (value === undefined || value === null ? null : toPlain(value));

export function orderToWire(o: BrokerOrder, meta: OrderMeta, crypto: boolean): OrderWire {
  return {
    id: meta.id,
    client_order_id: o.clientOrderId,
    created_at: meta.createdAt,
    updated_at: o.updatedAt,
    submitted_at: o.submittedAt,
    filled_at: meta.filledAt ?? null,
    expired_at: meta.expiredAt ?? null,
    expires_at: meta.expiresAt,
    canceled_at: meta.canceledAt ?? null,
    failed_at: null,
    replaced_at: null,
    replaced_by: null,
    replaces: null,
    asset_id: meta.assetId,
    symbol: o.symbol,
    asset_class: crypto ? 'crypto' : 'us_equity',
    notional: plain(meta.notional),
    qty: meta.notional === null ? toPlain(o.qty) : null,
    filled_qty: toPlain(o.filledQty),
    filled_avg_price: plain(o.filledAvgPrice),
    order_class: 'simple',
    order_type: alpacaType(o),
    type: alpacaType(o),
    side: o.side,
    position_intent: meta.positionIntent,
    time_in_force: o.timeInForce,
    limit_price: plain(o.limitPrice),
    stop_price: plain(o.stopPrice),
    status: o.status,
    extended_hours: false,
    legs: null,
    trail_percent: plain(o.trailPercent),
    trail_price: plain(o.trailPrice),
    hwm: plain(o.hwm),
    subtag: null,
    source: null,
  };
}

export interface Marked {
  readonly position: SimPosition;
  readonly quote: SimQuote | undefined;
  /** The price at the start of the emulator's day (step 0), for the `*_today` fields. */
  readonly lastday: Dec;
  readonly qtyAvailable: Dec;
  readonly crypto: boolean;
}

export function positionToWire({ position: p, quote, lastday, qtyAvailable, crypto }: Marked): Record<string, unknown> {
  const current = quote?.last ?? p.avgEntryPrice;
  const marketValue = mul(p.qty, current);
  const costBasis = mul(p.qty, p.avgEntryPrice);
  const unrealized = (marketValue - costBasis) as Dec;
  const intraday = (marketValue - mul(p.qty, lastday)) as Dec;
  const ratio = (a: Dec, b: Dec) => (b === ZERO ? '0' : quotientString(a, abs(b)));
  return {
    asset_id: uuidFor('asset', p.symbol),
    symbol: p.symbol,
    exchange: crypto ? '' : 'NASDAQ',
    asset_class: crypto ? 'crypto' : 'us_equity',
    asset_marginable: !crypto,
    avg_entry_price: toPlain(p.avgEntryPrice),
    qty: toPlain(p.qty),
    qty_available: toPlain(qtyAvailable),
    side: p.qty < 0n ? 'short' : 'long',
    market_value: toPlain(marketValue),
    cost_basis: toPlain(costBasis),
    unrealized_pl: toPlain(unrealized),
    unrealized_plpc: ratio(unrealized, costBasis),
    unrealized_intraday_pl: toPlain(intraday),
    unrealized_intraday_plpc: ratio(intraday, mul(p.qty, lastday)),
    current_price: toPlain(current),
    lastday_price: toPlain(lastday),
    change_today: ratio((current - lastday) as Dec, lastday),
  };
}

export interface AccountFigures {
  readonly id: string;
  readonly createdAt: string;
  readonly now: string;
  readonly cash: Dec;
  readonly buyingPower: Dec;
  readonly longMarketValue: Dec;
  readonly shortMarketValue: Dec;
  readonly startingEquity: Dec;
}

/** A 1× cash account (multiplier 1): buying power is the engine's (cash less open buys). */
export function accountToWire(a: AccountFigures): Record<string, unknown> {
  const equity = (a.cash + a.longMarketValue + a.shortMarketValue) as Dec;
  const bp = toPlain(a.buyingPower);
  return {
    id: a.id,
    account_number: `PA${a.id
      .replace(/[^0-9]/g, '')
      .padEnd(10, '7')
      .slice(0, 10)}`,
    status: 'ACTIVE',
    crypto_status: 'ACTIVE',
    currency: 'USD',
    buying_power: bp,
    regt_buying_power: bp,
    daytrading_buying_power: '0',
    effective_buying_power: bp,
    non_marginable_buying_power: bp,
    options_buying_power: bp,
    bod_dtbp: '0',
    cash: toPlain(a.cash),
    accrued_fees: '0',
    pending_transfer_in: '0',
    pending_transfer_out: '0',
    portfolio_value: toPlain(equity),
    pattern_day_trader: false,
    trading_blocked: false,
    transfers_blocked: false,
    account_blocked: false,
    created_at: a.createdAt,
    trade_suspended_by_user: false,
    multiplier: '1',
    shorting_enabled: true,
    equity: toPlain(equity),
    last_equity: toPlain(a.startingEquity),
    long_market_value: toPlain(a.longMarketValue),
    short_market_value: toPlain(a.shortMarketValue),
    position_market_value: toPlain((a.longMarketValue - a.shortMarketValue) as Dec),
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

/**
 * The emulator's market never closes (it trades every step, day and night), so `is_open` is
 * always true; `next_open` / `next_close` follow the regular US session (14:30–21:00 UTC).
 */
/** `GET /v2/calendar` of the simulated market: every weekday from `start` to `end`; undefined for a bad date. */
export function calendarToWire(start: string, end: string): Record<string, unknown>[] | undefined {
  const day = 86_400_000;
  const from = Date.parse(`${start}T00:00:00Z`);
  const to = Date.parse(`${end}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || !/^\d{4}-\d{2}-\d{2}$/.test(end) || Number.isNaN(from + to))
    return undefined;
  const days: Record<string, unknown>[] = [];
  for (let t = from; t <= to && days.length < 1000; t += day) {
    const weekday = new Date(t).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    days.push({
      date: new Date(t).toISOString().slice(0, 10),
      open: '09:30',
      close: '16:00',
      session_open: '0400',
      session_close: '2000',
      settlement_date: new Date(t + (weekday === 5 ? 3 : 1) * day).toISOString().slice(0, 10),
    });
  }
  return days;
}

export function clockToWire(now: string): Record<string, unknown> {
  const day = Date.parse(`${now.slice(0, 10)}T00:00:00.000Z`);
  const at = (ms: number) => new Date(ms).toISOString();
  const nowMs = Date.parse(now);
  const open = day + 14.5 * 3_600_000;
  const close = day + 21 * 3_600_000;
  return {
    timestamp: now,
    is_open: true,
    next_open: at(nowMs < open ? open : open + 86_400_000),
    next_close: at(nowMs < close ? close : close + 86_400_000),
  };
}

export function assetToWire(symbol: Symbol, crypto: boolean): Record<string, unknown> {
  return {
    id: uuidFor('asset', symbol),
    class: crypto ? 'crypto' : 'us_equity',
    exchange: crypto ? 'CRYPTO' : 'NASDAQ',
    symbol,
    name: crypto ? `${symbol.split('/')[0]} / US Dollar` : `${symbol} (simulated)`,
    status: 'active',
    tradable: true,
    marginable: !crypto,
    shortable: !crypto,
    easy_to_borrow: !crypto,
    borrow_status: crypto ? 'hard_to_borrow' : 'easy_to_borrow',
    fractionable: true,
    maintenance_margin_requirement: crypto ? 100 : 30,
    margin_requirement_long: crypto ? '100' : '30',
    margin_requirement_short: crypto ? '100' : '30',
    attributes: [],
    ...(crypto ? { min_order_size: '0.000000001', min_trade_increment: '0.000000001', price_increment: '0.01' } : {}),
  };
}
