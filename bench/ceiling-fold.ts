/**
 * CEILING BASELINE — the fold's rules written only for speed, to show how fast the machine can
 * run them exactly. Not used by the app.
 *
 * The same rules as src/core/position.ts + src/core/ledger.ts for fills (ACCOUNTING.md §1–3):
 * weighted-average cost basis (a reduction removes cost pro rata, rounded half-to-even at 10^-18),
 * FIFO lots (shorts too, a flip closes every lot), realized P&L by both methods, money fees and
 * base-asset fees (the fee units leave the holding at the fill price), fees split pro rata across a
 * flip for round trips, cash, the newest mark per symbol, and a fill applied at most once.
 *
 * Written for speed: one-leg fill records with bigint fields, all state mutated in place, no
 * per-fill record. Quantities and prices are held in 10^-9 units, so a notional is one exact
 * bigint product in 10^-18 units (the core's money scale) and only the pro-rata quotients divide;
 * money (cash, cost, fees, P&L) is in 10^-18 units. Fills with more than 9 fractional digits are
 * refused at parse (every broker quantity and price has at most 9).
 */
import type { RawFill } from './data.js';

export interface CeilingFill {
  readonly id: string;
  readonly deployment: string;
  readonly symbol: string;
  readonly buy: boolean;
  /** 10^-9 units. */
  readonly qty: bigint;
  /** 10^-9 units. */
  readonly price: bigint;
  /** A money fee in 10^-18 units, or a base-asset fee in 10^-9 units. */
  readonly fee: bigint;
  readonly feeInBase: boolean;
  readonly ts: string;
}

export interface CeilingLot {
  /** Signed, 10^-9 units. */
  qty: bigint;
  /** Signed, 10^-18 units. */
  cost: bigint;
  readonly ts: string;
}

export interface CeilingPosition {
  /** Signed, 10^-9 units. */
  qty: bigint;
  /** Average-cost basis (qty × avg), 10^-18 units. */
  cost: bigint;
  lots: CeilingLot[];
  realizedAverage: bigint;
  realizedFifo: bigint;
  fees: bigint;
  tripOpenedAt: string | null;
  tripRealized: bigint;
  tripFees: bigint;
  /** Closed round trips: how many, and the sums of their realized P&L and fees. */
  trips: number;
  tripsRealized: bigint;
  tripsFees: bigint;
}

export interface CeilingSleeve {
  cash: bigint;
  readonly positions: Map<string, CeilingPosition>;
}

export interface CeilingMark {
  price: bigint;
  ts: string;
}

export interface CeilingLedger {
  readonly sleeves: Map<string, CeilingSleeve>;
  readonly marks: Map<string, CeilingMark>;
  readonly fills: Set<string>;
}

/** Parses a decimal string into 10^-`digits` units; throws past `digits` fractional digits. */
export function parseScaled(text: string, digits: number): bigint {
  const dot = text.indexOf('.');
  if (dot < 0) return BigInt(text) * 10n ** BigInt(digits);
  const frac = text.slice(dot + 1);
  if (frac.length > digits) throw new RangeError(`"${text}" has more than ${digits} fractional digits`);
  const whole = BigInt(text.slice(0, dot) || '0') * 10n ** BigInt(digits);
  const part = BigInt(frac.padEnd(digits, '0'));
  return text.startsWith('-') ? whole - part : whole + part;
}

/** One raw fill as a ceiling record. */
export function ceilingFill(f: RawFill): CeilingFill {
  const feeInBase = f.feeCurrency === 'base';
  return {
    id: f.id,
    deployment: f.deployment,
    symbol: f.symbol,
    buy: f.side === 'buy',
    qty: parseScaled(f.qty, 9),
    price: parseScaled(f.price, 9),
    fee: parseScaled(f.fee, feeInBase ? 9 : 18),
    feeInBase,
    ts: f.ts,
  };
}

export function newCeilingLedger(deployments: readonly { id: string; initialCapital: string }[]): CeilingLedger {
  const sleeves = new Map<string, CeilingSleeve>();
  for (const d of deployments) sleeves.set(d.id, { cash: parseScaled(d.initialCapital, 18), positions: new Map() });
  return { sleeves, marks: new Map(), fills: new Set() };
}

/** n ÷ d rounded half-to-even (the core's rounding); d ≠ 0. */
function divRound(n: bigint, d: bigint): bigint {
  const q = n / d;
  const m = q * d;
  if (m === n) return q;
  const r = n - m;
  const twiceR = r < 0n ? -(r + r) : r + r;
  const absD = d < 0n ? -d : d;
  if (twiceR > absD || (twiceR === absD && (q & 1n) !== 0n)) return n < 0n !== d < 0n ? q - 1n : q + 1n;
  return q;
}

/** Folds one fill; a fill id seen before changes nothing. Throws on a fill the core would refuse. */
export function ceilingApply(ledger: CeilingLedger, f: CeilingFill): void {
  // One hash lookup (add, then see whether the set grew): the set of fill ids is the biggest table.
  const fills = ledger.fills;
  const size = fills.size;
  fills.add(f.id);
  if (fills.size === size) return;
  const sleeve = ledger.sleeves.get(f.deployment);
  if (sleeve === undefined || f.qty <= 0n || f.price <= 0n || f.fee < 0n) {
    fills.delete(f.id);
    throw new Error(`fill ${f.id}: unknown deployment '${f.deployment}', or a bad qty, price or fee`);
  }
  let pos = sleeve.positions.get(f.symbol);
  if (pos === undefined) {
    pos = {
      qty: 0n,
      cost: 0n,
      lots: [],
      realizedAverage: 0n,
      realizedFifo: 0n,
      fees: 0n,
      tripOpenedAt: null,
      tripRealized: 0n,
      tripFees: 0n,
      trips: 0,
      tripsRealized: 0n,
      tripsFees: 0n,
    };
    sleeve.positions.set(f.symbol, pos);
  }
  const delta = f.buy ? f.qty : -f.qty;
  const notional = delta * f.price;
  sleeve.cash -= notional;
  if (f.feeInBase) {
    move(pos, delta, notional, f.price, f.ts, 0n, 0n);
    if (f.fee !== 0n) {
      const expense = f.fee * f.price;
      pos.fees += expense;
      move(pos, -f.fee, -expense, f.price, f.ts, expense, f.fee);
    }
  } else {
    if (f.fee !== 0n) {
      sleeve.cash -= f.fee;
      pos.fees += f.fee;
    }
    move(pos, delta, notional, f.price, f.ts, f.fee, f.qty);
  }
  const mark = ledger.marks.get(f.symbol);
  if (mark === undefined) ledger.marks.set(f.symbol, { price: f.price, ts: f.ts });
  else if (mark.ts <= f.ts) {
    mark.price = f.price;
    mark.ts = f.ts;
  }
}

/**
 * Moves the signed quantity `delta` (notional = delta × price) and books its round trip, `fee` of
 * the `feeQty` moved split pro rata between the part that closed and the part that opened.
 */
function move(
  pos: CeilingPosition,
  delta: bigint,
  notional: bigint,
  price: bigint,
  ts: string,
  fee: bigint,
  feeQty: bigint,
): void {
  const q = pos.qty;
  if (q === 0n || q > 0n === delta > 0n) {
    if (q === 0n) pos.tripOpenedAt = ts;
    pos.qty = q + delta;
    pos.cost += notional;
    pos.lots.push({ qty: delta, cost: notional, ts });
    if (fee !== 0n) pos.tripFees += fee;
    return;
  }
  const absDelta = delta < 0n ? -delta : delta;
  const absQty = q < 0n ? -q : q;
  let realizedAverage: bigint;
  let realizedFifo: bigint;
  let closed: bigint;
  if (absDelta <= absQty) {
    const removed = absDelta === absQty ? pos.cost : divRound(pos.cost * absDelta, absQty);
    pos.cost -= removed;
    pos.qty = q + delta;
    realizedAverage = -notional - removed;
    realizedFifo = -(notional + consumeLots(pos.lots, absDelta));
    closed = absDelta;
  } else {
    const closeNotional = -q * price;
    realizedAverage = -closeNotional - pos.cost;
    let lotsCost = 0n;
    for (const lot of pos.lots) lotsCost += lot.cost;
    realizedFifo = -closeNotional - lotsCost;
    pos.qty = q + delta;
    pos.cost = notional - closeNotional;
    pos.lots = [{ qty: pos.qty, cost: pos.cost, ts }];
    closed = absQty;
  }
  pos.realizedAverage += realizedAverage;
  pos.realizedFifo += realizedFifo;
  const closingFee = fee === 0n ? 0n : closed === feeQty ? fee : divRound(fee * closed, feeQty);
  pos.tripRealized += realizedAverage;
  if (closingFee !== 0n) pos.tripFees += closingFee;
  if (pos.qty === 0n || absDelta > absQty) {
    pos.trips++;
    pos.tripsRealized += pos.tripRealized;
    pos.tripsFees += pos.tripFees;
    pos.tripRealized = 0n;
    pos.tripFees = closingFee === fee ? 0n : fee - closingFee;
    pos.tripOpenedAt = pos.qty === 0n ? null : ts;
  } else if (closingFee !== fee) {
    pos.tripFees += fee - closingFee;
  }
}

/**
 * Consumes `amount` from the oldest lots; returns the cost taken out of them (the FIFO realized P&L
 * is −notional − that cost: the slices' shares of the notional sum exactly to it).
 */
function consumeLots(lots: CeilingLot[], amount: bigint): bigint {
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
      const part = divRound(lot.cost * left, lotAbs);
      removed = removed === 0n ? part : removed + part;
      lot.cost -= part;
      lot.qty = lot.qty > 0n ? lot.qty - left : lot.qty + left;
      break;
    }
  }
  if (consumed === 1) lots.shift();
  else if (consumed > 1) lots.splice(0, consumed);
  return removed;
}
