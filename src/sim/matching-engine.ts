/**
 * The matching engine: accepts orders, keeps them open, and matches them at each market step
 * against the simulated or replayed prices; keeps the account (cash, one net position per
 * symbol) and enforces Alpaca's account rules when they are switched on. One engine, two faces:
 * the paper broker (src/adapters/paper) and the Alpaca emulator drive the same engine.
 *
 * Entry points: `MatchingEngine` — `submit`, `cancel`, `advance`, and the views `order`,
 * `orderByClientId`, `openOrders`, `positions`, `accountView`.
 * Step semantics (`advance`): the market moves one step; then, in this order,
 *  1. `day` orders whose trading day (UTC date of the first step they could trade at) is over
 *     expire — they live for one trading day of steps, never across a UTC date change;
 *  2. stop orders not yet triggered check the step's last trade against their stop (a trailing
 *     stop moves its mark and stop first; src/sim/stops.ts); only triggered ones go on;
 *  3. open orders, oldest first, match against the step's fresh quotes (an order never trades at
 *     the prices it was submitted against: it trades from the next step): market orders at the
 *     ask (buys) / bid (sells) plus slippage, limit orders when the touch reaches the limit, at the
 *     limit or better; each symbol and side has a per-step liquidity cap, so large orders fill in
 *     pieces over several steps (partial_fill … fill);
 *  4. `ioc` orders that could trade at this step cancel their unfilled remainder.
 * Invariants: every state change yields exactly one `ExecutionReport` (new, partial_fill, fill,
 * canceled, expired); order and execution ids are deterministic (`<idPrefix>-o<n>`,
 * `<idPrefix>-x<n>`) and never repeat within an engine; `filledQty` only grows and `filledAvgPrice`
 * is Σ qty × price ÷ filledQty; time is the market's, never the wall clock; client order ids are
 * unique forever (also after cancel). A broken internal invariant throws.
 */
import type { BrokerOrder, ExecutionReport, OrderRequest, ReportKind } from '../app/ports/broker-port.js';
import { TERMINAL_STATUSES } from '../app/ports/broker-port.js';
import { type Dec, ZERO, div, mul } from '../core/decimal.js';
import type { BrokerOrderId, ClientOrderId, Symbol } from '../core/ids.js';
import { asFillId } from '../core/ids.js';
import { SimAccount, type SimPosition } from './account.js';
import { tradingDay } from './clock.js';
import type { Market, MarketStep, SimQuote } from './market.js';
import { type FeeSchedule, executionPrice, feeFor, slip } from './pricing.js';
import { rejectNotCancelable, rejectOrderNotFound, type Rejection } from './rejections.js';
import { type AccountRules, ALPACA_RULES, checkAccountRules } from './rules.js';
import { type Liquidity, type LiquidityOptions, makeLiquidity } from './liquidity.js';
import { validateOrder } from './validate.js';
import { hasStop, isTrailing, nextMark, stopReached, trailingStop } from './stops.js';

export interface MatchingEngineOptions {
  /** Prices and time. The engine advances it (`advance`) and reads its clock. */
  readonly market: Market;
  readonly startingCash: Dec;
  /** Positions held at the start (a paper account resumed from its books). Default none. */
  readonly openingPositions?: readonly SimPosition[];
  /** Basis points the fill price moves against the trader (≥ 0). Default 0. */
  readonly slippageBps?: Dec;
  readonly fees?: FeeSchedule;
  readonly liquidity?: LiquidityOptions;
  /** Which Alpaca account rules to enforce. Default: all (`ALPACA_RULES`). */
  readonly rules?: Partial<AccountRules>;
  /** Prefix of order and execution ids; use a distinct one per run journaled into one store. */
  readonly idPrefix?: string;
}

export type SubmitOutcome =
  | { readonly accepted: true; readonly order: BrokerOrder; readonly report: ExecutionReport }
  | { readonly accepted: false; readonly rejection: Rejection };

export type CancelOutcome =
  | { readonly accepted: true; readonly report: ExecutionReport }
  | { readonly accepted: false; readonly rejection: Rejection };

export interface StepOutcome {
  readonly step: MarketStep;
  readonly reports: readonly ExecutionReport[];
}

export interface AccountView {
  readonly cash: Dec;
  readonly equity: Dec;
  readonly buyingPower: Dec;
}

interface OrderRecord {
  request: OrderRequest;
  brokerOrderId: BrokerOrderId;
  status: BrokerOrder['status'];
  filledQty: Dec;
  filledNotional: Dec;
  submittedAt: string;
  updatedAt: string;
  reason?: string;
  /** Trading day of the first step the order could trade at (set then). */
  day?: string;
  /** A stop order's stop (a trailing stop's moves with `hwm` until triggered); undefined without one. */
  stop?: Dec;
  /** A trailing stop's high-water mark. */
  hwm?: Dec;
  /** A stop order whose stop was reached: it now works as its type. */
  triggered?: boolean;
}

export class MatchingEngine {
  private readonly market: Market;
  private readonly account: SimAccount;
  private readonly slippageBps: Dec;
  private readonly rules: AccountRules;
  private readonly liquidity: Liquidity;
  private readonly idPrefix: string;
  private readonly records: OrderRecord[] = [];
  private readonly byClientId = new Map<ClientOrderId, OrderRecord>();
  private readonly byBrokerId = new Map<BrokerOrderId, OrderRecord>();
  private open: OrderRecord[] = [];
  private executions = 0;

  constructor(private readonly options: MatchingEngineOptions) {
    this.market = options.market;
    this.account = new SimAccount(options.startingCash, options.openingPositions);
    this.slippageBps = options.slippageBps ?? ZERO;
    if (this.slippageBps < 0n) throw new RangeError('MatchingEngine: slippageBps must be ≥ 0');
    this.rules = { ...ALPACA_RULES, ...options.rules };
    this.liquidity = makeLiquidity(options.liquidity);
    this.idPrefix = options.idPrefix ?? 'paper';
  }

  /** Accepts an order (status `new`) or says why not; nothing changes on a rejection. */
  submit(request: OrderRequest): SubmitOutcome {
    const invalid = validateOrder(request, this.market.symbols, this.byClientId.has(request.clientOrderId));
    if (invalid) return { accepted: false, rejection: invalid };
    const quote = this.market.latest(request.symbol);
    const broken = checkAccountRules(
      {
        side: request.side,
        type: request.type,
        limitPrice: request.limitPrice,
        qty: request.qty,
        trailing: isTrailing(request),
      },
      {
        position: this.account.position(request.symbol),
        openOrders: this.open
          .filter((r) => r.request.symbol === request.symbol)
          .map((r) => ({ ...r.request, qty: (r.request.qty - r.filledQty) as Dec, trailing: isTrailing(r.request) })),
        buyingPower: this.buyingPower(),
        referencePrice: quote && slip(quote.ask, 'buy', this.slippageBps),
      },
      this.rules,
    );
    if (broken) return { accepted: false, rejection: broken };
    const now = this.market.now();
    const record: OrderRecord = {
      request: { ...request },
      brokerOrderId: `${this.idPrefix}-o${this.records.length + 1}` as BrokerOrderId,
      status: 'new',
      filledQty: ZERO,
      filledNotional: ZERO,
      submittedAt: now,
      updatedAt: now,
      ...this.armStop(request, quote?.last),
    };
    this.records.push(record);
    this.open.push(record);
    this.byClientId.set(request.clientOrderId, record);
    this.byBrokerId.set(record.brokerOrderId, record);
    const report = this.report('new', record, now);
    return { accepted: true, order: report.order, report };
  }

  /** Cancels an open order now; an unknown or finished order is a rejection. */
  cancel(brokerOrderId: BrokerOrderId): CancelOutcome {
    const record = this.byBrokerId.get(brokerOrderId);
    if (!record) return { accepted: false, rejection: rejectOrderNotFound() };
    if (TERMINAL_STATUSES.has(record.status)) return { accepted: false, rejection: rejectNotCancelable(record.status) };
    return { accepted: true, report: this.close(record, 'canceled', 'canceled', 'canceled by request') };
  }

  /** Moves the market one step and matches; undefined when the market has no more data. */
  advance(): StepOutcome | undefined {
    const step = this.market.advance();
    if (!step) return undefined;
    const reports: ExecutionReport[] = [];
    const day = tradingDay(step.ts);
    for (const record of [...this.open]) {
      if (record.request.timeInForce === 'day' && record.day !== undefined && record.day !== day) {
        reports.push(this.close(record, 'expired', 'expired', `day order expired at the end of ${record.day} (UTC)`));
      }
    }
    const budget = this.liquidity.budget(step);
    for (const record of [...this.open]) {
      const quote = step.quotes.get(record.request.symbol);
      if (!quote) continue;
      record.day ??= day;
      if (!this.triggers(record, quote)) continue;
      const report = this.match(record, quote, budget.take.bind(budget));
      if (report) reports.push(report);
      if (record.request.timeInForce === 'ioc' && !TERMINAL_STATUSES.has(record.status)) {
        reports.push(this.close(record, 'canceled', 'canceled', 'ioc: unfilled remainder canceled'));
      }
    }
    return { step, reports };
  }

  order(brokerOrderId: BrokerOrderId): BrokerOrder | undefined {
    const record = this.byBrokerId.get(brokerOrderId);
    return record && this.snapshot(record);
  }

  orderByClientId(clientOrderId: ClientOrderId): BrokerOrder | undefined {
    const record = this.byClientId.get(clientOrderId);
    return record && this.snapshot(record);
  }

  /** Open orders, oldest first. */
  openOrders(): BrokerOrder[] {
    return this.open.map((r) => this.snapshot(r));
  }

  /** Every order ever accepted, oldest first. */
  allOrders(): BrokerOrder[] {
    return this.records.map((r) => this.snapshot(r));
  }

  positions(): SimPosition[] {
    return this.account.positions();
  }

  /** Cash, equity at the latest marks, and buying power (never below 0). */
  accountView(): AccountView {
    const bp = this.buyingPower();
    return { cash: this.account.cash, equity: this.account.equity(this.markOf), buyingPower: bp > 0n ? bp : ZERO };
  }

  private readonly markOf = (symbol: Symbol): Dec | undefined => this.market.latest(symbol)?.last;

  /**
   * A 1× cash account: cash, less what covering the shorts would cost at the marks, less what the
   * open buys reserve (limit × remainder, or the slipped ask × remainder for market buys).
   */
  private buyingPower(): Dec {
    let reserved = ZERO;
    for (const r of this.open) {
      if (r.request.side !== 'buy') continue;
      const quote = this.market.latest(r.request.symbol);
      const ask = quote ? slip(quote.ask, 'buy', this.slippageBps) : ZERO;
      // An untriggered stop buy fills at or above its stop: it reserves the higher of the two.
      const price = r.request.limitPrice ?? (r.stop !== undefined && r.stop > ask ? r.stop : ask);
      reserved = (reserved + mul((r.request.qty - r.filledQty) as Dec, price)) as Dec;
    }
    return (this.account.cash + this.account.shortMarketValue(this.markOf) - reserved) as Dec;
  }

  /** A new order's stop fields: a trailing stop's mark starts at the last trade. */
  private armStop(request: OrderRequest, last: Dec | undefined): Pick<OrderRecord, 'stop' | 'hwm'> {
    if (!hasStop(request)) return {};
    if (!isTrailing(request)) return { stop: request.stopPrice! };
    const hwm = last ?? ZERO;
    return { hwm, stop: trailingStop(request.side, hwm, request) };
  }

  /**
   * Whether `record` may trade at this step: an order without a stop always; a stop order once a
   * trade (the step's last price) reached its stop — a trailing stop's mark and stop move first.
   */
  private triggers(record: OrderRecord, quote: SimQuote): boolean {
    if (record.stop === undefined || record.triggered) return true;
    const { side } = record.request;
    if (record.hwm !== undefined) {
      record.hwm = nextMark(side, record.hwm, quote.last);
      record.stop = trailingStop(side, record.hwm, record.request);
    }
    if (!stopReached(side, record.stop, quote.last)) return false;
    record.triggered = true;
    return true;
  }

  private match(record: OrderRecord, quote: SimQuote, take: (symbol: Symbol, side: 'buy' | 'sell', want: Dec) => Dec) {
    const { request } = record;
    const price = executionPrice(request, quote, this.slippageBps);
    if (price === undefined) return undefined;
    const qty = take(request.symbol, request.side, (request.qty - record.filledQty) as Dec);
    if (qty <= 0n) return undefined;
    const fee = feeFor(qty, price, this.options.fees);
    this.account.applyExecution(request.symbol, request.side, qty, price, fee);
    record.filledQty = (record.filledQty + qty) as Dec;
    record.filledNotional = (record.filledNotional + mul(qty, price)) as Dec;
    if (record.filledQty > request.qty) throw new Error(`MatchingEngine: ${record.brokerOrderId} overfilled`);
    const done = record.filledQty === request.qty;
    record.status = done ? 'filled' : 'partially_filled';
    record.updatedAt = quote.ts;
    if (done) this.open = this.open.filter((r) => r !== record);
    this.executions += 1;
    const execution = { id: asFillId(`${this.idPrefix}-x${this.executions}`), qty, price, fee, ts: quote.ts };
    return { ...this.report(done ? 'fill' : 'partial_fill', record, quote.ts), execution };
  }

  private close(
    record: OrderRecord,
    status: 'canceled' | 'expired',
    kind: ReportKind,
    reason: string,
  ): ExecutionReport {
    const now = this.market.now();
    record.status = status;
    record.reason = reason;
    record.updatedAt = now;
    this.open = this.open.filter((r) => r !== record);
    return this.report(kind, record, now);
  }

  private report(kind: ReportKind, record: OrderRecord, ts: string): ExecutionReport {
    return { kind, order: this.snapshot(record), ts };
  }

  private snapshot(r: OrderRecord): BrokerOrder {
    return {
      brokerOrderId: r.brokerOrderId,
      clientOrderId: r.request.clientOrderId,
      symbol: r.request.symbol,
      side: r.request.side,
      qty: r.request.qty,
      type: r.request.type,
      ...(r.request.limitPrice !== undefined ? { limitPrice: r.request.limitPrice } : {}),
      timeInForce: r.request.timeInForce,
      status: r.status,
      filledQty: r.filledQty,
      ...(r.filledQty > 0n ? { filledAvgPrice: div(r.filledNotional, r.filledQty) } : {}),
      submittedAt: r.submittedAt,
      updatedAt: r.updatedAt,
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
      ...(r.stop !== undefined ? { stopPrice: r.stop } : {}),
      ...(r.request.trailPrice !== undefined ? { trailPrice: r.request.trailPrice } : {}),
      ...(r.request.trailPercent !== undefined ? { trailPercent: r.request.trailPercent } : {}),
      ...(r.hwm !== undefined ? { hwm: r.hwm } : {}),
    };
  }
}
