/**
 * Wash sales over the whole account (IRS Publication 550, "Wash Sales"; 26 U.S.C. §1091 and
 * 26 CFR 1.1091-1): the account is one taxpayer, so a loss one sleeve realizes is disallowed when
 * any sleeve buys the same symbol within 30 days before or after the sale. This is an account-level
 * tax view next to the sleeves' own P&L, which it never changes. Not tax advice.
 *
 * Entry point: `findWashSales(events)` → every wash sale (one row per sold slice and replacement
 * lot matched), from the journal's fills and splits of ALL sleeves, in journal order.
 *
 * How it books (docs/wash-sales.md says it in words, with the references):
 * - Lots are the account's, as the broker reports them: FIFO over the account's net position per
 *   symbol. An internal cross between two sleeves is no trade at the broker (its legs net to 0) and
 *   is left out. Fees are in the basis of a buy and out of a sale's proceeds.
 * - A loss sale's replacement shares are shares of another lot of the same symbol acquired within
 *   30 calendar days (America/New_York trade dates) before or after the sale, first acquired first
 *   (1.1091-1(d)); a lot bought before the sale counts only while it is still held. Shares bought in
 *   the same lot as the shares sold do not replace them (Rev. Rul. 56-602). Each replacement share
 *   is used once (1.1091-1(e)).
 * - Fewer replacement shares than shares sold: only that fraction of the loss is disallowed
 *   (1.1091-1(c)). The disallowed loss is added to the replacement shares' basis (§1091(d)), and
 *   their holding period starts as many days before their purchase as the sold shares were held
 *   (§1223(3)); both carry on when those shares are sold in turn.
 * Not covered: short sales (losses on covering a short are not checked), options and
 * "substantially identical" other securities (only the same symbol), crypto pairs (not securities).
 *
 * Invariants: exact decimals; for each sold slice Σ disallowed ≤ its loss; a replacement share
 * carries at most one adjustment.
 */
import { type Dec, ZERO, mul, mulDiv } from './decimal.js';
import type { FillBooked, SplitApplied } from './events.js';
import type { DeploymentId, FillId, Symbol } from './ids.js';

/** One wash sale: `qty` sold shares of one loss sale matched with as many replacement shares. */
export interface WashSale {
  readonly symbol: Symbol;
  readonly sale: {
    readonly fillId: FillId;
    readonly ts: string;
    /** Trade date (America/New_York), YYYY-MM-DD. */
    readonly date: string;
    /** The sleeves whose sell legs made the sale. */
    readonly sleeves: readonly DeploymentId[];
    /** The lot the sold shares came from (its buy fill) and its holding period's start. */
    readonly lotFillId: FillId;
    readonly heldFrom: string;
  };
  /** Shares of the sale matched here (= replacement shares used). */
  readonly qty: Dec;
  /** Proceeds and adjusted basis of these `qty` shares; loss = proceeds − basis (< 0). */
  readonly proceeds: Dec;
  readonly basis: Dec;
  readonly loss: Dec;
  /** The loss not deductible now (a positive amount: −loss). */
  readonly disallowed: Dec;
  readonly replacement: {
    readonly fillId: FillId;
    readonly ts: string;
    readonly date: string;
    /** The sleeves whose buy legs made the replacement purchase. */
    readonly sleeves: readonly DeploymentId[];
    /** Basis of the replacement shares before and after the adjustment (+ disallowed). */
    readonly basis: Dec;
    readonly adjustedBasis: Dec;
    /** Days of the sold shares' holding period carried over, and the new holding period's start. */
    readonly carriedDays: number;
    readonly heldFrom: string;
  };
}

export interface WashSaleOptions {
  /** Time zone of trade dates (default America/New_York, the US exchanges'). */
  readonly timeZone?: string;
}

const WINDOW_DAYS = 30;

/** Shares of one lot that share a basis per share, its wash adjustment and holding period. */
interface Tranche {
  qty: Dec;
  /** Total cost of these shares (price × qty + their part of the fee). */
  basis: Dec;
  /** Total disallowed loss added to them (0 unless they replaced shares sold at a loss). */
  adjustment: Dec;
  /** Day number (UTC days since 1970 of the trade date) their holding period starts. */
  heldFrom: number;
  /** Already used once as replacement shares. */
  replaced: boolean;
}

interface Lot {
  readonly fillId: FillId;
  readonly ts: string;
  readonly day: number;
  readonly sleeves: readonly DeploymentId[];
  /** The shares still held (a lot not bought yet holds all of them: a future purchase). */
  readonly tranches: Tranche[];
}

type Event = FillBooked | SplitApplied;

/**
 * Every wash sale of the account, in the order of the sales. `events` in journal order; other
 * event types may be passed and are ignored. Throws on a split of a non-positive ratio.
 */
export function findWashSales(events: Iterable<{ readonly type: string }>, options: WashSaleOptions = {}): WashSale[] {
  const dayOf = tradeDay(options.timeZone ?? 'America/New_York');
  const relevant = [...events].filter(
    (e): e is Event => (e.type === 'fill' || e.type === 'split') && !(e as Event).symbol.includes('/'),
  );
  const { byFill, bySymbol } = plannedLots(relevant, dayOf);
  const held = new Map<Symbol, Lot[]>();
  const out: WashSale[] = [];
  for (const event of relevant) {
    const queue = held.get(event.symbol) ?? [];
    held.set(event.symbol, queue);
    if (event.type === 'split') {
      for (const lot of queue) for (const t of lot.tranches) t.qty = mul(t.qty, event.ratio);
      continue;
    }
    const { net, fee, sleeves } = netOf(event);
    if (net > 0n) {
      const lot = byFill.get(event.id);
      if (lot) queue.push(lot);
      continue;
    }
    if (net === 0n) continue;
    const slices = takeFifo(queue, -net as Dec);
    if (slices.length === 0) continue; // a short sale: not checked
    const soldQty = -net as Dec;
    const proceedsAll = (mul(soldQty, event.price) - fee) as Dec;
    const day = dayOf(event.ts);
    const candidates = bySymbol.get(event.symbol) ?? [];
    for (const slice of slices) {
      const proceeds = mulDiv(proceedsAll, slice.tranche.qty, soldQty);
      const basis = (slice.tranche.basis + slice.tranche.adjustment) as Dec;
      if (proceeds >= basis) continue;
      matchReplacements(out, candidates, { event, day, sleeves, slice, proceeds, basis });
    }
  }
  return out;
}

/** The wash sales whose sale falls in `year` (trade date). */
export function washSalesIn(sales: readonly WashSale[], year: number): WashSale[] {
  const prefix = `${String(year).padStart(4, '0')}-`;
  return sales.filter((s) => s.sale.date.startsWith(prefix));
}

interface Slice {
  readonly lot: Lot;
  readonly tranche: Tranche;
}

/** Removes `qty` shares from the queue, oldest lot first; returns them as slices (fewer if short). */
function takeFifo(queue: Lot[], qty: Dec): Slice[] {
  const slices: Slice[] = [];
  let left = qty as bigint;
  while (left > 0n && queue.length > 0) {
    const lot = queue[0]!;
    const tranche = lot.tranches[0]!;
    const taken = left >= tranche.qty ? lot.tranches.shift()! : splitTranche(lot.tranches, 0, left as Dec);
    slices.push({ lot, tranche: taken });
    left -= taken.qty;
    if (lot.tranches.length === 0) queue.shift();
  }
  return slices;
}

/** Cuts `qty` shares off tranche `at` of `list` (basis and adjustment pro rata); returns the cut part. */
function splitTranche(list: Tranche[], at: number, qty: Dec): Tranche {
  const whole = list[at]!;
  const part: Tranche = {
    qty,
    basis: mulDiv(whole.basis, qty, whole.qty),
    adjustment: mulDiv(whole.adjustment, qty, whole.qty),
    heldFrom: whole.heldFrom,
    replaced: whole.replaced,
  };
  list[at] = {
    ...whole,
    qty: (whole.qty - qty) as Dec,
    basis: (whole.basis - part.basis) as Dec,
    adjustment: (whole.adjustment - part.adjustment) as Dec,
  };
  return part;
}

interface LossSlice {
  readonly event: FillBooked;
  readonly day: number;
  readonly sleeves: readonly DeploymentId[];
  readonly slice: Slice;
  readonly proceeds: Dec;
  readonly basis: Dec;
}

/** Matches one sold slice's loss with replacement shares, first acquired first; books the adjustments. */
function matchReplacements(out: WashSale[], lots: readonly Lot[], loss: LossSlice): void {
  const { slice, day } = loss;
  const soldQty = slice.tranche.qty;
  const totalLoss = (loss.proceeds - loss.basis) as Dec;
  // Each match's share of an amount is the difference of cumulative pro-rata parts, so the parts
  // add up exactly to the amount × matched ÷ sold (to the whole amount when all is matched).
  let matched = ZERO;
  const part = (amount: Dec, qty: Dec) =>
    (mulDiv(amount, (matched + qty) as Dec, soldQty) - mulDiv(amount, matched, soldQty)) as Dec;
  for (const lot of lots) {
    if (matched === soldQty || lot.day > day + WINDOW_DAYS) break; // lots are in acquisition order
    if (lot === slice.lot || lot.day < day - WINDOW_DAYS) continue;
    for (let i = 0; i < lot.tranches.length && matched < soldQty; i++) {
      if (lot.tranches[i]!.replaced) continue;
      const wanted = (soldQty - matched) as Dec;
      // The replacement part is cut off in front; the rest of the tranche stays after it.
      if (lot.tranches[i]!.qty > wanted) lot.tranches.splice(i, 0, splitTranche(lot.tranches, i, wanted));
      const used = lot.tranches[i]!;
      const qty = used.qty;
      const lossPart = part(totalLoss, qty);
      const disallowed = -lossPart as Dec;
      const carriedDays = day - slice.tranche.heldFrom;
      const before = (used.basis + used.adjustment) as Dec;
      used.adjustment = (used.adjustment + disallowed) as Dec;
      used.heldFrom = lot.day - carriedDays;
      used.replaced = true;
      out.push({
        symbol: loss.event.symbol,
        sale: {
          fillId: loss.event.id,
          ts: loss.event.ts,
          date: dateText(day),
          sleeves: loss.sleeves,
          lotFillId: slice.lot.fillId,
          heldFrom: dateText(slice.tranche.heldFrom),
        },
        qty,
        proceeds: part(loss.proceeds, qty),
        basis: part(loss.basis, qty),
        loss: lossPart,
        disallowed,
        replacement: {
          fillId: lot.fillId,
          ts: lot.ts,
          date: dateText(lot.day),
          sleeves: lot.sleeves,
          basis: before,
          adjustedBasis: (before + disallowed) as Dec,
          carriedDays,
          heldFrom: dateText(used.heldFrom),
        },
      });
      matched = (matched + qty) as Dec;
    }
  }
}

/** The account's side of a fill: net qty (buys − sells), its fees and the sleeves of the net side. */
function netOf(fill: FillBooked): { net: bigint; fee: Dec; sleeves: DeploymentId[] } {
  let net = 0n;
  let fee = 0n;
  for (const leg of fill.legs) {
    net += leg.side === 'buy' ? leg.qty : -leg.qty;
    fee += leg.fee;
  }
  const side = net > 0n ? 'buy' : 'sell';
  const sleeves = [...new Set(fill.legs.filter((l) => l.side === side).map((l) => l.deployment))];
  return { net, fee: fee as Dec, sleeves };
}

/**
 * Every lot the account will open, known in advance (a purchase up to 30 days after a sale
 * replaces it): a pass over the account's net position per symbol finds how much of each buy
 * opens a long lot (the rest covers a short). By buy fill, and per symbol in acquisition order.
 */
function plannedLots(
  events: readonly Event[],
  dayOf: (ts: string) => number,
): { byFill: Map<FillId, Lot>; bySymbol: Map<Symbol, Lot[]> } {
  const position = new Map<Symbol, bigint>();
  const byFill = new Map<FillId, Lot>();
  const bySymbol = new Map<Symbol, Lot[]>();
  for (const event of events) {
    const p = position.get(event.symbol) ?? 0n;
    if (event.type === 'split') {
      if (event.ratio <= 0n) throw new RangeError(`split of ${event.symbol}: ratio must be greater than 0`);
      position.set(event.symbol, mul(p as Dec, event.ratio));
      continue;
    }
    const { net, fee, sleeves } = netOf(event);
    position.set(event.symbol, p + net);
    if (net <= 0n) continue;
    const opening = (p >= 0n ? net : net + p > 0n ? net + p : 0n) as Dec;
    if (opening === 0n) continue;
    const lot: Lot = {
      fillId: event.id,
      ts: event.ts,
      day: dayOf(event.ts),
      sleeves,
      tranches: [
        {
          qty: opening,
          basis: (mul(opening, event.price) + mulDiv(fee, opening, net as Dec)) as Dec,
          adjustment: ZERO,
          heldFrom: dayOf(event.ts),
          replaced: false,
        },
      ],
    };
    byFill.set(event.id, lot);
    const list = bySymbol.get(event.symbol) ?? [];
    list.push(lot);
    bySymbol.set(event.symbol, list);
  }
  return { byFill, bySymbol };
}

/** Trade date of an ISO time in `timeZone`, as a day number (days since 1970-01-01). */
function tradeDay(timeZone: string): (ts: string) => number {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return (ts) => {
    const ms = Date.parse(ts);
    if (Number.isNaN(ms)) throw new RangeError(`not an ISO-8601 time: ${ts}`);
    const [y, m, d] = format.format(ms).split('-').map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, d) / 86_400_000;
  };
}

/** YYYY-MM-DD of a day number. */
function dateText(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}
