/**
 * Deployment limits: stored in the journal as JSON with decimal strings, used by the core risk
 * check as `Dec`s, shown to users as `LimitsView`.
 */
import { parseDec, toPlain } from '../../core/decimal.js';
import { DEFAULT_MAX_LEVERAGE, type RiskLimits } from '../../core/risk.js';
import type { Limits, LimitsView } from '../api.js';

/** Limits → the JSON stored with the deployment event. */
export function limitsToJson(limits: Limits | undefined): Record<string, unknown> {
  if (!limits) return {};
  const out: Record<string, unknown> = {};
  if (limits.maxOrderNotional !== undefined) out.max_order_notional = toPlain(limits.maxOrderNotional);
  if (limits.maxPositionValue !== undefined) out.max_position_value = toPlain(limits.maxPositionValue);
  if (limits.maxPositionPct !== undefined) out.max_position_pct = toPlain(limits.maxPositionPct);
  if (limits.allowedSymbols !== undefined) out.allowed_symbols = [...limits.allowedSymbols];
  if (limits.allowShort !== undefined) out.allow_short = limits.allowShort;
  if (limits.maxLeverage !== undefined) out.max_leverage = toPlain(limits.maxLeverage);
  if (limits.maxDailyLoss !== undefined) out.max_daily_loss = toPlain(limits.maxDailyLoss);
  if (limits.maxDrawdownPct !== undefined) out.max_drawdown_pct = toPlain(limits.maxDrawdownPct);
  if (limits.onBreach !== undefined) out.on_breach = limits.onBreach;
  return out;
}

/** Stored JSON → the risk check's limits. */
export function limitsOf(json: Readonly<Record<string, unknown>>): RiskLimits {
  const d = (v: unknown) => (typeof v === 'string' ? parseDec(v) : undefined);
  const out: { -readonly [K in keyof RiskLimits]: RiskLimits[K] } = {};
  const maxOrder = d(json.max_order_notional);
  if (maxOrder !== undefined) out.maxOrderNotional = maxOrder;
  const maxPos = d(json.max_position_value);
  if (maxPos !== undefined) out.maxPositionValue = maxPos;
  const maxPct = d(json.max_position_pct);
  if (maxPct !== undefined) out.maxPositionPct = maxPct;
  if (Array.isArray(json.allowed_symbols)) out.allowedSymbols = json.allowed_symbols.map(String);
  if (json.allow_short === true) out.allowShort = true;
  const maxLeverage = d(json.max_leverage);
  if (maxLeverage !== undefined) out.maxLeverage = maxLeverage;
  return out;
}

export function limitsView(json: Readonly<Record<string, unknown>>): LimitsView {
  const s = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    max_order_notional: s(json.max_order_notional),
    max_position_value: s(json.max_position_value),
    max_position_pct: s(json.max_position_pct),
    allowed_symbols: Array.isArray(json.allowed_symbols) ? json.allowed_symbols.map(String) : null,
    allow_short: json.allow_short === true,
    max_leverage: s(json.max_leverage) ?? toPlain(DEFAULT_MAX_LEVERAGE),
    max_daily_loss: s(json.max_daily_loss),
    max_drawdown_pct: s(json.max_drawdown_pct),
    on_breach: json.on_breach === 'pause' || json.on_breach === 'flatten' ? json.on_breach : null,
  };
}
