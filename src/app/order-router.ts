/**
 * The order router: submit = validate → risk check against the sleeve → journal the order with its
 * client order id → send to the broker → record the broker's answer. Cancel works only on the
 * deployment's own orders. A POST whose outcome is unknown (timeout, network) is resolved by
 * looking the order up by client order id — never by sending it again.
 */
import { randomInt } from 'node:crypto';
import { type Dec, ONE, ZERO, dec, div, floorToIncrement, mul } from '../core/decimal.js';
import type { ClientOrderId, DeploymentId, Symbol } from '../core/ids.js';
import { symbolProblem } from '../core/ids.js';
import { type OrderState, isOpen, isTerminal } from '../core/orders.js';
import { netQuantity } from '../core/ledger.js';
import { checkOrder } from '../core/risk.js';
import { sleeveTotals } from '../core/valuation.js';
import type { SubmitOrderInput } from './api.js';
import {
  type BrokerOrder,
  type BrokerPort,
  BrokerRejection,
  type MarketDataPort,
  type OrderRequest,
  quotePrice,
} from './broker-port.js';
import { allocationPolicy } from '../core/allocation.js';
import type { Clock } from './clock-port.js';
import { makeBlockOrderId, makeClientOrderId } from './client-order-id.js';
import { idempotencyIndex } from './account-state.js';
import { AppError } from './errors.js';
import { type JournalEvent, orderUpdatedFrom } from './journal-codec.js';
import type { LedgerService } from './ledger-service.js';
import { limitsOf } from './limits.js';

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
  constructor(
    private readonly service: LedgerService,
    private readonly broker: BrokerPort,
    private readonly market: MarketDataPort,
    private readonly clock: Clock,
    private readonly options: RouterOptions = DEFAULT_ROUTER_OPTIONS,
  ) {}

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
    if (existing) return existing;
    const symbol = input.symbol as Symbol;
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
    const price = input.limitPrice ?? reference;
    const reservePrice = input.limitPrice ?? mul(reference, (ONE + this.options.marketMargin) as Dec);

    const order = await this.service.exclusive(async (writer) => {
      const again = this.byIdempotencyKey(deployment, input);
      if (again) return again;
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
        openOrders: (state.ordersByDeployment.get(deployment) ?? []).filter(isOpen),
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
        ts: now.toISOString(),
      };
      // Alpaca cannot take the account's net position through zero in one order (FACTS §3): the
      // part that closes goes first; the rest is journaled now and sent once that part filled.
      const close = closingQty(netQuantity(state.ledger, symbol), input.side, qty);
      const events: JournalEvent[] = [{ ...base, id, qty: close ?? qty, idempotencyKey: input.idempotencyKey ?? null }];
      if (close !== undefined) {
        const openId = makeClientOrderId(deployment, now.getTime(), randomInt(2 ** 40));
        events.push({ ...base, id: openId, qty: (qty - close) as Dec, idempotencyKey: null, after: id });
      }
      await writer.append(events);
      return this.service.state.orders.get(id)!;
    });
    if (order.status !== 'pending_new') return order; // an idempotent retry of an order already sent
    await this.send(order);
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
        await this.send(next).catch(() => undefined); // a refusal is journaled by send
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
      (order.limitPrice ?? undefined) === input.limitPrice;
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

  private async send(order: OrderState): Promise<void> {
    const request = {
      clientOrderId: order.id as ClientOrderId,
      symbol: order.symbol,
      side: order.side,
      qty: order.qty,
      type: order.orderType,
      ...(order.limitPrice !== null ? { limitPrice: order.limitPrice } : {}),
      timeInForce: order.timeInForce,
    };
    let answer: BrokerOrder | undefined;
    try {
      answer = await this.broker.submit(request);
    } catch (error) {
      if (error instanceof BrokerRejection) {
        await this.record(order, 'rejected', error.brokerMessage);
        throw new AppError('BROKER_REJECTED', `BROKER_REJECTED: the broker refused the order: ${error.brokerMessage}`, {
          broker_code: error.code,
          broker_message: error.brokerMessage,
          order_id: order.id,
        });
      }
      // Unknown outcome: ask the broker whether the order exists before anything else.
      try {
        answer = await this.broker.orderByClientId(order.id as ClientOrderId);
      } catch {
        throw new AppError(
          'BROKER_UNAVAILABLE',
          `BROKER_UNAVAILABLE: could not reach the broker (${(error as Error).message}); order ${order.id} is pending until the broker confirms it`,
          {
            order_id: order.id,
          },
        );
      }
      if (!answer) {
        await this.record(order, 'rejected', `not accepted by the broker: ${(error as Error).message}`);
        throw new AppError(
          'BROKER_UNAVAILABLE',
          `BROKER_UNAVAILABLE: the broker did not take order ${order.id} (${(error as Error).message}); nothing was sent, retry later`,
          {
            order_id: order.id,
          },
        );
      }
    }
    await this.service.append([orderUpdatedFrom(order.id, answer, answer.updatedAt)]);
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
          openOrders: (state.ordersByDeployment.get(p.deployment) ?? []).filter(isOpen),
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
    await this.sendBlock(block.id, {
      symbol,
      side,
      qty: block.qty,
      type: request.type,
      timeInForce: request.timeInForce,
      ...(request.limitPrice ? { limitPrice: request.limitPrice } : {}),
    });
    return { blockId: block.id, refused };
  }

  private async sendBlock(id: string, order: Omit<OrderRequest, 'clientOrderId'>): Promise<void> {
    const now = () => this.clock.now().toISOString();
    let answer: BrokerOrder | undefined;
    try {
      answer = await this.broker.submit({ ...order, clientOrderId: id as ClientOrderId });
    } catch (error) {
      if (!(error instanceof BrokerRejection))
        answer = await this.broker.orderByClientId(id as ClientOrderId).catch(() => undefined);
      if (!answer) {
        const reason =
          error instanceof BrokerRejection
            ? error.brokerMessage
            : `not accepted by the broker: ${(error as Error).message}`;
        await this.service.append([
          {
            type: 'order_updated',
            id,
            status: 'rejected',
            filledQty: ZERO,
            filledAvgPrice: null,
            brokerOrderId: null,
            reason,
            ts: now(),
          },
        ]);
        return;
      }
    }
    await this.service.append([orderUpdatedFrom(id, answer, answer.updatedAt)]);
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

  /** Cancels one of `deployment`'s own open orders. */
  async cancel(deployment: DeploymentId, orderId: string): Promise<OrderState> {
    const order = this.service.state.orders.get(orderId);
    if (!order || order.deployment !== deployment)
      throw new AppError('NOT_FOUND', `deployment '${deployment}' has no order '${orderId}'`);
    if (isTerminal(order.status)) {
      throw new AppError('ORDER_NOT_CANCELABLE', `order ${orderId} is already ${order.status}`, {
        status: order.status,
      });
    }
    if (order.brokerOrderId === null) {
      await this.record(order, 'rejected', 'canceled before the broker confirmed it');
      return order;
    }
    try {
      await this.broker.cancel(order.brokerOrderId as never);
    } catch (error) {
      if (error instanceof BrokerRejection) {
        throw new AppError(
          'ORDER_NOT_CANCELABLE',
          `the broker refused to cancel order ${orderId}: ${error.brokerMessage}`,
          { broker_message: error.brokerMessage },
        );
      }
      throw error;
    }
    return order;
  }
}

/** When `qty` on `side` would take the account's `net` position through zero: the part that closes it. */
export function closingQty(net: Dec, side: 'buy' | 'sell', qty: Dec): Dec | undefined {
  if (side === 'sell' && net > 0n && qty > net) return net;
  if (side === 'buy' && net < 0n && qty > -net) return -net as Dec;
  return undefined;
}
