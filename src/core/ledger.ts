/**
 * The account's ledger: every deployment's sleeve plus the latest marks, folded from the journal.
 *
 * Entry points: `newLedger`, `eventProblem` (what is wrong with an event before it is journaled),
 * `applyEvent` (fold one event; returns what changed, for the projections).
 * Invariants: an event key is applied at most once (duplicates change nothing; `isApplied` says
 * whether a key was); a journaled event always applies (`applyEvent` throws
 * `LedgerInvariantError` on an event `eventProblem` rejects, because that means the journal is
 * corrupt); cash changes only through capital, trades, fees and dividends, so
 * cash + Σ qty × mark = initial + flows + realized + unrealized − fees + dividends.
 * A fill is the fold's hot path (bench/fold.ts): checked and booked without closures, what it
 * changed (`trades`, `touched`, `marked`) built only when read, and the ledger is mutated in place
 * (it is the fold's private working state; callers that need a snapshot copy it).
 */
import { type Dec, ZERO, div, mul, mulDiv } from './decimal.js';
import {
  type LedgerEvent,
  type CostMethod,
  type FillBooked,
  type FillLeg,
  type Side,
  type FeeCurrency,
  eventKey,
} from './events.js';
import type { DeploymentId, FillId, Symbol } from './ids.js';
import {
  type PositionState,
  type RoundTrip,
  type TradeOutcome,
  applyDividend,
  applySplit,
  applyTrade,
  newPosition,
} from './position.js';

export interface Sleeve {
  readonly deployment: DeploymentId;
  readonly initialCapital: Dec;
  readonly costMethod: CostMethod;
  readonly openedAt: string;
  flows: Dec;
  cash: Dec;
  readonly positions: Map<Symbol, PositionState>;
}

export interface Mark {
  /** The price as observed (before any later split). */
  readonly price: Dec;
  readonly ts: string;
  readonly source: string;
  /** Product of the split ratios applied since the observation; the current price is price ÷ this. */
  readonly splitDivisor?: Dec;
}

export interface Ledger {
  readonly sleeves: Map<DeploymentId, Sleeve>;
  readonly marks: Map<Symbol, Mark>;
  /** The keys of the events applied (`eventKey`), but for fills: see `fills`. Ask `isApplied`. */
  readonly applied: Set<string>;
  /**
   * The ids of the fills applied (key `fill:<id>`). Kept apart, by id, because a journal is mostly
   * fills: a prefixed key would be a new string to build and hash per fill (bench/fold.ts).
   */
  readonly fills: Set<FillId>;
}

const FILL_KEY = 'fill:';

/** Whether the event of journal key `key` (core or app, see `eventKey`) has been applied. */
export function isApplied(ledger: Ledger, key: string): boolean {
  return key.startsWith(FILL_KEY) ? ledger.fills.has(key.slice(FILL_KEY.length) as FillId) : ledger.applied.has(key);
}

/** One fill leg as booked to one deployment: a `deployment_trades` row. */
export interface TradeBooked {
  readonly fillId: FillId;
  readonly leg: number;
  readonly deployment: DeploymentId;
  readonly symbol: Symbol;
  readonly side: Side;
  readonly qty: Dec;
  readonly price: Dec;
  readonly fee: Dec;
  readonly feeCurrency: FeeCurrency;
  readonly feeExpense: Dec;
  readonly realizedAverage: Dec;
  readonly realizedFifo: Dec;
  /** Realized P&L by the deployment's own cost method. */
  readonly realizedPnl: Dec;
  readonly orderId: string | null;
  readonly ts: string;
}

export interface Applied {
  readonly duplicate: boolean;
  readonly trades: readonly TradeBooked[];
  readonly roundTrips: readonly (RoundTrip & { deployment: DeploymentId })[];
  /** Sleeves whose cash or positions changed, with the symbols that changed. */
  readonly touched: ReadonlyMap<DeploymentId, ReadonlySet<Symbol>>;
  /** Symbols whose mark changed. */
  readonly marked: readonly Symbol[];
}

export class LedgerInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerInvariantError';
  }
}

export function newLedger(): Ledger {
  return { sleeves: new Map(), marks: new Map(), applied: new Set(), fills: new Set() };
}

/** A problem with an event: which field, and why. */
export interface EventProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * What prevents `event` from applying (unknown deployment, non-positive quantity...), or
 * undefined. `hasDeployment` says which deployments exist at that point of the journal.
 * Duplicates are not problems: they are skipped.
 */
export function eventProblem(
  hasDeployment: (id: DeploymentId) => boolean,
  event: LedgerEvent,
): EventProblem | undefined {
  switch (event.type) {
    case 'deployment':
      if (hasDeployment(event.deployment))
        return { field: 'deployment', message: `'${event.deployment}' already exists` };
      if (event.initialCapital < 0n) return { field: 'initial_capital', message: 'must not be negative' };
      return undefined;
    case 'fill': {
      if (event.price <= 0n) return { field: 'price', message: 'must be greater than 0' };
      if (event.legs.length === 0) return { field: 'legs', message: 'a fill needs at least one leg' };
      for (const [i, leg] of event.legs.entries()) {
        const at = event.legs.length === 1 ? '' : `legs[${i}].`;
        if (!hasDeployment(leg.deployment)) {
          return { field: `${at}deployment`, message: `unknown deployment '${leg.deployment}' (create it first)` };
        }
        if (leg.qty <= 0n) return { field: `${at}qty`, message: 'must be greater than 0' };
        if (leg.fee < 0n) return { field: `${at}fee`, message: 'must not be negative' };
      }
      return undefined;
    }
    case 'capital_flow':
      if (!hasDeployment(event.deployment)) {
        return { field: 'deployment', message: `unknown deployment '${event.deployment}' (create it first)` };
      }
      if (event.amount === 0n) return { field: 'amount', message: 'must not be 0' };
      return undefined;
    case 'split':
      if (event.ratio <= 0n) return { field: 'ratio', message: 'must be greater than 0' };
      return undefined;
    case 'dividend':
      if (event.amountPerShare <= 0n) return { field: 'amount_per_share', message: 'must be greater than 0' };
      return undefined;
    case 'mark':
      if (event.price <= 0n) return { field: 'price', message: 'must be greater than 0' };
      return undefined;
  }
}

const NOTHING: Applied = { duplicate: true, trades: [], roundTrips: [], touched: new Map(), marked: [] };
const NO_TRIPS: readonly (RoundTrip & { deployment: DeploymentId })[] = Object.freeze([]);
/** Scratch for the round trips one trade closes; emptied before `applyFill` returns (never shared). */
const CLOSED: RoundTrip[] = [];

/**
 * What a fill changed, built from what its legs booked only when read: the fold of a whole journal
 * reads the round trips at most, so a fill allocates no trade rows, `touched` or `marked` lists.
 */
class FillApplied implements Applied {
  readonly duplicate = false;
  #trades: TradeBooked[] | undefined;
  constructor(
    private readonly event: FillBooked,
    /** Per leg, in order: its trade's outcome and its deployment's cost method. */
    private readonly outcomes: readonly TradeOutcome[],
    private readonly methods: readonly CostMethod[],
    readonly roundTrips: readonly (RoundTrip & { deployment: DeploymentId })[],
    private readonly markChanged: boolean,
  ) {}

  get trades(): readonly TradeBooked[] {
    return (this.#trades ??= this.event.legs.map((leg, index) =>
      tradeBooked(this.event, index, leg, this.outcomes[index]!, this.methods[index]!),
    ));
  }

  get touched(): ReadonlyMap<DeploymentId, ReadonlySet<Symbol>> {
    const touched = new Map<DeploymentId, ReadonlySet<Symbol>>();
    for (const leg of this.event.legs) touched.set(leg.deployment, new Set([this.event.symbol]));
    return touched;
  }

  get marked(): readonly Symbol[] {
    return this.markChanged ? [this.event.symbol] : [];
  }
}

function tradeBooked(
  event: FillBooked,
  index: number,
  leg: FillLeg,
  outcome: TradeOutcome,
  method: CostMethod,
): TradeBooked {
  return {
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
    realizedPnl: method === 'fifo' ? outcome.realizedFifo : outcome.realizedAverage,
    orderId: event.orderId ?? null,
    ts: event.ts,
  };
}

/**
 * Folds one event into the ledger. A key already applied is a duplicate and changes nothing.
 * Throws `LedgerInvariantError` for an event `eventProblem` rejects.
 */
export function applyEvent(ledger: Ledger, event: LedgerEvent): Applied {
  if (event.type === 'fill') {
    // The hot path (a journal is mostly fills): no key string beyond the Set's, no closure.
    // One hash lookup, not two (has, then add): the set of fill ids is the fold's biggest table.
    const fills = ledger.fills;
    const size = fills.size;
    fills.add(event.id);
    if (fills.size === size) return NOTHING;
    if (!fillIsValid(ledger, event)) {
      fills.delete(event.id);
      refuse(ledger, event, FILL_KEY + event.id);
    }
    return applyFill(ledger, event);
  }
  const key = eventKey(event);
  if (ledger.applied.has(key)) return NOTHING;
  refuse(ledger, event, key);
  ledger.applied.add(key);
  const touched = new Map<DeploymentId, Set<Symbol>>();
  const touch = (deployment: DeploymentId, symbol?: Symbol) => {
    let set = touched.get(deployment);
    if (!set) touched.set(deployment, (set = new Set()));
    if (symbol) set.add(symbol);
  };
  switch (event.type) {
    case 'deployment':
      ledger.sleeves.set(event.deployment, {
        deployment: event.deployment,
        initialCapital: event.initialCapital,
        costMethod: event.costMethod,
        openedAt: event.ts,
        flows: ZERO,
        cash: event.initialCapital,
        positions: new Map(),
      });
      touch(event.deployment);
      return { duplicate: false, trades: [], roundTrips: [], touched, marked: [] };
    case 'capital_flow': {
      const sleeve = ledger.sleeves.get(event.deployment)!;
      sleeve.flows = (sleeve.flows + event.amount) as Dec;
      sleeve.cash = (sleeve.cash + event.amount) as Dec;
      touch(event.deployment);
      return { duplicate: false, trades: [], roundTrips: [], touched, marked: [] };
    }
    case 'split': {
      for (const sleeve of ledger.sleeves.values()) {
        const pos = sleeve.positions.get(event.symbol);
        if (pos && pos.qty !== 0n) {
          applySplit(pos, event.ratio);
          touch(sleeve.deployment, event.symbol);
        }
      }
      const mark = ledger.marks.get(event.symbol);
      if (mark) {
        // A price observed before the split is in old shares: restate it, keeping the divisor
        // apart so that qty × price ÷ divisor is rounded once (exact value, not a rounded price).
        const splitDivisor = mark.splitDivisor ? mul(mark.splitDivisor, event.ratio) : event.ratio;
        ledger.marks.set(event.symbol, {
          ...mark,
          splitDivisor,
          source: mark.source.endsWith('(split-adjusted)') ? mark.source : `${mark.source} (split-adjusted)`,
        });
      }
      return { duplicate: false, trades: [], roundTrips: [], touched, marked: mark ? [event.symbol] : [] };
    }
    case 'dividend': {
      for (const sleeve of ledger.sleeves.values()) {
        const pos = sleeve.positions.get(event.symbol);
        if (pos && pos.qty !== 0n) {
          sleeve.cash = (sleeve.cash + applyDividend(pos, event.amountPerShare)) as Dec;
          touch(sleeve.deployment, event.symbol);
        }
      }
      return { duplicate: false, trades: [], roundTrips: [], touched, marked: [] };
    }
    case 'mark': {
      const marked = recordMark(ledger, event.symbol, { price: event.price, ts: event.ts, source: event.source });
      return { duplicate: false, trades: [], roundTrips: [], touched, marked: marked ? [event.symbol] : [] };
    }
  }
}

/** Throws `LedgerInvariantError` when `eventProblem` rejects `event`. */
function refuse(ledger: Ledger, event: LedgerEvent, key: string): void {
  const problem = eventProblem((id) => ledger.sleeves.has(id), event);
  if (problem) throw new LedgerInvariantError(`cannot apply ${key}: ${problem.field} ${problem.message}`);
}

/** `eventProblem` of a fill is undefined, checked without building anything. */
function fillIsValid(ledger: Ledger, event: FillBooked): boolean {
  const legs = event.legs;
  if (event.price <= 0n || legs.length === 0) return false;
  for (let i = 0; i < legs.length; i++) {
    const leg = legs[i]!;
    if (!ledger.sleeves.has(leg.deployment) || leg.qty <= 0n || leg.fee < 0n) return false;
  }
  return true;
}

/** Keeps the newest mark per symbol (by event time; later journal order wins ties). */
function recordMark(ledger: Ledger, symbol: Symbol, mark: Mark): boolean {
  const current = ledger.marks.get(symbol);
  if (current && current.ts > mark.ts) return false;
  ledger.marks.set(symbol, mark);
  return true;
}

function applyFill(ledger: Ledger, event: FillBooked): Applied {
  const { symbol, price, ts, legs } = event;
  const outcomes = new Array<TradeOutcome>(legs.length);
  const methods = new Array<CostMethod>(legs.length);
  const closed = CLOSED;
  closed.length = 0;
  let roundTrips = NO_TRIPS;
  for (let index = 0; index < legs.length; index++) {
    const leg = legs[index]!;
    const sleeve = ledger.sleeves.get(leg.deployment)!;
    let pos = sleeve.positions.get(symbol);
    if (!pos) sleeve.positions.set(symbol, (pos = newPosition(symbol)));
    const outcome = applyTrade(pos, leg.side, leg.qty, price, leg.fee, leg.feeCurrency, ts, closed);
    // Cash pays the notional and a money fee (a base-asset fee is paid by its own units).
    sleeve.cash = (sleeve.cash - outcome.notional) as Dec;
    if (leg.feeCurrency === 'quote' && leg.fee !== 0n) sleeve.cash = (sleeve.cash - leg.fee) as Dec;
    outcomes[index] = outcome;
    methods[index] = sleeve.costMethod;
    if (closed.length > 0) {
      if (roundTrips === NO_TRIPS) roundTrips = [];
      for (const trip of closed)
        (roundTrips as (RoundTrip & { deployment: DeploymentId })[]).push({
          symbol: trip.symbol,
          openedAt: trip.openedAt,
          closedAt: trip.closedAt,
          realized: trip.realized,
          fees: trip.fees,
          deployment: leg.deployment,
        });
      closed.length = 0;
    }
  }
  return new FillApplied(event, outcomes, methods, roundTrips, markFill(ledger, symbol, price, ts));
}

/** `recordMark` of a fill's price, the mark built only when it is the newest. */
function markFill(ledger: Ledger, symbol: Symbol, price: Dec, ts: string): boolean {
  const current = ledger.marks.get(symbol);
  if (current && current.ts > ts) return false;
  ledger.marks.set(symbol, { price, ts, source: 'fill' });
  return true;
}

/** Every symbol some sleeve holds (qty ≠ 0), sorted. */
export function heldSymbols(ledger: Ledger): Symbol[] {
  const held = new Set<Symbol>();
  for (const sleeve of ledger.sleeves.values())
    for (const [symbol, p] of sleeve.positions) if (p.qty !== 0n) held.add(symbol);
  return [...held].sort();
}

/** The account's net quantity of `symbol`: Σ over sleeves. */
export function netQuantity(ledger: Ledger, symbol: Symbol): Dec {
  let total = 0n;
  for (const sleeve of ledger.sleeves.values()) total += sleeve.positions.get(symbol)?.qty ?? 0n;
  return total as Dec;
}

/** Value of `qty` at a mark (shared by valuation and reconciliation). */
export function valueAtMark(qty: Dec, mark: Mark): Dec {
  return mark.splitDivisor ? mulDiv(qty, mark.price, mark.splitDivisor) : mul(qty, mark.price);
}

/** The mark's current price (split-adjusted), for display. */
export function markPrice(mark: Mark): Dec {
  return mark.splitDivisor ? div(mark.price, mark.splitDivisor) : mark.price;
}
