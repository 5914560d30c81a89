/**
 * BASELINE ONLY — BINARY FLOATS. Never use for money.
 *
 * The fold of src/core/position.ts + src/core/ledger.ts written with plain JS `number`, statement
 * for statement: weighted-average cost basis (reductions remove cost pro rata), FIFO lots (shorts
 * too), realized by both methods, money and base-asset fees (split pro rata across a flip), round
 * trips, cash, the newest mark per symbol, the duplicate check on a Set of event keys, the same
 * `touched` map and the same per-fill trade record. Only the arithmetic differs (no rounding, no
 * bigint), so the fold benchmark's ratio is the price of exactness. Only the events the benchmark
 * uses exist here: deployments and fills.
 *
 * Kept in the core's shape as it was before issue 18 (prefixed key strings, a closure and an
 * eager `touched` map per event, intermediate records per move): the core has since dropped that
 * overhead (src/core/ledger.ts, position.ts), this baseline has not, so since then the ratio
 * compares the exact core with a float fold that does more bookkeeping per fill; the ceiling
 * baseline (bench/ceiling-fold.ts) is the one to measure the core's speed against.
 */
export type NumSide = 'buy' | 'sell';
export type NumFeeCurrency = 'quote' | 'base';

export interface NumDeployment {
  readonly type: 'deployment';
  readonly deployment: string;
  readonly initialCapital: number;
  readonly costMethod: 'average' | 'fifo';
  readonly ts: string;
}

export interface NumLeg {
  readonly deployment: string;
  readonly side: NumSide;
  readonly qty: number;
  readonly fee: number;
  readonly feeCurrency: NumFeeCurrency;
}

export interface NumFill {
  readonly type: 'fill';
  readonly id: string;
  readonly symbol: string;
  readonly price: number;
  readonly ts: string;
  readonly legs: readonly NumLeg[];
  readonly orderId?: string;
}

export type NumEvent = NumDeployment | NumFill;

interface NumLot {
  qty: number;
  cost: number;
  readonly ts: string;
}

export interface NumPosition {
  readonly symbol: string;
  qty: number;
  cost: number;
  lots: NumLot[];
  realizedAverage: number;
  realizedFifo: number;
  fees: number;
  dividends: number;
  tripOpenedAt: string | null;
  tripRealized: number;
  tripFees: number;
}

interface NumRoundTrip {
  readonly symbol: string;
  readonly openedAt: string;
  readonly closedAt: string;
  readonly realized: number;
  readonly fees: number;
}

interface NumOutcome {
  readonly realizedAverage: number;
  readonly realizedFifo: number;
  readonly cashDelta: number;
  readonly feeExpense: number;
  readonly closedTrips: readonly NumRoundTrip[];
}

interface NumMoved {
  realizedAverage: number;
  realizedFifo: number;
  closed: number;
  flattened: boolean;
}

const newPosition = (symbol: string): NumPosition => ({
  symbol,
  qty: 0,
  cost: 0,
  lots: [],
  realizedAverage: 0,
  realizedFifo: 0,
  fees: 0,
  dividends: 0,
  tripOpenedAt: null,
  tripRealized: 0,
  tripFees: 0,
});

function applyTrade(
  pos: NumPosition,
  side: NumSide,
  qty: number,
  price: number,
  fee: number,
  feeCurrency: NumFeeCurrency,
  ts: string,
): NumOutcome {
  const delta = side === 'buy' ? qty : -qty;
  const notional = delta * price;
  const closedTrips: NumRoundTrip[] = [];
  const wasFlat = pos.qty === 0;
  const moved = move(pos, delta, price, notional, ts);
  let realizedAverage = moved.realizedAverage;
  let realizedFifo = moved.realizedFifo;
  let cashDelta = -notional;
  let feeExpense = 0;
  if (feeCurrency === 'quote') {
    feeExpense = fee;
    cashDelta = cashDelta - fee;
    const closingFee = moved.closed === 0 ? 0 : moved.closed === qty ? fee : (fee * moved.closed) / qty;
    bookTrip(pos, moved, wasFlat, realizedAverage, closingFee, fee - closingFee, ts, closedTrips);
  } else {
    bookTrip(pos, moved, wasFlat, realizedAverage, 0, 0, ts, closedTrips);
    if (fee !== 0) {
      const feeNotional = -fee * price;
      const before = pos.qty === 0;
      const disposed = move(pos, -fee, price, feeNotional, ts);
      realizedAverage = realizedAverage + disposed.realizedAverage;
      realizedFifo = realizedFifo + disposed.realizedFifo;
      feeExpense = -feeNotional;
      const closingFee =
        disposed.closed === fee ? feeExpense : disposed.closed === 0 ? 0 : (feeExpense * disposed.closed) / fee;
      bookTrip(pos, disposed, before, disposed.realizedAverage, closingFee, feeExpense - closingFee, ts, closedTrips);
    }
  }
  pos.realizedAverage = pos.realizedAverage + realizedAverage;
  pos.realizedFifo = pos.realizedFifo + realizedFifo;
  pos.fees = pos.fees + feeExpense;
  return { realizedAverage, realizedFifo, cashDelta, feeExpense, closedTrips };
}

function bookTrip(
  pos: NumPosition,
  moved: NumMoved,
  wasFlat: boolean,
  realized: number,
  closingFee: number,
  openingFee: number,
  ts: string,
  out: NumRoundTrip[],
): void {
  if (wasFlat && pos.qty !== 0) pos.tripOpenedAt = ts;
  pos.tripRealized = pos.tripRealized + realized;
  pos.tripFees = pos.tripFees + closingFee;
  if (moved.flattened) {
    out.push({
      symbol: pos.symbol,
      openedAt: pos.tripOpenedAt ?? ts,
      closedAt: ts,
      realized: pos.tripRealized,
      fees: pos.tripFees,
    });
    pos.tripRealized = 0;
    pos.tripFees = 0;
    pos.tripOpenedAt = pos.qty === 0 ? null : ts;
  }
  pos.tripFees = pos.tripFees + openingFee;
}

function move(pos: NumPosition, delta: number, price: number, notional: number, ts: string): NumMoved {
  const q = pos.qty;
  if (q === 0 || q > 0 === delta > 0) {
    pos.qty = q + delta;
    pos.cost = pos.cost + notional;
    pos.lots.push({ qty: delta, cost: notional, ts });
    return { realizedAverage: 0, realizedFifo: 0, closed: 0, flattened: false };
  }
  const absDelta = Math.abs(delta);
  const absQty = Math.abs(q);
  if (absDelta <= absQty) {
    const removed = absDelta === absQty ? pos.cost : (pos.cost * absDelta) / absQty;
    pos.cost = pos.cost - removed;
    pos.qty = q + delta;
    const realizedFifo = consumeLots(pos.lots, absDelta, notional);
    return { realizedAverage: -notional - removed, realizedFifo, closed: absDelta, flattened: pos.qty === 0 };
  }
  const closeNotional = -q * price;
  const realizedAverage = -closeNotional - pos.cost;
  let lotsCostTotal = 0;
  for (const lot of pos.lots) lotsCostTotal += lot.cost;
  const realizedFifo = -closeNotional - lotsCostTotal;
  const openQty = delta + q;
  const openNotional = notional - closeNotional;
  pos.qty = openQty;
  pos.cost = openNotional;
  pos.lots = [{ qty: openQty, cost: openNotional, ts }];
  return { realizedAverage, realizedFifo, closed: absQty, flattened: true };
}

function consumeLots(lots: NumLot[], amount: number, notional: number): number {
  let left = amount;
  let notionalLeft = notional;
  let realized = 0;
  let consumed = 0;
  for (const lot of lots) {
    const lotAbs = lot.qty < 0 ? -lot.qty : lot.qty;
    const take = lotAbs <= left ? lotAbs : left;
    const sliceNotional = take === left ? notionalLeft : (notional * take) / amount;
    if (take === lotAbs) {
      realized += -sliceNotional - lot.cost;
      consumed++;
    } else {
      const removed = (lot.cost * take) / lotAbs;
      realized += -sliceNotional - removed;
      lot.cost = lot.cost - removed;
      lot.qty = lot.qty > 0 ? lot.qty - take : lot.qty + take;
    }
    notionalLeft -= sliceNotional;
    left -= take;
    if (left === 0) break;
  }
  if (consumed > 0) lots.splice(0, consumed);
  return realized;
}

export interface NumSleeve {
  readonly deployment: string;
  readonly initialCapital: number;
  readonly costMethod: 'average' | 'fifo';
  readonly openedAt: string;
  flows: number;
  cash: number;
  readonly positions: Map<string, NumPosition>;
}

interface NumMark {
  readonly price: number;
  readonly ts: string;
  readonly source: string;
}

export interface NumLedger {
  readonly sleeves: Map<string, NumSleeve>;
  readonly marks: Map<string, NumMark>;
  readonly applied: Set<string>;
}

/** The per-fill trade record, field for field the core's `TradeBooked`. */
export interface NumTrade {
  readonly fillId: string;
  readonly leg: number;
  readonly deployment: string;
  readonly symbol: string;
  readonly side: NumSide;
  readonly qty: number;
  readonly price: number;
  readonly fee: number;
  readonly feeCurrency: NumFeeCurrency;
  readonly feeExpense: number;
  readonly realizedAverage: number;
  readonly realizedFifo: number;
  readonly realizedPnl: number;
  readonly orderId: string | null;
  readonly ts: string;
}

export interface NumApplied {
  readonly duplicate: boolean;
  readonly trades: readonly NumTrade[];
  readonly roundTrips: readonly (NumRoundTrip & { deployment: string })[];
  readonly touched: ReadonlyMap<string, ReadonlySet<string>>;
  readonly marked: readonly string[];
}

export const newNumLedger = (): NumLedger => ({ sleeves: new Map(), marks: new Map(), applied: new Set() });

const NOTHING: NumApplied = { duplicate: true, trades: [], roundTrips: [], touched: new Map(), marked: [] };

const eventKey = (e: NumEvent): string => (e.type === 'fill' ? `fill:${e.id}` : `deployment:${e.deployment}`);

function eventProblem(has: (id: string) => boolean, e: NumEvent): string | undefined {
  if (e.type === 'deployment') {
    if (has(e.deployment)) return 'already exists';
    return e.initialCapital < 0 ? 'initial_capital must not be negative' : undefined;
  }
  if (e.price <= 0) return 'price must be greater than 0';
  if (e.legs.length === 0) return 'a fill needs at least one leg';
  for (const leg of e.legs) {
    if (!has(leg.deployment)) return `unknown deployment '${leg.deployment}'`;
    if (leg.qty <= 0) return 'qty must be greater than 0';
    if (leg.fee < 0) return 'fee must not be negative';
  }
  return undefined;
}

/** Folds one event, exactly as the core's `applyEvent` does. */
export function numApplyEvent(ledger: NumLedger, event: NumEvent): NumApplied {
  const key = eventKey(event);
  if (ledger.applied.has(key)) return NOTHING;
  const problem = eventProblem((id) => ledger.sleeves.has(id), event);
  if (problem) throw new Error(`cannot apply ${key}: ${problem}`);
  ledger.applied.add(key);
  const touched = new Map<string, Set<string>>();
  const touch = (deployment: string, symbol?: string) => {
    let set = touched.get(deployment);
    if (!set) touched.set(deployment, (set = new Set()));
    if (symbol) set.add(symbol);
  };
  if (event.type === 'deployment') {
    ledger.sleeves.set(event.deployment, {
      deployment: event.deployment,
      initialCapital: event.initialCapital,
      costMethod: event.costMethod,
      openedAt: event.ts,
      flows: 0,
      cash: event.initialCapital,
      positions: new Map(),
    });
    touch(event.deployment);
    return { duplicate: false, trades: [], roundTrips: [], touched, marked: [] };
  }
  return applyFill(ledger, event, touch, touched);
}

function applyFill(
  ledger: NumLedger,
  event: NumFill,
  touch: (d: string, s?: string) => void,
  touched: Map<string, Set<string>>,
): NumApplied {
  const trades: NumTrade[] = [];
  const roundTrips: (NumRoundTrip & { deployment: string })[] = [];
  event.legs.forEach((leg, index) => {
    const sleeve = ledger.sleeves.get(leg.deployment)!;
    let pos = sleeve.positions.get(event.symbol);
    if (!pos) sleeve.positions.set(event.symbol, (pos = newPosition(event.symbol)));
    const outcome = applyTrade(pos, leg.side, leg.qty, event.price, leg.fee, leg.feeCurrency, event.ts);
    sleeve.cash = sleeve.cash + outcome.cashDelta;
    touch(leg.deployment, event.symbol);
    trades.push({
      fillId: event.id,
      leg: index,
      deployment: leg.deployment,
      symbol: event.symbol,
      side: leg.side,
      qty: leg.qty,
      price: event.price,
      fee: leg.fee,
      feeCurrency: leg.feeCurrency,
      feeExpense: outcome.feeExpense,
      realizedAverage: outcome.realizedAverage,
      realizedFifo: outcome.realizedFifo,
      realizedPnl: sleeve.costMethod === 'fifo' ? outcome.realizedFifo : outcome.realizedAverage,
      orderId: event.orderId ?? null,
      ts: event.ts,
    });
    for (const trip of outcome.closedTrips) roundTrips.push({ ...trip, deployment: leg.deployment });
  });
  const marked = recordMark(ledger, event.symbol, { price: event.price, ts: event.ts, source: 'fill' });
  return { duplicate: false, trades, roundTrips, touched, marked: marked ? [event.symbol] : [] };
}

function recordMark(ledger: NumLedger, symbol: string, mark: NumMark): boolean {
  const current = ledger.marks.get(symbol);
  if (current && current.ts > mark.ts) return false;
  ledger.marks.set(symbol, mark);
  return true;
}
