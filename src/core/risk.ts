/**
 * The pre-trade risk check of one order against its own sleeve (never the whole account).
 *
 * Entry point: `checkOrder`. Checks, in order: allowed symbols; a paused or stopped deployment may
 * only reduce positions; max order notional; max position value (absolute, and % of sleeve
 * equity); a sell may not exceed the quantity held minus shares reserved by open sells unless
 * shorting is allowed; a buy (or the short part of a sell) needs buying power =
 * cash − cash reserved by the deployment's open buys. A rejection is data: a stable code, a
 * message a person can act on, and the numbers behind it.
 */
import { type Dec, ZERO, abs, formatMoney, mul, toPlain } from './decimal.js';
import type { Side } from './events.js';
import type { DeploymentId, Symbol } from './ids.js';
import { type OrderState, reservedQty, sumReservedCash } from './orders.js';

export interface RiskLimits {
  readonly maxOrderNotional?: Dec;
  readonly maxPositionValue?: Dec;
  /** Percent of sleeve equity, e.g. 25 for 25 %. */
  readonly maxPositionPct?: Dec;
  readonly allowedSymbols?: readonly string[];
  readonly allowShort?: boolean;
}

export interface RiskInput {
  readonly deployment: DeploymentId;
  readonly active: boolean;
  readonly limits: RiskLimits;
  readonly cash: Dec;
  readonly equity: Dec;
  /** The sleeve's signed position in the order's symbol. */
  readonly heldQty: Dec;
  /** The deployment's open orders (all symbols). */
  readonly openOrders: readonly OrderState[];
  readonly symbol: Symbol;
  readonly side: Side;
  readonly qty: Dec;
  /** Price used to value the order and the position: the limit price, else the reference price. */
  readonly price: Dec;
  /** Price per unit reserved for a buy: the limit price, or reference × (1 + margin). */
  readonly reservePrice: Dec;
}

export type RiskCode =
  | 'SYMBOL_NOT_ALLOWED'
  | 'DEPLOYMENT_NOT_ACTIVE'
  | 'MAX_ORDER_NOTIONAL_EXCEEDED'
  | 'MAX_POSITION_EXCEEDED'
  | 'INSUFFICIENT_POSITION'
  | 'SHORTING_NOT_ALLOWED'
  | 'INSUFFICIENT_BUYING_POWER';

export type RiskResult =
  | { readonly ok: true; readonly reservedCash: Dec }
  | {
      readonly ok: false;
      readonly code: RiskCode;
      readonly message: string;
      readonly details: Record<string, string | number>;
    };

const $ = (d: Dec) => (d < 0n ? `-$${formatMoney(abs(d))}` : `$${formatMoney(d)}`);
const plural = (n: number, word: string) => `${n} open ${word}${n === 1 ? '' : 's'}`;

export function checkOrder(input: RiskInput): RiskResult {
  const { deployment: d, symbol, side, qty, heldQty } = input;
  const reject = (code: RiskCode, message: string, details: Record<string, string | number> = {}): RiskResult => ({
    ok: false,
    code,
    message: `${code}: ${message}`,
    details: { deployment: d, symbol, ...details },
  });
  const { limits } = input;
  if (limits.allowedSymbols && !limits.allowedSymbols.includes(symbol)) {
    return reject(
      'SYMBOL_NOT_ALLOWED',
      `deployment '${d}' may trade only ${limits.allowedSymbols.join(', ')}; not ${symbol}`,
    );
  }
  const delta = (side === 'buy' ? qty : -qty) as Dec;
  const after = (heldQty + delta) as Dec;
  const opens = abs(after) > abs(heldQty) || (heldQty !== 0n && after !== 0n && after > 0n !== heldQty > 0n);
  if (!input.active && opens) {
    return reject(
      'DEPLOYMENT_NOT_ACTIVE',
      `deployment '${d}' is not active: it may only reduce or close positions (holds ${toPlain(heldQty)} ${symbol})`,
    );
  }
  const notional = mul(qty, input.price);
  if (limits.maxOrderNotional !== undefined && notional > limits.maxOrderNotional) {
    return reject(
      'MAX_ORDER_NOTIONAL_EXCEEDED',
      `deployment '${d}' allows at most ${$(limits.maxOrderNotional)} per order; this order is ${$(notional)}`,
      {
        limit: toPlain(limits.maxOrderNotional),
        notional: toPlain(notional),
      },
    );
  }
  const positionValue = abs(mul(after, input.price));
  if (opens && limits.maxPositionValue !== undefined && positionValue > limits.maxPositionValue) {
    return reject(
      'MAX_POSITION_EXCEEDED',
      `deployment '${d}' allows at most ${$(limits.maxPositionValue)} in one symbol; ${symbol} would be worth ${$(positionValue)} after this order`,
      { limit: toPlain(limits.maxPositionValue), position_value: toPlain(positionValue) },
    );
  }
  if (opens && limits.maxPositionPct !== undefined) {
    const cap = mul(input.equity, limits.maxPositionPct) / 100n;
    if (positionValue > cap) {
      return reject(
        'MAX_POSITION_EXCEEDED',
        `deployment '${d}' allows at most ${toPlain(limits.maxPositionPct)}% of its equity (${$(cap as Dec)}) in one symbol; ${symbol} would be worth ${$(positionValue)} after this order`,
        { limit_pct: toPlain(limits.maxPositionPct), position_value: toPlain(positionValue) },
      );
    }
  }
  const mine = input.openOrders.filter((o) => o.deployment === d);
  let shortQty = ZERO;
  if (side === 'sell') {
    const sells = mine.filter((o) => o.symbol === symbol && o.side === 'sell' && reservedQty(o) > 0n);
    const reserved = sells.reduce((s, o) => s + reservedQty(o), 0n) as Dec;
    const held = heldQty > 0n ? heldQty : ZERO;
    const available = (held - reserved > 0n ? held - reserved : 0n) as Dec;
    if (qty > available) {
      if (!limits.allowShort) {
        const code = held === 0n && reserved === 0n ? 'SHORTING_NOT_ALLOWED' : 'INSUFFICIENT_POSITION';
        return reject(
          code,
          code === 'SHORTING_NOT_ALLOWED'
            ? `deployment '${d}' holds no ${symbol} and may not sell short; this order sells ${toPlain(qty)}`
            : `deployment '${d}' can sell at most ${toPlain(available)} ${symbol} (holds ${toPlain(held)} − ${toPlain(reserved)} reserved by ${plural(sells.length, 'sell')}); this order sells ${toPlain(qty)}`,
          { available: toPlain(available), requested: toPlain(qty) },
        );
      }
      shortQty = (qty - available) as Dec;
    }
  }
  const needs = side === 'buy' ? mul(qty, input.reservePrice) : mul(shortQty, input.price);
  if (needs === 0n) return { ok: true, reservedCash: ZERO };
  const { cash: reserved, count: buyCount } = sumReservedCash(mine);
  const available = (input.cash - reserved) as Dec;
  if (needs > available) {
    return reject(
      'INSUFFICIENT_BUYING_POWER',
      `deployment '${d}' has ${$(available)} available (cash ${$(input.cash)} − ${$(reserved)} reserved by ${plural(buyCount, 'order')}); this order needs ${$(needs)}`,
      { available: toPlain(available), cash: toPlain(input.cash), reserved: toPlain(reserved), needs: toPlain(needs) },
    );
  }
  return { ok: true, reservedCash: side === 'buy' ? needs : ZERO };
}
