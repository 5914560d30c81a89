/**
 * The emulator's venue: the simulation's matching engine and simulated market (src/sim — the same
 * engine the paper broker drives: one matching engine, two faces) plus what Alpaca's wire shows
 * that the engine does not keep: UUIDs, per-order timestamps and position intent, the FILL (and
 * DIV) account activities, and the `trade_updates` events.
 *
 * Entry points: `Venue` — `submit`, `cancel`, `advance`, the lookups, `onTradeUpdate`, the
 * test controls `setPrice`, `setPartialFillCap`, `payDividend`, and the audit records
 * `refuse` / `rejections` (every refused submission) and `orderHistory` (when each order was open).
 * Invariants: every engine report becomes exactly one `trade_updates` event, published in the
 * engine's order; every execution becomes exactly one FILL activity whose id ends with the
 * event's `execution_id` (unless `fillActivityIds: 'independent'`); `position_qty` is the account's net position after that execution;
 * time is the simulated market's, never the wall clock; every acceptance, terminal event and
 * refusal takes the next number of one sequence (order-log.ts).
 */
import { type BrokerOrder, type ExecutionReport, TERMINAL_STATUSES } from '../app/ports/broker-port.js';
import { type Dec, ZERO, mul, toPlain } from '../core/decimal.js';
import type { BrokerOrderId, ClientOrderId, Symbol } from '../core/ids.js';
import { type AccountRules, type Rejection, type SimSymbol, MatchingEngine, SimulatedMarket } from '../sim/index.js';
import { dividendActivity, fillActivity } from './activities.js';
import { uuidFor } from './ids.js';
import { alpacaType } from '../sim/order-types.js';
import { type VenueOrderRequest, cryptoProblem, expiry, isCrypto, sizeOrder } from './order-checks.js';
import {
  type AuditOrder,
  type Refusal,
  type RefusedFields,
  type RejectionRecord,
  conflictsOf,
  fieldsOfRequest,
  openOrderNote,
  refusalOf,
} from './order-log.js';
import {
  type AccountFigures,
  type ActivityWire,
  type Marked,
  type OrderMeta,
  type OrderWire,
  type TradeUpdateWire,
  orderToWire,
} from './wire.js';

export interface VenueOptions {
  readonly seed: number;
  readonly symbols: readonly SimSymbol[];
  readonly startingCash: Dec;
  /** Simulated time of step 0 (ISO-8601). */
  readonly start: string;
  /** Simulated milliseconds per step. */
  readonly stepMs: number;
  /** Initial partial-fill cap per symbol and side per step; undefined = unlimited liquidity. */
  readonly maxQtyPerStep?: Dec;
  /**
   * The uuid in a FILL activity's id: the stream's `execution_id` (default), or an unrelated one —
   * whether Alpaca's match is UNCERTAIN (FACTS §2.1), so clients can be tested both ways.
   */
  readonly fillActivityIds?: 'execution_id' | 'independent';
  /** Which of Alpaca's account rules to enforce (default all: switch one off only to test an audit). */
  readonly rules?: Partial<AccountRules>;
}

export type SubmitResult = { ok: true; order: OrderWire } | { ok: false; rejection: Rejection };
export type TradeUpdateListener = (update: TradeUpdateWire) => void;

export { isCrypto, type VenueOrderRequest };

export class Venue {
  readonly market: SimulatedMarket;
  readonly engine: MatchingEngine;
  readonly seed: number;
  readonly start: string;
  private readonly fillActivityIds: 'execution_id' | 'independent';
  private readonly caps: Record<string, Dec> = {};
  private readonly meta = new Map<BrokerOrderId, OrderMeta>();
  private readonly byUuid = new Map<string, BrokerOrderId>();
  private readonly running = new Map<Symbol, Dec>();
  private readonly listeners = new Set<TradeUpdateListener>();
  private readonly activityLog: ActivityWire[] = [];
  private readonly refusals: RejectionRecord[] = [];
  /** The last number of the venue's event sequence (acceptances, terminal events, refusals). */
  private seq = 0;
  private cashAdjustment = ZERO;
  /** Each symbol's price at step 0: the emulator's "last day" close. */
  private readonly opening = new Map<Symbol, Dec>();
  private readonly startingEquity: Dec;
  /** Every trade update published so far. */
  published = 0;

  constructor(options: VenueOptions) {
    this.seed = options.seed;
    this.start = options.start;
    this.fillActivityIds = options.fillActivityIds ?? 'execution_id';
    const startMs = Date.parse(options.start);
    if (Number.isNaN(startMs)) throw new RangeError(`emulator: start "${options.start}" is not ISO-8601`);
    if (!Number.isInteger(options.stepMs) || options.stepMs < 1) throw new RangeError('emulator: stepMs must be ≥ 1');
    this.market = new SimulatedMarket({
      seed: options.seed,
      symbols: options.symbols,
      clock: { tsAt: (step) => new Date(startMs + step * options.stepMs).toISOString() },
    });
    // The engine reads the per-symbol caps at every step, so the control surface can change them.
    this.engine = new MatchingEngine({
      market: this.market,
      startingCash: options.startingCash,
      liquidity: { maxQtyPerStep: this.caps },
      idPrefix: 'emu',
      ...(options.rules ? { rules: options.rules } : {}),
    });
    if (options.maxQtyPerStep !== undefined) this.setPartialFillCap(options.maxQtyPerStep);
    for (const [symbol, quote] of this.market.current().quotes) this.opening.set(symbol, quote.last);
    this.startingEquity = options.startingCash;
  }

  get symbols(): readonly Symbol[] {
    return this.market.symbols;
  }

  now(): string {
    return this.market.now();
  }

  onTradeUpdate(listener: TradeUpdateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  submit(request: VenueOrderRequest): SubmitResult {
    const refused = (rejection: Rejection, qty = request.qty): SubmitResult => {
      this.refuse(fieldsOfRequest(request), refusalOf(rejection), qty === undefined ? undefined : { ...request, qty });
      return { ok: false, rejection };
    };
    const sized = sizeOrder(this.market, request);
    if ('rejection' in sized) return refused(sized.rejection);
    const crypto = cryptoProblem(this.engine, sized.request);
    if (crypto) return refused(crypto, sized.request.qty);
    const position = this.engine.positions().find((p) => p.symbol === request.symbol)?.qty ?? ZERO;
    const outcome = this.engine.submit(sized.request);
    if (!outcome.accepted) return refused(outcome.rejection, sized.request.qty);
    const id = uuidFor(this.seed, outcome.order.brokerOrderId);
    const intent =
      request.side === 'buy'
        ? position < 0n
          ? 'buy_to_close'
          : 'buy_to_open'
        : position > 0n
          ? 'sell_to_close'
          : 'sell_to_open';
    this.meta.set(outcome.order.brokerOrderId, {
      id,
      assetId: uuidFor('asset', request.symbol),
      createdAt: outcome.order.submittedAt,
      positionIntent: intent,
      notional: request.notional ?? null,
      expiresAt: expiry(outcome.order),
      acceptedSeq: ++this.seq,
    });
    this.byUuid.set(id, outcome.order.brokerOrderId);
    const update = this.publish(outcome.report);
    return { ok: true, order: update.order };
  }

  /**
   * Records a refused submission with the position and open orders of its symbol as they are now;
   * `order` (parsed) also names the open orders the rule refused it against. The order routes call
   * it for what they refuse before the venue sees an order; `submit` for the rest.
   */
  refuse(fields: RefusedFields, refusal: Refusal, order?: VenueOrderRequest & { qty: Dec }): RejectionRecord {
    const symbol = fields.symbol as Symbol | null;
    const known = symbol !== null && this.market.symbols.includes(symbol);
    const open = known ? this.engine.openOrders().filter((o) => o.symbol === symbol) : [];
    const record: RejectionRecord = {
      seq: ++this.seq,
      time: this.now(),
      rule: refusal.rule,
      http_status: refusal.httpStatus,
      code: refusal.alpacaCode,
      message: refusal.message,
      ...fields,
      position_qty: known ? toPlain(this.engine.positions().find((p) => p.symbol === symbol)?.qty ?? ZERO) : null,
      open_orders: open.map(openOrderNote),
      conflicts: order ? conflictsOf(refusal.rule, order, open) : [],
    };
    this.refusals.push(record);
    return record;
  }

  /** Every refused submission, oldest first. */
  rejections(): readonly RejectionRecord[] {
    return this.refusals;
  }

  /** Every accepted order with the sequence numbers (and times) at which it was accepted and closed. */
  orderHistory(): AuditOrder[] {
    return this.engine.allOrders().map((o) => {
      const meta = this.meta.get(o.brokerOrderId)!;
      return {
        id: meta.id,
        client_order_id: o.clientOrderId,
        symbol: o.symbol,
        side: o.side,
        type: alpacaType(o),
        limit_price: o.limitPrice === undefined ? null : toPlain(o.limitPrice),
        time_in_force: o.timeInForce,
        status: o.status,
        accepted_seq: meta.acceptedSeq,
        accepted_at: meta.createdAt,
        closed_seq: meta.closedSeq ?? null,
        closed_at: meta.closedSeq === undefined ? null : (meta.filledAt ?? meta.canceledAt ?? meta.expiredAt ?? null),
      };
    });
  }

  /** Cancels by the order's UUID; the `canceled` event is published before this returns. */
  cancel(id: string): { ok: true } | { ok: false; rejection: Rejection } {
    const outcome = this.engine.cancel(this.byUuid.get(id) ?? (`unknown:${id}` as BrokerOrderId));
    if (!outcome.accepted) return { ok: false, rejection: outcome.rejection };
    this.publish(outcome.report);
    return { ok: true };
  }

  /** Moves the market `steps` steps, publishing every report; returns the updates in order. */
  advance(steps = 1): TradeUpdateWire[] {
    const updates: TradeUpdateWire[] = [];
    for (let i = 0; i < steps; i++) {
      const outcome = this.engine.advance();
      if (!outcome) break;
      for (const report of outcome.reports) updates.push(this.publish(report));
    }
    return updates;
  }

  order(id: string): OrderWire | undefined {
    const engineId = this.byUuid.get(id);
    const order = engineId && this.engine.order(engineId);
    return order ? this.wire(order) : undefined;
  }

  orderByClientId(clientOrderId: string): OrderWire | undefined {
    const order = this.engine.orderByClientId(clientOrderId as ClientOrderId);
    return order ? this.wire(order) : undefined;
  }

  /** Every order, oldest first, with its current state. */
  allOrders(): OrderWire[] {
    return this.engine.allOrders().map((o) => this.wire(o));
  }

  /** Shares of `symbol` held back by open orders on the closing side (for `qty_available`). */
  heldForOrders(symbol: Symbol, positionQty: Dec): Dec {
    const closing = positionQty > 0n ? 'sell' : 'buy';
    return this.engine
      .openOrders()
      .filter((o) => o.symbol === symbol && o.side === closing)
      .reduce((total, o) => (total + o.qty - o.filledQty) as Dec, ZERO);
  }

  /** Open positions with their marks, as GET /v2/positions shows them. */
  positions(): Marked[] {
    return this.engine.positions().map((position) => ({
      position,
      quote: this.market.latest(position.symbol),
      lastday: this.opening.get(position.symbol) ?? position.avgEntryPrice,
      qtyAvailable: (position.qty - signedHeld(position.qty, this.heldForOrders(position.symbol, position.qty))) as Dec,
      crypto: isCrypto(position.symbol),
    }));
  }

  /** The account's figures; cash includes the emulator's dividend credits. */
  accountFigures(): AccountFigures {
    const view = this.engine.accountView();
    let long = ZERO;
    let short = ZERO;
    for (const p of this.engine.positions()) {
      const value = mul(p.qty, this.market.latest(p.symbol)?.last ?? p.avgEntryPrice);
      if (value > 0n) long = (long + value) as Dec;
      else short = (short + value) as Dec;
    }
    return {
      id: uuidFor(this.seed, 'account'),
      createdAt: this.start,
      now: this.now(),
      cash: (view.cash + this.cashAdjustment) as Dec,
      buyingPower: (view.buyingPower + this.cashAdjustment) as Dec,
      longMarketValue: long,
      shortMarketValue: short,
      startingEquity: this.startingEquity,
    };
  }

  activities(): readonly ActivityWire[] {
    return this.activityLog;
  }

  setPrice(symbol: Symbol, price: Dec): void {
    this.market.setPrice(symbol, price);
  }

  /** Caps what can fill per step (per symbol and side): forces partial fills. undefined lifts it. */
  setPartialFillCap(maxQtyPerStep: Dec | undefined, symbol?: Symbol): void {
    for (const s of symbol ? [symbol] : this.market.symbols) {
      if (maxQtyPerStep === undefined) delete this.caps[s];
      else this.caps[s] = maxQtyPerStep;
    }
  }

  /**
   * An emulator extension (paper does not simulate dividends, FACTS §6): books a DIV activity for
   * the account's position in `symbol` and credits (or, short, debits) the cash. Returns the row.
   */
  payDividend(symbol: Symbol, perShare: Dec): ActivityWire | undefined {
    const qty = this.engine.positions().find((p) => p.symbol === symbol)?.qty ?? ZERO;
    if (qty === ZERO) return undefined;
    const now = this.now();
    const net = mul(qty, perShare);
    this.cashAdjustment = (this.cashAdjustment + net) as Dec;
    const row = dividendActivity(uuidFor(this.seed, `div:${this.activityLog.length}`), now, symbol, qty, perShare);
    this.activityLog.push(row);
    return row;
  }

  private wire(order: BrokerOrder): OrderWire {
    return orderToWire(order, this.meta.get(order.brokerOrderId)!, isCrypto(order.symbol));
  }

  private publish(report: ExecutionReport): TradeUpdateWire {
    const meta = this.meta.get(report.order.brokerOrderId)!;
    if (report.kind === 'fill') meta.filledAt = report.ts;
    if (report.kind === 'canceled') meta.canceledAt = report.ts;
    if (report.kind === 'expired') meta.expiredAt = report.ts;
    if (TERMINAL_STATUSES.has(report.order.status) && meta.closedSeq === undefined) meta.closedSeq = ++this.seq;
    const order = this.wire(report.order);
    let update: TradeUpdateWire = { event: report.kind, order };
    const x = report.execution;
    if (x) {
      const signed = (report.order.side === 'buy' ? x.qty : -x.qty) as Dec;
      const position = ((this.running.get(report.order.symbol) ?? ZERO) + signed) as Dec;
      this.running.set(report.order.symbol, position);
      const executionId = uuidFor(this.seed, x.id);
      update = {
        ...update,
        timestamp: x.ts,
        execution_id: executionId,
        price: plain(x.price),
        qty: plain(x.qty),
        position_qty: plain(position),
      };
      const rowId = this.fillActivityIds === 'independent' ? uuidFor(this.seed, `activity:${x.id}`) : executionId;
      this.activityLog.push(fillActivity(report, rowId, meta.id));
    } else if (report.kind !== 'new') {
      update = { ...update, timestamp: report.ts };
    }
    this.published += 1;
    for (const listener of [...this.listeners]) listener(update);
    return update;
  }
}

const plain = toPlain;

/** Held shares carry the position's sign (a short's open covers hold negative shares). */
const signedHeld = (position: Dec, held: Dec): Dec => (position < 0n ? -held : held) as Dec;
