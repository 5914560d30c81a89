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
 * State is mutated in place; the ledger owns it.
 */
import { type Dec, ZERO, abs, mul, mulDiv, sub } from './decimal.js';
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
  readonly realizedAverage: Dec;
  readonly realizedFifo: Dec;
  /** Change of the deployment's cash: −notional for a buy, +notional for a sell, minus a money fee. */
  readonly cashDelta: Dec;
  /** The fee as an expense in money (a base-asset fee is valued at the fill price). */
  readonly feeExpense: Dec;
  readonly closedTrips: readonly RoundTrip[];
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

interface Moved {
  realizedAverage: Dec;
  realizedFifo: Dec;
  /** Quantity (absolute) that reduced the old side. */
  closed: Dec;
  /** True when the move took the old side all the way to flat (or through it). */
  flattened: boolean;
}

/**
 * Books one trade: `qty` (> 0) bought or sold at `price`, with `fee` in money (`quote`) or in
 * units of the asset (`base`, which reduces the holding by the fee units, disposed at `price`).
 * The caller has validated qty > 0, price > 0, fee ≥ 0.
 */
export function applyTrade(
  pos: PositionState,
  side: Side,
  qty: Dec,
  price: Dec,
  fee: Dec,
  feeCurrency: FeeCurrency,
  ts: string,
): TradeOutcome {
  const delta = (side === 'buy' ? qty : -qty) as Dec;
  const notional = mul(delta, price);
  const closedTrips: RoundTrip[] = [];
  const wasFlat = pos.qty === 0n;
  const moved = move(pos, delta, price, notional, ts);
  let realizedAverage = moved.realizedAverage;
  let realizedFifo = moved.realizedFifo;
  let cashDelta = -notional as Dec;
  let feeExpense = ZERO;

  if (feeCurrency === 'quote') {
    feeExpense = fee;
    cashDelta = (cashDelta - fee) as Dec;
    // Split the fee between the closing and opening legs pro rata to quantity (flip rule).
    const closingFee = moved.closed === 0n ? ZERO : moved.closed === qty ? fee : mulDiv(fee, moved.closed, qty);
    bookTrip(pos, moved, wasFlat, realizedAverage, closingFee, sub(fee, closingFee), ts, closedTrips);
  } else {
    bookTrip(pos, moved, wasFlat, realizedAverage, ZERO, ZERO, ts, closedTrips);
    if (fee !== 0n) {
      // The fee units leave the holding as a disposal at the fill price; their proceeds pay the fee.
      const feeNotional = mul(-fee as Dec, price);
      const before = pos.qty === 0n;
      const disposed = move(pos, -fee as Dec, price, feeNotional, ts);
      realizedAverage = (realizedAverage + disposed.realizedAverage) as Dec;
      realizedFifo = (realizedFifo + disposed.realizedFifo) as Dec;
      feeExpense = -feeNotional as Dec;
      const closingFee =
        disposed.closed === fee ? feeExpense : disposed.closed === 0n ? ZERO : mulDiv(feeExpense, disposed.closed, fee);
      bookTrip(
        pos,
        disposed,
        before,
        disposed.realizedAverage,
        closingFee,
        sub(feeExpense, closingFee),
        ts,
        closedTrips,
      );
    }
  }
  pos.realizedAverage = (pos.realizedAverage + realizedAverage) as Dec;
  pos.realizedFifo = (pos.realizedFifo + realizedFifo) as Dec;
  pos.fees = (pos.fees + feeExpense) as Dec;
  return { realizedAverage, realizedFifo, cashDelta, feeExpense, closedTrips };
}

/** Tracks round trips: closes the current one when the position reaches flat or flips. */
function bookTrip(
  pos: PositionState,
  moved: Moved,
  wasFlat: boolean,
  realized: Dec,
  closingFee: Dec,
  openingFee: Dec,
  ts: string,
  out: RoundTrip[],
): void {
  if (wasFlat && pos.qty !== 0n) pos.tripOpenedAt = ts;
  pos.tripRealized = (pos.tripRealized + realized) as Dec;
  pos.tripFees = (pos.tripFees + closingFee) as Dec;
  if (moved.flattened) {
    out.push({
      symbol: pos.symbol,
      openedAt: pos.tripOpenedAt ?? ts,
      closedAt: ts,
      realized: pos.tripRealized,
      fees: pos.tripFees,
    });
    pos.tripRealized = ZERO;
    pos.tripFees = ZERO;
    pos.tripOpenedAt = pos.qty === 0n ? null : ts;
  }
  pos.tripFees = (pos.tripFees + openingFee) as Dec;
}

/** Moves the signed quantity `delta` at `price`; `notional` = delta × price, computed once. */
function move(pos: PositionState, delta: Dec, price: Dec, notional: Dec, ts: string): Moved {
  const q = pos.qty;
  if (q === 0n || q > 0n === delta > 0n) {
    pos.qty = (q + delta) as Dec;
    pos.cost = (pos.cost + notional) as Dec;
    pos.lots.push({ qty: delta, cost: notional, ts });
    return { realizedAverage: ZERO, realizedFifo: ZERO, closed: ZERO, flattened: false };
  }
  const absDelta = abs(delta);
  const absQty = abs(q);
  if (absDelta <= absQty) {
    const removed = absDelta === absQty ? pos.cost : mulDiv(pos.cost, absDelta, absQty);
    pos.cost = (pos.cost - removed) as Dec;
    pos.qty = (q + delta) as Dec;
    const realizedFifo = consumeLots(pos.lots, absDelta, notional);
    return {
      realizedAverage: (-notional - removed) as Dec,
      realizedFifo,
      closed: absDelta,
      flattened: pos.qty === 0n,
    };
  }
  // Flip: close the whole old side at `price`, open the remainder at `price`.
  const closeNotional = mul(-q as Dec, price);
  const realizedAverage = (-closeNotional - pos.cost) as Dec;
  let lotsCostTotal = 0n;
  for (const lot of pos.lots) lotsCostTotal += lot.cost;
  const realizedFifo = (-closeNotional - lotsCostTotal) as Dec;
  const openQty = (delta + q) as Dec;
  const openNotional = (notional - closeNotional) as Dec;
  pos.qty = openQty;
  pos.cost = openNotional;
  pos.lots = [{ qty: openQty, cost: openNotional, ts }];
  return { realizedAverage, realizedFifo, closed: absQty, flattened: true };
}

/**
 * Consumes `amount` (absolute) from the oldest lots, returning the FIFO realized P&L. The slice
 * notionals sum exactly to `notional` (the last slice takes the remainder).
 */
function consumeLots(lots: Lot[], amount: Dec, notional: Dec): Dec {
  let left: bigint = amount;
  let notionalLeft: bigint = notional;
  let realized = 0n;
  let consumed = 0;
  for (const lot of lots) {
    const lotAbs = lot.qty < 0n ? -lot.qty : lot.qty;
    const take = lotAbs <= left ? lotAbs : left;
    const sliceNotional = take === left ? notionalLeft : mulDiv(notional, take as Dec, amount);
    if (take === lotAbs) {
      realized += -sliceNotional - lot.cost;
      consumed++;
    } else {
      const removed = mulDiv(lot.cost, take as Dec, lotAbs as Dec);
      realized += -sliceNotional - removed;
      lot.cost = (lot.cost - removed) as Dec;
      lot.qty = (lot.qty > 0n ? lot.qty - take : lot.qty + take) as Dec;
    }
    notionalLeft -= sliceNotional;
    left -= take;
    if (left === 0n) break;
  }
  if (consumed > 0) lots.splice(0, consumed);
  return realized as Dec;
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
