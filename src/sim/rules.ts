/**
 * Alpaca's account-level order rules (FACTS.md §3, §4), each switchable: on for the Alpaca
 * emulator, configurable for the paper broker.
 *
 * Entry points: `AccountRules`, `ALPACA_RULES`, `NO_RULES`, `checkAccountRules`, `couldTrade`.
 * Checks, in this order (the first failure wins):
 *  1. washTrade — an open opposite-side order in the same symbol that could trade against the new
 *     one: a market (or stop) order on either side always could; two limits (or stop_limits) could
 *     when buy limit ≥ sell limit; a trailing stop never could (it is exempt).
 *  2. noFlip (netting) — flat with a pending opposite opening order ("cannot open a long buy while
 *     a short sell order is open"), then, after 3, a cover that with the open covers would go past
 *     zero (short → long in one order).
 *  3. qtyAvailable — a sell from a long beyond position − open sells ("insufficient qty available
 *     for order"); FACTS records this message for selling more than you hold, so it is checked
 *     before the long → short flip, which it subsumes.
 *  4. buyingPower — a buy that opens or adds to a long costing more than buying power
 *     (limit × qty, or the reference price × qty for a market order).
 * Invariant: pure — the verdict depends only on the arguments.
 */
import { type Dec, ZERO, mul, neg } from '../core/decimal.js';
import type { OrderType } from '../app/ports/broker-port.js';
import type { Side } from '../core/events.js';
import {
  type Rejection,
  rejectInsufficientBuyingPower,
  rejectInsufficientQty,
  rejectOppositeOrderOpen,
  rejectPositionFlip,
  rejectWashTrade,
} from './rejections.js';

export interface AccountRules {
  readonly washTrade: boolean;
  readonly noFlip: boolean;
  readonly qtyAvailable: boolean;
  readonly buyingPower: boolean;
}

export const ALPACA_RULES: AccountRules = { washTrade: true, noFlip: true, qtyAvailable: true, buyingPower: true };
export const NO_RULES: AccountRules = { washTrade: false, noFlip: false, qtyAvailable: false, buyingPower: false };

/** An order as the rules see it: open orders with their unfilled remainder. */
export interface RuleOrder {
  readonly side: Side;
  readonly type: OrderType;
  readonly limitPrice?: Dec;
  /** For an open order, the unfilled remainder; for the new order, its quantity. */
  readonly qty: Dec;
  /** A trailing stop: exempt from the wash-trade rule (FACTS §4). A stop is `market`, a stop_limit `limit`. */
  readonly trailing?: boolean;
}

export interface RuleContext {
  /** Signed net position in the order's symbol. */
  readonly position: Dec;
  /** Open orders in the same symbol. */
  readonly openOrders: readonly RuleOrder[];
  readonly buyingPower: Dec;
  /** Price a market buy is costed at (the ask plus slippage); undefined skips the check. */
  readonly referencePrice?: Dec;
}

/** The first rule the new order breaks, or undefined when it may be accepted. */
export function checkAccountRules(order: RuleOrder, ctx: RuleContext, rules: AccountRules): Rejection | undefined {
  const opposite = ctx.openOrders.filter((o) => o.side !== order.side);
  const sameSide = ctx.openOrders.filter((o) => o.side === order.side);
  if (rules.washTrade && opposite.some((o) => couldTrade(order, o))) return rejectWashTrade();
  if (rules.noFlip && ctx.position === ZERO && opposite.length > 0) return rejectOppositeOrderOpen(order.side);
  const pending = sameSide.reduce((total, o) => (total + o.qty) as Dec, ZERO);
  if (rules.qtyAvailable && order.side === 'sell' && ctx.position > 0n) {
    const available = ctx.position - pending;
    if (order.qty > available) return rejectInsufficientQty(order.qty, (available > 0n ? available : ZERO) as Dec);
  }
  if (rules.noFlip) {
    const closable = order.side === 'buy' ? neg(ctx.position) : ctx.position;
    if (closable > 0n && pending + order.qty > closable)
      return rejectPositionFlip(order.side === 'buy' ? 'short' : 'long');
  }
  if (rules.buyingPower && order.side === 'buy' && ctx.position >= 0n) {
    const price = order.type === 'limit' ? order.limitPrice : ctx.referencePrice;
    if (price !== undefined && mul(order.qty, price) > ctx.buyingPower) return rejectInsufficientBuyingPower();
  }
  return undefined;
}

/** FACTS §4's table: could these two opposite-side orders trade against each other? */
export function couldTrade(a: RuleOrder, b: RuleOrder): boolean {
  if (a.trailing || b.trailing) return false;
  if (a.type === 'market' || b.type === 'market') return true;
  const buy = a.side === 'buy' ? a : b;
  const sell = a.side === 'buy' ? b : a;
  return buy.limitPrice! >= sell.limitPrice!;
}
