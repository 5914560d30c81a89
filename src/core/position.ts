/**
 * One deployment's holding in one symbol, folded from its trades (DESIGN.md §4, ACCOUNTING.md §1–4).
 *
 * Both cost methods are always maintained:
 * - average cost keeps the signed cost basis `cost` (= qty × avg); the average is the derived
 *   quotient cost ÷ qty, so it is never stored rounded. A reduction removes cost pro rata
 *   (`cost × closed ÷ |qty|`, the only rounding, at 10^-18) and leaves the average unchanged;
 * - FIFO keeps lots (signed qty and cost), consumed oldest first, shorts too.
 * Realized P&L of a closing slice is `proceeds − removed cost`, and the cost of what is opened is
 * exactly the notional paid, so for the same fills and mark realized + unrealized is identical
 * under both methods by construction, whatever rounding a quotient needed.
 *
 * Entry points: `newPosition`, `applyTrade`, `applySplit`, `applyDividend`, `lotsCost`.
 * Invariants: Σ lots.qty = qty; qty = 0 ⇒ cost = 0 and no lots; every lot has the sign of qty.
 * State is mutated in place; the ledger owns it. This is the fold's hot path (bench/fold.ts): a
 * trade allocates its outcome, the lot or round trip it opens or closes and the bigints it
 * computes — no intermediate records per move, a zero is never added, and every bigint operation
 * counts (each allocates: ~30–100 ns, most of a fill's time), so none is done twice.
 */
import { type Dec, ZERO, mul, mulDiv } from './decimal.js';
import type { FeeCurrency, Side } from './events.js';
import type { Symbol } from './ids.js';

export interface Lot {
  qty: Dec;
  cost: Dec;
  readonly ts: string;
}

export interface PositionState {
  readonly symbol: Symbol;
  qty: Dec;
  /** Average-cost basis, signed: qty × average price. */
  cost: Dec;
  lots: Lot[];
  realizedAverage: Dec;
  realizedFifo: Dec;
  fees: Dec;
  dividends: Dec;
  /** The current round trip (flat → flat): when it opened, and its realized and fees so far. */
  tripOpenedAt: string | null;
  tripRealized: Dec;
  tripFees: Dec;
}

/** A closed round trip, flat → flat, P&L by average cost net of its fees. */
export interface RoundTrip {
  readonly symbol: Symbol;
  readonly openedAt: string;
  readonly closedAt: string;
  readonly realized: Dec;
  readonly fees: Dec;
}

export interface TradeOutcome {
  realizedAverage: Dec;
  realizedFifo: Dec;
  /**
   * The trade's signed notional (qty × price, negative for a sell). The deployment's cash changes
   * by −notional, minus a money (`quote`) fee; a base-asset fee's units pay for themselves.
   */
  readonly notional: Dec;
  /** The fee as an expense in money (a base-asset fee is valued at the fill price). */
  readonly feeExpense: Dec;
}

export function newPosition(symbol: Symbol): PositionState {
  return {
    symbol,
    qty: ZERO,
    cost: ZERO,
    lots: [],
    realizedAverage: ZERO,
    realizedFifo: ZERO,
    fees: ZERO,
    dividends: ZERO,
    tripOpenedAt: null,
    tripRealized: ZERO,
    tripFees: ZERO,
  };
}

/**
 * Books one trade: `qty` (> 0) bought or sold at `price`, with `fee` in money (`quote`) or in
 * units of the asset (`base`, which reduces the holding by the fee units, disposed at `price`).
 * Round trips it closes are pushed to `closedTrips`. The caller has validated qty > 0, price > 0,
 * fee ≥ 0.
 */
export function applyTrade(
  pos: PositionState,
  side: Side,
  qty: Dec,
  price: Dec,
  fee: Dec,
  feeCurrency: FeeCurrency,
  ts: string,
  closedTrips: RoundTrip[],
): TradeOutcome {
  const delta = (side === 'buy' ? qty : -qty) as Dec;
  const notional = mul(delta, price);
  if (feeCurrency === 'quote' || fee === 0n) {
    const outcome: TradeOutcome = { realizedAverage: ZERO, realizedFifo: ZERO, notional, feeExpense: fee };
    // The fee is split between the closing and opening legs pro rata to quantity (flip rule).
    move(pos, delta, qty, price, notional, ts, fee, qty, outcome, closedTrips);
    if (fee !== 0n) pos.fees = (pos.fees + fee) as Dec;
    return outcome;
  }
  // The fee units leave the holding as a disposal at the fill price; their proceeds pay the fee.
  const feeExpense = mul(fee, price);
  const outcome: TradeOutcome = { realizedAverage: ZERO, realizedFifo: ZERO, notional, feeExpense };
  move(pos, delta, qty, price, notional, ts, ZERO, qty, outcome, closedTrips);
  move(pos, -fee as Dec, fee, price, -feeExpense as Dec, ts, feeExpense, fee, outcome, closedTrips);
  pos.fees = (pos.fees + feeExpense) as Dec;
  return outcome;
}

/**
 * Moves the signed quantity `delta` (of absolute value `absDelta`) at `price` (`notional` =
 * delta × price, computed once), adds what it realizes to the position and to `outcome`, and books
 * its round trip: `fee` (of the `feeQty` it was charged on) goes pro rata to the trip it closes and
 * the one it opens.
 */
function move(
  pos: PositionState,
  delta: Dec,
  absDelta: Dec,
  price: Dec,
  notional: Dec,
  ts: string,
  fee: Dec,
  feeQty: Dec,
  outcome: TradeOutcome,
  closedTrips: RoundTrip[],
): void {
  const q = pos.qty;
  if (q === 0n || q > 0n === delta > 0n) {
    if (q === 0n) pos.tripOpenedAt = ts;
    pos.qty = (q + delta) as Dec;
    pos.cost = (pos.cost + notional) as Dec;
    pos.lots.push({ qty: delta, cost: notional, ts });
    if (fee !== 0n) pos.tripFees = (pos.tripFees + fee) as Dec;
    return;
  }
  const absQty = q < 0n ? -q : q;
  let realizedAverage: bigint;
  let realizedFifo: bigint;
  let closed: bigint;
  if (absDelta <= absQty) {
    const removed = absDelta === absQty ? pos.cost : mulDiv(pos.cost, absDelta, absQty as Dec);
    pos.cost = (pos.cost - removed) as Dec;
    pos.qty = (q + delta) as Dec;
    realizedAverage = -(notional + removed);
    realizedFifo = -(notional + consumeLots(pos.lots, absDelta));
    closed = absDelta;
  } else {
    // Flip: close the whole old side at `price`, open the remainder at `price`.
    const closeNotional = mul(-q as Dec, price);
    realizedAverage = -(closeNotional + pos.cost);
    let lotsCostTotal = 0n;
    for (const lot of pos.lots) lotsCostTotal += lot.cost;
    realizedFifo = -(closeNotional + lotsCostTotal);
    pos.qty = (delta + q) as Dec;
    pos.cost = (notional - closeNotional) as Dec;
    pos.lots = [{ qty: pos.qty, cost: pos.cost, ts }];
    closed = absQty;
  }
  pos.realizedAverage = (pos.realizedAverage + realizedAverage) as Dec;
  pos.realizedFifo = (pos.realizedFifo + realizedFifo) as Dec;
  outcome.realizedAverage = (
    outcome.realizedAverage === 0n ? realizedAverage : outcome.realizedAverage + realizedAverage
  ) as Dec;
  outcome.realizedFifo = (outcome.realizedFifo === 0n ? realizedFifo : outcome.realizedFifo + realizedFifo) as Dec;
  const closingFee = fee === 0n ? ZERO : closed === feeQty ? fee : mulDiv(fee, closed as Dec, feeQty);
  const tripRealized = (pos.tripRealized + realizedAverage) as Dec;
  const tripFees = (closingFee === 0n ? pos.tripFees : pos.tripFees + closingFee) as Dec;
  if (pos.qty === 0n || absDelta > absQty) {
    closedTrips.push({
      symbol: pos.symbol,
      openedAt: pos.tripOpenedAt ?? ts,
      closedAt: ts,
      realized: tripRealized,
      fees: tripFees,
    });
    pos.tripRealized = ZERO;
    pos.tripFees = (closingFee === fee ? ZERO : fee - closingFee) as Dec;
    pos.tripOpenedAt = pos.qty === 0n ? null : ts;
  } else {
    pos.tripRealized = tripRealized;
    pos.tripFees = (closingFee === fee ? tripFees : tripFees + (fee - closingFee)) as Dec;
  }
}

/**
 * Consumes `amount` (absolute) from the oldest lots, returning the cost taken out of them. The FIFO
 * realized P&L is then −notional − that cost: each slice realizes its share of the notional less
 * its cost, and the shares sum exactly to the notional, so they need not be computed one by one.
 */
function consumeLots(lots: Lot[], amount: bigint): bigint {
  let left = amount;
  let removed = 0n;
  let consumed = 0;
  for (const lot of lots) {
    const lotAbs = lot.qty < 0n ? -lot.qty : lot.qty;
    if (lotAbs <= left) {
      removed = removed === 0n ? lot.cost : removed + lot.cost;
      consumed++;
      if (lotAbs === left) break;
      left -= lotAbs;
    } else {
      const part = mulDiv(lot.cost, left as Dec, lotAbs as Dec);
      removed = removed === 0n ? part : removed + part;
      lot.cost = (lot.cost - part) as Dec;
      lot.qty = (lot.qty > 0n ? lot.qty - left : lot.qty + left) as Dec;
      break;
    }
  }
  if (consumed === 1) lots.shift();
  else if (consumed > 1) lots.splice(0, consumed);
  return removed;
}
/** Applies a split of `ratio` new shares per old: qty × r, cost unchanged (so avg ÷ r). */
export function applySplit(pos: PositionState, ratio: Dec): void {
  if (pos.qty === 0n) return;
  pos.qty = mul(pos.qty, ratio);
  let rest: bigint = pos.qty;
  pos.lots.forEach((lot, i) => {
    lot.qty = i === pos.lots.length - 1 ? (rest as Dec) : mul(lot.qty, ratio);
    rest -= lot.qty;
  });
}

/** Books a cash dividend of `amountPerShare` on the current holding; returns the cash (shorts pay). */
export function applyDividend(pos: PositionState, amountPerShare: Dec): Dec {
  const amount = mul(pos.qty, amountPerShare);
  pos.dividends = (pos.dividends + amount) as Dec;
  return amount;
}

/** The FIFO cost basis: Σ lot cost. */
export function lotsCost(pos: PositionState): Dec {
  let total = 0n;
  for (const lot of pos.lots) total += lot.cost;
  return total as Dec;
}
