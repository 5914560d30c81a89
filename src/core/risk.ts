/**
 * The pre-trade risk check of one order against its own sleeve (never the whole account), and the
 * sleeve's buying power (the same rule for the check and for what the API reports).
 *
 * Entry points: `checkOrder`, `buyingPower`, `sleeveHoldings`. Checks, in order: allowed symbols;
 * a paused or stopped deployment may only reduce positions; max order notional; max position
 * value (absolute, and % of sleeve equity); a sell may not exceed the quantity held minus shares
 * reserved by open sells unless shorting is allowed; the part of the order that opens or adds to
 * a position needs buying power; and that part may not take the sleeve's gross exposure beyond
 * equity × max leverage. A rejection is data: a stable code, a message a person can act on, and
 * the numbers behind it.
 *
 * Buying power (`buyingPower`, README "Limits per deployment"): cash − cash reserved by open buys −
 * what shorts hold back. An open short holds back (2 + m) × its market value: the proceeds it
 * brought in (owed back, so never buying power) plus its value again and the margin m as
 * collateral; an open sell that would open or add to a short holds back (1 + m) × its value.
 * Equivalently: equity − value of longs − (1 + m) × value of shorts − reservations, so a flat
 * sleeve with cash C can short C / (1 + m). Long-only sleeves: cash − reservations, as before.
 */
import { type Dec, ONE, ZERO, abs, dec, formatMoney, mul, mulDiv, toPlain } from './decimal.js';
import type { Side } from './events.js';
import type { DeploymentId, Symbol } from './ids.js';
import { type Mark, type Sleeve, valueAtMark } from './ledger.js';
import { type OrderState, isOpen, remainingQty, reservedCash, reservedQty } from './orders.js';
import { lotsCost } from './position.js';

/**
 * Margin an open short holds back on top of its market value: 0.5 = 50 %, so a short is backed
 * by 150 % of its value, as Regulation T's initial requirement for a short sale (12 CFR 220.12(c)).
 */
export const DEFAULT_SHORT_MARGIN = dec('0.5');
/** Gross exposure allowed as a multiple of equity when a deployment sets no `max_leverage`. */
export const DEFAULT_MAX_LEVERAGE = ONE;

export interface RiskLimits {
  readonly maxOrderNotional?: Dec;
  readonly maxPositionValue?: Dec;
  /** Percent of sleeve equity, e.g. 25 for 25 %. */
  readonly maxPositionPct?: Dec;
  readonly allowedSymbols?: readonly string[];
  readonly allowShort?: boolean;
  /** Largest gross exposure (Σ |position value|) as a multiple of equity; default 1. */
  readonly maxLeverage?: Dec;
}

/** One position of a sleeve: its signed quantity and signed value, as equity counts it. */
export interface Holding {
  readonly symbol: Symbol;
  readonly qty: Dec;
  /** qty × mark (negative when short); the cost basis when the symbol has no mark yet. */
  readonly value: Dec;
}

export interface RiskInput {
  readonly deployment: DeploymentId;
  readonly active: boolean;
  readonly limits: RiskLimits;
  readonly cash: Dec;
  /** Sleeve equity, for `maxPositionPct` (the leverage check uses cash + Σ holdings' values). */
  readonly equity: Dec;
  /** The sleeve's signed position in the order's symbol. */
  readonly heldQty: Dec;
  /**
   * Every position of the sleeve (all symbols), valued as its equity values them: buying power and
   * gross exposure come from these, and the leverage check's equity is cash + Σ their values.
   */
  readonly holdings: readonly Holding[];
  /** The deployment's open orders (all symbols). */
  readonly openOrders: readonly OrderState[];
  readonly symbol: Symbol;
  readonly side: Side;
  readonly qty: Dec;
  /** Price used to value the order and the position: the limit price, else the reference price. */
  readonly price: Dec;
  /** Price per unit reserved for a buy: the limit price, or reference × (1 + margin). */
  readonly reservePrice: Dec;
  /** Short margin (default `DEFAULT_SHORT_MARGIN`). */
  readonly shortMargin?: Dec;
}

export type RiskCode =
  | 'SYMBOL_NOT_ALLOWED'
  | 'DEPLOYMENT_NOT_ACTIVE'
  | 'MAX_ORDER_NOTIONAL_EXCEEDED'
  | 'MAX_POSITION_EXCEEDED'
  | 'INSUFFICIENT_POSITION'
  | 'SHORTING_NOT_ALLOWED'
  | 'INSUFFICIENT_BUYING_POWER'
  | 'MAX_LEVERAGE_EXCEEDED';

export type RiskResult =
  | { readonly ok: true; readonly reservedCash: Dec }
  | {
      readonly ok: false;
      readonly code: RiskCode;
      readonly message: string;
      readonly details: Record<string, string | number>;
    };

/** A sleeve's positions (qty ≠ 0) valued as `sleeveTotals` values them for equity. */
export function sleeveHoldings(
  sleeve: Sleeve,
  marks: ReadonlyMap<Symbol, Mark>,
  method = sleeve.costMethod,
): Holding[] {
  const out: Holding[] = [];
  for (const pos of sleeve.positions.values()) {
    if (pos.qty === 0n) continue;
    const mark = marks.get(pos.symbol);
    const value = mark ? valueAtMark(pos.qty, mark) : method === 'fifo' ? lotsCost(pos) : pos.cost;
    out.push({ symbol: pos.symbol, qty: pos.qty, value });
  }
  return out;
}

export interface BuyingPower {
  /** cash − reserved − heldByShorts: what an order that opens or adds to a position may use. */
  readonly available: Dec;
  readonly cash: Dec;
  /** Cash reserved by the open buys (remaining × reserve price), and how many they are. */
  readonly reserved: Dec;
  readonly openBuys: number;
  /** Market value of the short positions (positive). */
  readonly shortValue: Dec;
  /** Value (at each order's price) of the parts of open sells that would open or add to a short. */
  readonly pendingShortValue: Dec;
  /**
   * What shorts hold back: (2 + m) × shortValue + (1 + m) × pendingShortValue, less what open
   * buys that cover a short already reserve for it (it is not held back twice).
   */
  readonly heldByShorts: Dec;
  /** Market value of the long positions. */
  readonly longValue: Dec;
  /** Value (at each order's reserve price) of the parts of open buys that would open or add to a long. */
  readonly pendingLongValue: Dec;
  /** Σ |position value| + pendingLongValue + pendingShortValue. */
  readonly grossExposure: Dec;
  /** cash + Σ position values. */
  readonly equity: Dec;
}

/**
 * The sleeve's buying power and gross exposure from its cash, positions and open orders (only
 * the sleeve's own). Open orders are matched to positions per symbol in list order: a sell first
 * uses up the long it holds, a buy first covers the short; the rest opens or adds to a position.
 */
export function buyingPower(
  cash: Dec,
  holdings: readonly Holding[],
  openOrders: readonly OrderState[],
  shortMargin: Dec = DEFAULT_SHORT_MARGIN,
): BuyingPower {
  let longValue = 0n;
  let shortValue = 0n;
  for (const h of holdings) {
    if (h.value > 0n) longValue += h.value;
    else if (h.value < 0n) shortValue -= h.value;
  }
  const backing = (2n * ONE + shortMargin) as Dec; // a short's value × this is held back
  // Per symbol with open orders to match: the position's long and short quantity not yet matched
  // by an earlier open order, and the position itself (its quantity and value).
  let left: Map<Symbol, { long: bigint; short: bigint; qty: bigint; value: bigint }> | undefined;
  const position = (symbol: Symbol) => {
    left ??= new Map();
    let side = left.get(symbol);
    if (!side) {
      let qty = 0n;
      let value = 0n;
      for (const h of holdings)
        if (h.symbol === symbol) {
          qty += h.qty;
          value += h.value;
        }
      side = { long: qty > 0n ? qty : 0n, short: qty < 0n ? -qty : 0n, qty, value };
      left.set(symbol, side);
    }
    return side;
  };
  let reserved = 0n;
  let openBuys = 0;
  let pendingShort = 0n;
  let pendingLong = 0n;
  let relief = 0n;
  for (const o of openOrders) {
    if (!isOpen(o)) continue;
    if (o.side === 'sell') {
      const rem = remainingQty(o);
      if (rem <= 0n) continue;
      const side = position(o.symbol);
      const closes = rem < side.long ? rem : side.long;
      if (closes > 0n) side.long -= closes;
      if (rem > closes) pendingShort += mul((rem - closes) as Dec, o.reservePrice);
      continue;
    }
    const reserves = reservedCash(o);
    if (reserves === 0n) continue;
    reserved += reserves;
    openBuys++;
    // Without any short, every open buy opens or adds to a long.
    const side = shortValue === 0n ? undefined : position(o.symbol);
    if (!side || side.short === 0n) {
      pendingLong += reserves;
      continue;
    }
    const rem = remainingQty(o);
    const covers = rem < side.short ? rem : side.short;
    side.short -= covers;
    if (rem > covers) pendingLong += mul((rem - covers) as Dec, o.reservePrice);
    // The covering part's reservation comes out of what the short holds back, up to its share.
    const share = mulDiv(mul(abs(side.value as Dec), backing), covers as Dec, -side.qty as Dec);
    const coverReserves = mul(covers as Dec, o.reservePrice);
    relief += coverReserves < share ? coverReserves : share;
  }
  const heldByShorts = (mul(shortValue as Dec, backing) +
    mul(pendingShort as Dec, (ONE + shortMargin) as Dec) -
    relief) as Dec;
  return {
    available: (cash - reserved - heldByShorts) as Dec,
    cash,
    reserved: reserved as Dec,
    openBuys,
    shortValue: shortValue as Dec,
    pendingShortValue: pendingShort as Dec,
    heldByShorts,
    longValue: longValue as Dec,
    pendingLongValue: pendingLong as Dec,
    grossExposure: (longValue + shortValue + pendingLong + pendingShort) as Dec,
    equity: (cash + longValue - shortValue) as Dec,
  };
}

const $ = (d: Dec) => (d < 0n ? `-$${formatMoney(abs(d))}` : `$${formatMoney(d)}`);
const pct = (d: Dec) => `${toPlain(mul(d, dec('100')))}%`;
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
  // The part of the order that opens or adds to a position (the rest reduces one and needs nothing).
  let opening: Dec;
  if (side === 'sell') {
    const sells = mine.filter((o) => o.symbol === symbol && o.side === 'sell' && reservedQty(o) > 0n);
    const reserved = sells.reduce((s, o) => s + reservedQty(o), 0n) as Dec;
    const held = heldQty > 0n ? heldQty : ZERO;
    const available = (held - reserved > 0n ? held - reserved : 0n) as Dec;
    opening = ZERO;
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
      opening = (qty - available) as Dec;
    }
  } else {
    // A buy first covers the short not yet covered by the open buys of the symbol.
    let coverable = heldQty < 0n ? -heldQty : 0n;
    if (coverable > 0n)
      for (const o of mine) if (o.symbol === symbol && o.side === 'buy' && isOpen(o)) coverable -= remainingQty(o);
    if (coverable < 0n) coverable = 0n;
    opening = (qty > coverable ? qty - coverable : 0n) as Dec;
  }
  const reservedCash = side === 'buy' ? mul(qty, input.reservePrice) : ZERO;
  if (opening === 0n) return { ok: true, reservedCash };

  const margin = input.shortMargin ?? DEFAULT_SHORT_MARGIN;
  const bp = buyingPower(input.cash, input.holdings, mine, margin);
  const shortSale = side === 'sell' ? mul(opening, input.price) : ZERO;
  const needs = side === 'buy' ? mul(opening, input.reservePrice) : mul(shortSale, (ONE + margin) as Dec);
  if (needs > bp.available) {
    const shorts: string[] = [];
    const pendingHeld = mul(bp.pendingShortValue, (ONE + margin) as Dec);
    if (bp.shortValue > 0n)
      shorts.push(` − ${$((bp.heldByShorts - pendingHeld) as Dec)} held back by shorts worth ${$(bp.shortValue)}`);
    if (bp.pendingShortValue > 0n)
      shorts.push(` − ${$(pendingHeld)} held back by open short sales worth ${$(bp.pendingShortValue)}`);
    const why =
      side === 'sell'
        ? ` (a short sale of ${$(shortSale)} plus ${pct(margin)} margin)`
        : opening < qty
          ? ` for the ${toPlain(opening)} ${symbol} beyond the short it covers`
          : '';
    const details: Record<string, string> = {
      available: toPlain(bp.available),
      cash: toPlain(bp.cash),
      reserved: toPlain(bp.reserved),
      needs: toPlain(needs),
    };
    if (bp.heldByShorts !== 0n) {
      details.held_by_shorts = toPlain(bp.heldByShorts);
      details.short_value = toPlain((bp.shortValue + bp.pendingShortValue) as Dec);
      details.short_margin = toPlain(margin);
    }
    return reject(
      'INSUFFICIENT_BUYING_POWER',
      `deployment '${d}' has ${$(bp.available)} available (cash ${$(bp.cash)} − ${$(bp.reserved)} reserved by ${plural(bp.openBuys, 'order')}${shorts.join('')}); this order needs ${$(needs)}${why}`,
      details,
    );
  }
  const leverage = limits.maxLeverage ?? DEFAULT_MAX_LEVERAGE;
  const cap = mul(bp.equity, leverage);
  // Valued as it will count once open (a buy at its reserve price, a sell at its price), so an
  // accepted order can never take the open-order exposure over the cap.
  const adds = mul(opening, input.side === 'buy' ? input.reservePrice : input.price);
  if (bp.grossExposure + adds > cap) {
    const room = (cap > bp.grossExposure ? cap - bp.grossExposure : 0n) as Dec;
    return reject(
      'MAX_LEVERAGE_EXCEEDED',
      `deployment '${d}' may hold at most ${$(cap)} of gross exposure (max_leverage ${toPlain(leverage)} × equity ${$(bp.equity)}); it holds ${$(bp.grossExposure)} in positions and open orders, so ${$(room)} more fits; this order adds ${$(adds)}`,
      {
        max_leverage: toPlain(leverage),
        equity: toPlain(bp.equity),
        limit: toPlain(cap),
        exposure: toPlain(bp.grossExposure),
        available: toPlain(room),
        adds: toPlain(adds),
      },
    );
  }
  return { ok: true, reservedCash };
}
