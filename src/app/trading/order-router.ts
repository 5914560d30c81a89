/**
 * The order router: submit = validate → risk check against the sleeve → journal the order with its
 * client order id → send to the broker → record the broker's answer (the lifecycle in
 * src/app/trading/order-lifecycle.ts: an unknown outcome is settled by a lookup, never by a blind resend;
 * an order not yet acknowledged is resolved whenever it is touched). Cancel works only on the
 * deployment's own orders; a cancel before the broker knows the order is carried out once it does.
 */
import { randomInt } from 'node:crypto';
import { type Dec, ONE, ZERO, dec, div, floorToIncrement, mul, mulDiv, toPlain } from '../../core/decimal.js';
import type { DeploymentId, Symbol } from '../../core/ids.js';
import { symbolProblem } from '../../core/ids.js';
import { type OrderState, isOpen, isTerminal } from '../../core/orders.js';
import { DEFAULT_LIFECYCLE, type LifecycleOptions, OrderLifecycle } from './order-lifecycle.js';
import { netQuantity } from '../../core/ledger.js';
import { checkOrder, sleeveHoldings } from '../../core/risk.js';
import { sleeveTotals } from '../../core/valuation.js';
import type { SubmitOrderInput } from '../api.js';
import { type BrokerPort, BrokerRejection, type MarketDataPort, quotePrice } from '../ports/broker-port.js';
import { allocationPolicy } from '../../core/allocation.js';
import type { Clock } from '../ports/clock-port.js';
import { makeBlockOrderId, makeClientOrderId } from './client-order-id.js';
import { idempotencyIndex, openOrdersOf } from '../journal/account-state.js';
import { AppError } from '../errors.js';
import type { JournalEvent } from '../journal/journal-codec.js';
import type { LedgerService } from '../journal/ledger-service.js';
import { limitsOf } from '../risk/limits.js';
import { type MarketHours, usEquityHours } from '../marks/market-hours.js';
import { type BookOrder, planPlacement, selfConflict } from '../../core/internal-book.js';
import { type CrossReference, DEFAULT_BOOK, OrderBook, crossReferenceOf } from './order-book.js';

export interface RouterOptions {
  /** Safety margin on the reference price when reserving cash for a market buy. Default 0.02. */
  readonly marketMargin: Dec;
  /** Smallest quantity unit when a notional is turned into a quantity. Default 0.000000001. */
  readonly qtyIncrement: Dec;
}

export const DEFAULT_ROUTER_OPTIONS: RouterOptions = { marketMargin: dec('0.02'), qtyIncrement: dec('0.000000001') };

export interface BlockRequest {
  readonly symbol: Symbol;
  readonly side: 'buy' | 'sell';
  readonly participants: readonly { deployment: DeploymentId; qty: Dec }[];
  readonly type: 'market' | 'limit';
  readonly limitPrice?: Dec;
  readonly timeInForce: 'day' | 'gtc' | 'ioc';
  /** The instrument's quantity increment (allocation unit). */
  readonly increment: Dec;
  readonly rebalanceId?: string;
}

export interface BlockOutcome {
  /** The block's client order id, or null when every participant was refused. */
  readonly blockId: string | null;
  readonly refused: readonly { deployment: DeploymentId; code: string; message: string }[];
}

export class OrderRouter {
  /** The orders' lifecycle: sending, resolving unacknowledged orders, cancels. */
  readonly lifecycle: OrderLifecycle;
  /** The internal book: what the broker sees of the sleeves' orders. */
  readonly book: OrderBook;

  constructor(
    private readonly service: LedgerService,
    private readonly broker: BrokerPort,
    private readonly market: MarketDataPort,
    private readonly clock: Clock,
    private readonly options: RouterOptions = DEFAULT_ROUTER_OPTIONS,
    lifecycle: LifecycleOptions = DEFAULT_LIFECYCLE,
    onError: (error: unknown) => void = (error) => console.error('subledger: internal book:', error),
    hours: MarketHours = usEquityHours,
  ) {
    this.lifecycle = new OrderLifecycle(service, broker, clock, lifecycle);
    this.book = new OrderBook(service, broker, market, clock, this.lifecycle, onError, DEFAULT_BOOK, hours);
  }

  /** Symbols the market data has priced in this process (a limit order in one needs no quote). */
  private readonly knownSymbols = new Set<Symbol>();

  /** The safety margin on market buys' reservations (0.02 = 2 %). */
  get marketMargin(): Dec {
    return this.options.marketMargin;
  }

  async submit(deployment: DeploymentId, input: SubmitOrderInput): Promise<OrderState> {
    const symbolIssue = symbolProblem(input.symbol);
    if (symbolIssue)
      throw new AppError('VALIDATION_FAILED', `symbol: ${symbolIssue}`, {
        fields: [{ field: 'symbol', message: symbolIssue }],
      });
    const info = this.service.deploymentInfo(deployment);
    if (!info) throw new AppError('NOT_FOUND', `no deployment '${deployment}'`);
    const existing = this.byIdempotencyKey(deployment, input);
    if (existing) return this.settled(existing);
    if (input.replaces !== undefined && this.service.state.orders.get(input.replaces)?.deployment !== deployment)
      throw new AppError('VALIDATION_FAILED', `replaces: no order '${input.replaces}' of deployment '${deployment}'`, {
        fields: [{ field: 'replaces', message: 'not an order of this deployment' }],
      });
    const symbol = input.symbol as Symbol;
    // A limit order sized in shares needs no price to be checked or reserved: once its symbol is
    // known to the market data, the quote is read only when the book has another sleeve's order
    // to cross or clear (in the lane, below), saving a broker round trip on most orders.
    if (isPlainLimit(input) && this.knownSymbols.has(symbol))
      return this.book.lane(symbol, () =>
        this.submitInLane(deployment, input, symbol, input.qty!, input.limitPrice!, input.limitPrice!, 'lazy'),
      );
    const quote = (await this.market.latest([symbol])).get(symbol);
    const reference = quotePrice(quote);
    if (!quote || reference === undefined) {
      throw new AppError(
        'UNKNOWN_SYMBOL',
        `UNKNOWN_SYMBOL: no market data for ${symbol}; it cannot be priced or traded here`,
        { symbol },
      );
    }
    const qty = input.qty ?? floorToIncrement(div(input.notional!, reference), this.options.qtyIncrement);
    if (qty <= 0n)
      throw new AppError(
        'VALIDATION_FAILED',
        'notional: too small to buy one quantity increment at the current price',
        { fields: [{ field: 'notional', message: 'too small' }] },
      );
    this.knownSymbols.add(symbol);
    const { price, reservePrice } = orderPrices(input, reference, this.options.marketMargin);
    // The quote just read is the crosses' reference too: one market-data read per order.
    const cross = crossReferenceOf(quote);
    return this.book.lane(symbol, () => this.submitInLane(deployment, input, symbol, qty, price, reservePrice, cross));
  }

  /** The rest of `submit`, in the symbol's lane: risk check, the book's plan, journal, send. */
  private async submitInLane(
    deployment: DeploymentId,
    input: SubmitOrderInput,
    symbol: Symbol,
    qty: Dec,
    price: Dec,
    reservePrice: Dec,
    reference: CrossReference | undefined | 'lazy',
  ): Promise<OrderState> {
    // No other sleeve's order in the book: nothing to cross or clear, so the plan does not depend
    // on the price (the account's position still caps a sell). Otherwise the quote is read now;
    // the book cannot gain an order in this symbol while this lane runs.
    let planPrice: Dec | undefined;
    if (reference !== 'lazy') planPrice = reference?.price as Dec | undefined;
    else if (this.book.entries(symbol).some((o) => o.owner !== deployment))
      planPrice = crossReferenceOf((await this.market.latest([symbol])).get(symbol))?.price as Dec | undefined;
    else planPrice = price;
    const fresh = await this.service.exclusive(async (writer) => {
      const again = this.byIdempotencyKey(deployment, input);
      if (again) return { order: again, fresh: false };
      const state = this.service.state;
      const sleeve = state.ledger.sleeves.get(deployment)!;
      const current = this.service.deploymentInfo(deployment)!;
      const risk = checkOrder({
        deployment,
        active: current.status === 'active',
        limits: limitsOf(current.limits),
        cash: sleeve.cash,
        equity: sleeveTotals(sleeve, state.ledger.marks).equity,
        heldQty: sleeve.positions.get(symbol)?.qty ?? ZERO,
        holdings: sleeveHoldings(sleeve, state.ledger.marks),
        openOrders: openOrdersOf(state, deployment),
        symbol,
        side: input.side,
        qty,
        price,
        reservePrice,
      });
      if (!risk.ok) throw new AppError(risk.code, risk.message, risk.details);
      const now = this.clock.now();
      const id = makeClientOrderId(deployment, now.getTime(), randomInt(2 ** 40));
      const base = {
        type: 'order_submitted' as const,
        deployment,
        symbol,
        side: input.side,
        orderType: input.type,
        limitPrice: input.limitPrice ?? null,
        timeInForce: input.timeInForce,
        reservePrice: input.side === 'buy' ? reservePrice : price,
        ...(input.stopPrice !== undefined ? { stopPrice: input.stopPrice } : {}),
        ...(input.trailPrice !== undefined ? { trailPrice: input.trailPrice } : {}),
        ...(input.trailPercent !== undefined ? { trailPercent: input.trailPercent } : {}),
        ts: now.toISOString(),
      };
      // Alpaca cannot take the account's net position through zero in one order (FACTS §3): the
      // part that closes goes first; the rest is journaled now and sent once that part filled.
      const net = netQuantity(state.ledger, symbol);
      const close = closingQty(net, input.side, qty);
      const entry: BookOrder = {
        id,
        owner: deployment,
        side: input.side,
        type: input.type,
        limitPrice: input.limitPrice ?? null,
        remaining: close ?? qty,
        createdAt: base.ts,
        atBroker: false,
        movable: true,
        ...(input.trailPrice !== undefined || input.trailPercent !== undefined
          ? { trigger: 'trailing' as const }
          : input.stopPrice !== undefined
            ? { trigger: 'stop' as const }
            : {}),
      };
      const book = this.book.entries(symbol);
      const mine = selfConflict(entry, book);
      if (mine) throw washTradeWithItself(mine, symbol);
      const plan =
        planPrice !== undefined ? planPlacement(entry, book, planPrice, { flat: net === 0n, net }) : undefined;
      const direct =
        !plan ||
        (plan.kind === 'place' &&
          plan.crosses.length === 0 &&
          plan.withdraw.length === 0 &&
          plan.sendQty === entry.remaining);
      const events: JournalEvent[] = [
        {
          ...base,
          id,
          qty: close ?? qty,
          idempotencyKey: input.idempotencyKey ?? null,
          ...(input.replaces !== undefined ? { replaces: input.replaces } : {}),
        },
      ];
      if (!direct)
        events.push({
          type: 'order_routed',
          id,
          action: 'hold',
          carrier: null,
          qty: null,
          for: null,
          reason: 'held in the internal book while its way to the broker is cleared',
          ts: base.ts,
        });
      if (close !== undefined) {
        const openId = makeClientOrderId(deployment, now.getTime(), randomInt(2 ** 40));
        events.push({ ...base, id: openId, qty: (qty - close) as Dec, idempotencyKey: null, after: id });
      }
      await writer.append(events);
      return { order: this.service.state.orders.get(id)!, fresh: true, direct };
    });
    if (!fresh.fresh) return this.settled(fresh.order); // an idempotent retry raced this one
    try {
      if (fresh.direct) await this.lifecycle.dispatch(fresh.order.id);
      else await this.book.place(fresh.order.id);
    } catch (error) {
      throw this.withOthersNamed(error, fresh.order);
    }
    return fresh.order;
  }

  /**
   * A broker refusal that other sleeves may have caused (wash trade, quantity available, flip)
   * names them: which deployments hold orders or a position in the symbol (never their orders).
   */
  private withOthersNamed(error: unknown, order: OrderState): unknown {
    if (!(error instanceof AppError) || error.code !== 'BROKER_REJECTED') return error;
    const code = String((error.details as Record<string, unknown> | undefined)?.broker_code ?? '');
    if (!ACCOUNT_RULES.has(code)) return error;
    const state = this.service.state;
    const others = new Set<string>();
    // A wash trade is about open orders only; quantity available and flips about positions too.
    if (code === 'insufficient_qty' || code === 'position_flip')
      for (const [deployment, sleeve] of state.ledger.sleeves)
        if (deployment !== order.deployment && (sleeve.positions.get(order.symbol)?.qty ?? 0n) !== 0n)
          others.add(deployment);
    for (const o of state.orders.values())
      if (o.symbol === order.symbol && o.deployment !== order.deployment && isOpen(o)) others.add(o.deployment);
    if (others.size === 0) return error;
    const names = [...others].sort();
    return new AppError(
      'BROKER_REJECTED',
      `${error.message} (on this shared account, ${names.join(', ')} also ${names.length === 1 ? 'holds' : 'hold'} orders or a position in ${order.symbol})`,
      { ...(error.details as Record<string, unknown>), other_deployments: names },
    );
  }

  /**
   * An order as it truly stands: one the broker has not acknowledged is resolved first (looked up,
   * adopted or sent once); when the broker cannot be reached, BROKER_UNAVAILABLE says so.
   */
  private async settled(order: OrderState): Promise<OrderState> {
    if (this.lifecycle.awaitsBroker(order)) await this.lifecycle.resolve(order.id);
    return order;
  }

  /**
   * Sends the orders that were waiting for `orderId` to fill (the open leg of a split flip), or
   * marks them rejected when it ended without filling. Called after each report and at start-up.
   */
  async releaseWaiting(orderId?: string): Promise<void> {
    const { dependents, orders } = this.service.state;
    for (const [before, waiting] of orderId === undefined
      ? [...dependents]
      : [[orderId, dependents.get(orderId)] as const]) {
      if (waiting === undefined) continue;
      const first = orders.get(before);
      const next = orders.get(waiting);
      if (!first || !next || !isTerminal(first.status) || next.status !== 'pending_new' || next.brokerOrderId !== null)
        continue;
      dependents.delete(before);
      if (first.status === 'filled')
        // It may have been sent before a restart: the book looks it up first, and places it only if
        // the broker does not have it. A refusal is journaled by the lifecycle.
        await this.book.place(next.id, { lookUpFirst: true }).catch(() => undefined);
      else
        await this.record(next, 'rejected', `the close leg ${before} ended ${first.status}; the open leg was not sent`);
    }
  }

  private byIdempotencyKey(deployment: DeploymentId, input: SubmitOrderInput): OrderState | undefined {
    if (!input.idempotencyKey) return undefined;
    const id = this.service.state.idempotency.get(idempotencyIndex(deployment, input.idempotencyKey));
    if (!id) return undefined;
    const order = this.service.state.orders.get(id)!;
    const same =
      order.symbol === input.symbol &&
      order.side === input.side &&
      order.orderType === input.type &&
      (input.qty === undefined || order.qty === input.qty) &&
      (order.limitPrice ?? undefined) === input.limitPrice &&
      order.stopPrice === input.stopPrice &&
      order.trailPrice === input.trailPrice &&
      order.trailPercent === input.trailPercent;
    if (!same) {
      throw new AppError(
        'IDEMPOTENCY_CONFLICT',
        `idempotency key '${input.idempotencyKey}' was already used for order ${order.id}, a different request`,
        {
          order_id: order.id,
        },
      );
    }
    return order;
  }

  private async record(order: OrderState, status: 'rejected', reason: string): Promise<void> {
    await this.service.append([
      {
        type: 'order_updated',
        id: order.id,
        status,
        filledQty: order.filledQty,
        filledAvgPrice: order.filledAvgPrice,
        brokerOrderId: order.brokerOrderId,
        reason,
        ts: this.clock.now().toISOString(),
      },
    ]);
  }

  /**
   * Sends one block order for several deployments (a rebalance's net order). Every participant's
   * share passes its own risk check first; refused participants are dropped and returned with the
   * reason. The block is journaled with its allocation plan before it is sent.
   */
  async submitBlock(request: BlockRequest): Promise<BlockOutcome> {
    const { symbol, side } = request;
    const quote = (await this.market.latest([symbol])).get(symbol);
    const reference = quotePrice(quote);
    if (reference === undefined)
      throw new AppError('UNKNOWN_SYMBOL', `UNKNOWN_SYMBOL: no market data for ${symbol}`, { symbol });
    const price = request.limitPrice ?? reference;
    const reservePrice =
      side === 'buy' ? (request.limitPrice ?? mul(reference, (ONE + this.options.marketMargin) as Dec)) : price;
    return this.book.lane(symbol, () => this.submitBlockInLane(request, price, reservePrice));
  }

  private async submitBlockInLane(request: BlockRequest, price: Dec, reservePrice: Dec): Promise<BlockOutcome> {
    const { symbol, side } = request;
    const refused: { deployment: DeploymentId; code: string; message: string }[] = [];
    const block = await this.service.exclusive(async (writer) => {
      const state = this.service.state;
      const accepted = request.participants.filter((p) => {
        const sleeve = state.ledger.sleeves.get(p.deployment);
        const info = this.service.deploymentInfo(p.deployment);
        if (!sleeve || !info) {
          refused.push({ deployment: p.deployment, code: 'NOT_FOUND', message: `no deployment '${p.deployment}'` });
          return false;
        }
        const risk = checkOrder({
          deployment: p.deployment,
          active: info.status === 'active',
          limits: limitsOf(info.limits),
          cash: sleeve.cash,
          equity: sleeveTotals(sleeve, state.ledger.marks).equity,
          heldQty: sleeve.positions.get(symbol)?.qty ?? ZERO,
          holdings: sleeveHoldings(sleeve, state.ledger.marks),
          openOrders: openOrdersOf(state, p.deployment),
          symbol,
          side,
          qty: p.qty,
          price,
          reservePrice,
        });
        if (!risk.ok) refused.push({ deployment: p.deployment, code: risk.code, message: risk.message });
        return risk.ok;
      });
      if (accepted.length === 0) return undefined;
      const qty = accepted.reduce((sum, p) => sum + p.qty, 0n) as Dec;
      const now = this.clock.now();
      const id = makeBlockOrderId(now.getTime(), randomInt(2 ** 40));
      await writer.append([
        {
          type: 'block_submitted',
          id,
          symbol,
          side,
          qty,
          orderType: request.type,
          limitPrice: request.limitPrice ?? null,
          timeInForce: request.timeInForce,
          policy: allocationPolicy(request.increment),
          participants: accepted.map((p) => ({ deployment: p.deployment, requested: p.qty, reservePrice })),
          rebalanceId: request.rebalanceId ?? null,
          ts: now.toISOString(),
        },
      ]);
      return { id, qty };
    });
    if (!block) return { blockId: null, refused };
    await this.book.clearWayFor(block.id);
    // A refusal or an unreachable broker is journaled (or left to resolve) by the lifecycle; the
    // rebalance reads the outcome from the block's children.
    await this.lifecycle.dispatch(block.id).catch(() => undefined);
    return { blockId: block.id, refused };
  }

  /** Cancels what is left of a block order. */
  async cancelBlock(blockId: string): Promise<void> {
    const block = this.service.state.blocks.get(blockId);
    const child = block ? this.service.state.orders.get(block.children[0]!) : undefined;
    if (!block || !child || isTerminal(child.status) || child.brokerOrderId === null) return;
    await this.broker.cancel(child.brokerOrderId as never).catch((error: unknown) => {
      if (!(error instanceof BrokerRejection)) throw error;
    });
  }

  /**
   * Cancels one of `deployment`'s own open orders. Not in the symbol's lane: a cancel must not wait
   * for a slow broker answer to another order; the lifecycle decides in the writer's section
   * whether the broker holds it (pending_cancel, carried out there) or not (canceled here).
   */
  async cancel(deployment: DeploymentId, orderId: string): Promise<OrderState> {
    const order = this.service.state.orders.get(orderId);
    if (!order || order.deployment !== deployment)
      throw new AppError('NOT_FOUND', `deployment '${deployment}' has no order '${orderId}'`);
    await this.lifecycle.requestCancel(order);
    return order;
  }
}

/** The broker's account-wide rules (the codes of src/sim/rejections.ts) another sleeve can trip. */
const ACCOUNT_RULES: ReadonlySet<string> = new Set([
  'wash_trade',
  'insufficient_qty',
  'position_flip',
  'opposite_order_open',
]);

/** WASH_TRADE: a sleeve's order that could trade against its own open order (Alpaca refuses it too). */
function washTradeWithItself(mine: BookOrder, symbol: Symbol): AppError {
  const what =
    mine.trigger === 'stop' ? 'stop' : mine.type === 'market' ? 'market' : `limit ${toPlain(mine.limitPrice!)}`;
  return new AppError(
    'WASH_TRADE',
    `WASH_TRADE: this order could trade against your own open ${mine.side} order ${mine.id} (${what}) in ${symbol}; cancel it first, or send one order for the net`,
    { order_id: mine.id },
  );
}

/**
 * What an order is valued and reserved at (DESIGN.md §5 "Reservations"): a limit (and a stop_limit)
 * at its limit; a market order at the reference, reserving reference × (1 + margin) for a buy; a
 * stop buy fills at or above its stop, so at the higher of stop and reference (× (1 + margin) for
 * the reservation); a trailing buy stop at most the reference plus its trail, the same way.
 */
export function orderPrices(
  input: Pick<SubmitOrderInput, 'limitPrice' | 'stopPrice' | 'trailPrice' | 'trailPercent'>,
  reference: Dec,
  margin: Dec,
): { price: Dec; reservePrice: Dec } {
  if (input.limitPrice !== undefined) return { price: input.limitPrice, reservePrice: input.limitPrice };
  let price = reference;
  if (input.stopPrice !== undefined && input.stopPrice > price) price = input.stopPrice;
  if (input.trailPrice !== undefined) price = (reference + input.trailPrice) as Dec;
  if (input.trailPercent !== undefined) price = (reference + mulDiv(reference, input.trailPercent, HUNDRED)) as Dec;
  return { price, reservePrice: mul(price, (ONE + margin) as Dec) };
}

const HUNDRED = dec('100');

/** When `qty` on `side` would take the account's `net` position through zero: the part that closes it. */
export function closingQty(net: Dec, side: 'buy' | 'sell', qty: Dec): Dec | undefined {
  if (side === 'sell' && net > 0n && qty > net) return net;
  if (side === 'buy' && net < 0n && qty > -net) return -net as Dec;
  return undefined;
}

/** A limit order sized in shares, with no stop or trail: priced by its own limit. */
function isPlainLimit(input: SubmitOrderInput): boolean {
  return (
    input.type === 'limit' &&
    input.qty !== undefined &&
    input.limitPrice !== undefined &&
    input.stopPrice === undefined &&
    input.trailPrice === undefined &&
    input.trailPercent === undefined
  );
}
