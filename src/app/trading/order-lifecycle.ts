/**
 * The order lifecycle, whose authority is the broker (DESIGN.md §8 "Orders"): an order is
 * journaled first (`pending_new`, holding its reservation), then sent, then it takes whatever the
 * broker says of it. An order the broker has not acknowledged yet is *resolved* — at start-up, on
 * a period, and whenever it is touched (an idempotent retry, a cancel, a list): looked up by its
 * client order id; if the broker has it, its state is adopted; if not, it is sent (its unique
 * client order id makes that safe), unless it is older than the resend window, in which case it is
 * recorded `expired` (a stale market order is worse than none).
 *
 * Entry points: `OrderLifecycle` — `dispatch` (send a fresh order), `resolve` (one order),
 * `sweep` (every unacknowledged order, and every open order the broker no longer has open),
 * `requestCancel`.
 * Invariants: one resolution per order at a time in this process (concurrent touches share it), so
 * an order is never sent twice; only the broker's word makes an order canceled or rejected (its
 * refusal, its report, its lookup) — the one local verdict is `expired` for an order the broker
 * confirmed it never had; a cancel of an order not yet at the broker is journaled
 * `pending_cancel` and carried out as soon as the broker id is known; reservations follow the
 * status, so they last exactly as long as the broker may still fill.
 */
import { ZERO } from '../../core/decimal.js';
import { awaitsTrigger, isOpen, isTerminal, type OrderState } from '../../core/orders.js';
import type { BrokerOrderId, ClientOrderId } from '../../core/ids.js';
import {
  type BrokerOrder,
  type BrokerPort,
  BrokerRejection,
  type OrderRequest,
  type StopFields,
} from '../ports/broker-port.js';
import type { Clock } from '../ports/clock-port.js';
import { AppError } from '../errors.js';
import { orderUpdatedFrom } from '../journal/journal-codec.js';
import type { LedgerService } from '../journal/ledger-service.js';
import { carrierFilled, carrierOf, routeOf } from './order-routes.js';
import { blockOfOrder } from '../journal/account-state.js';

export interface LifecycleOptions {
  /** An order the broker never received is sent only within this age (ms); older, it expires. Default 10 minutes. */
  readonly resendWindowMs: number;
}

export const DEFAULT_LIFECYCLE: LifecycleOptions = { resendWindowMs: 10 * 60_000 };

/** What a sweep did, for logs and tests. */
export interface SweepResult {
  readonly adopted: number;
  readonly sent: number;
  readonly expired: number;
  readonly canceled: number;
  readonly failed: number;
}

/** How a resolution ended: taken from the broker, sent now, expired unsent, or nothing to do. */
export type Outcome = 'adopted' | 'sent' | 'expired' | 'none';

/** What is sent to the broker under one client order id: a deployment's order, or a block order. */
export interface Sendable {
  /** The order's (or block's) id in the journal. */
  readonly id: string;
  /** The id the broker knows it by: the order's own id, or its current carrier (order-routes.ts). */
  readonly clientOrderId: string;
  readonly request: OrderRequest;
  readonly createdAt: string;
  /** The order whose status tells whether it is open and acknowledged (a block: its first child). */
  readonly order: OrderState;
  readonly block: boolean;
}

export class OrderLifecycle {
  private readonly inFlight = new Map<string, Promise<Outcome>>();

  constructor(
    private readonly service: LedgerService,
    private readonly broker: BrokerPort,
    private readonly clock: Clock,
    private readonly options: LifecycleOptions = DEFAULT_LIFECYCLE,
  ) {}

  /**
   * Sends a freshly journaled order or block order by its id (no lookup first: nobody has sent it
   * yet). Throws BROKER_REJECTED / BROKER_UNAVAILABLE.
   */
  async dispatch(id: string): Promise<void> {
    await this.once(id, async () => {
      const target = this.sendable(id);
      return target ? this.send(target) : 'none';
    });
  }

  /**
   * Brings an unacknowledged order or block order to the broker's state (adopt, send, or expire);
   * a no-op once the broker acknowledged it. Concurrent calls for one id share one run.
   */
  resolve(id: string): Promise<Outcome> {
    return this.once(id, async () => {
      const target = this.sendable(id);
      return target && this.unacknowledged(target.order) ? this.lookUpThenSend(target) : 'none';
    });
  }

  /** Whether `order` has a broker order (its carrier) that the broker has not acknowledged yet. */
  unacknowledged(order: OrderState): boolean {
    return isOpen(order) && order.brokerOrderId === null && carrierOf(this.service.state, order) !== null;
  }

  /**
   * Whether `order` is a deployment's own order waiting for the broker's word, to be resolved by
   * its own id: not yet acknowledged, not an open leg still waiting for its close leg, not a
   * participant's share of a block (the block is resolved as one).
   */
  awaitsBroker(order: OrderState): boolean {
    return this.unacknowledged(order) && order.after === null && !this.blockOf(order);
  }

  /** Every order and block order not yet acknowledged by the broker (open legs still waiting for their close leg excepted). */
  pendingIds(): string[] {
    const { orders, blocks } = this.service.state;
    const ids: string[] = [];
    for (const order of orders.values()) if (this.awaitsBroker(order)) ids.push(order.id);
    for (const block of blocks.values()) {
      const first = orders.get(block.children[0]!);
      if (first && this.unacknowledged(first)) ids.push(block.id);
    }
    return ids;
  }

  private blockOf(order: OrderState): string | undefined {
    return blockOfOrder(this.service.state, order.id);
  }

  /**
   * The order or block order journaled under `id`, as it is sent (an order under its current
   * carrier, for what was left when it was carried); undefined when unknown or not carried.
   */
  sendable(id: string): Sendable | undefined {
    const state = this.service.state;
    const block = state.blocks.get(id);
    const order = block ? state.orders.get(block.children[0]!) : state.orders.get(id);
    if (!order) return undefined;
    const route = routeOf(state, order);
    if (!block && route.carrier === null) return undefined;
    const clientOrderId = block ? id : route.carrier!;
    const request: OrderRequest = {
      clientOrderId: clientOrderId as ClientOrderId,
      symbol: order.symbol,
      side: order.side,
      qty: block ? block.qty : (route.carrierQty ?? ((order.qty - route.priorFilled) as typeof order.qty)),
      type: order.orderType,
      ...(order.limitPrice !== null ? { limitPrice: order.limitPrice } : {}),
      timeInForce: order.timeInForce,
      // A stop the book triggered goes as its plain type; otherwise the broker watches the stop.
      ...(awaitsTrigger(order) ? stopFieldsOf(order) : {}),
    };
    const createdAt = route.carriedAt ?? order.createdAt;
    return { id, clientOrderId, request, createdAt, order, block: block !== undefined };
  }

  /**
   * Resolves every unacknowledged order and every order open here that the broker no longer has
   * open (a cancel or expiry missed while down), and carries out cancels journaled before their
   * broker id was known. Never throws: failures are counted and retried on the next sweep.
   */
  async sweep(): Promise<SweepResult> {
    const result = { adopted: 0, sent: 0, expired: 0, canceled: 0, failed: 0 };
    for (const id of this.pendingIds()) {
      try {
        const outcome = await this.resolve(id);
        if (outcome !== 'none') result[outcome]++;
      } catch {
        result.failed++;
      }
    }
    const state = this.service.state;
    const acknowledged = [...state.orders.values()].filter(
      (o) => isOpen(o) && o.brokerOrderId !== null && !this.blockOf(o) && carrierOf(state, o) !== null,
    );
    if (acknowledged.length === 0) return result;
    let atBroker: Set<string>;
    try {
      atBroker = new Set((await this.broker.openOrders()).map((o) => o.clientOrderId as string));
    } catch {
      return { ...result, failed: result.failed + 1 };
    }
    for (const order of acknowledged) {
      try {
        const target = this.sendable(order.id);
        if (!target) continue; // withdrawn since the list was taken
        if (!atBroker.has(target.clientOrderId)) {
          const found = await this.broker.orderByClientId(target.clientOrderId as ClientOrderId);
          if (found) await this.adopt(target, found);
          // The broker acknowledged it once and has no record of it now (a paper market that
          // restarted): by its word the order is not working any more.
          else await this.record(target, 'canceled', 'the broker has no record of this order any more');
          result.adopted++;
        } else if (order.cancelRequested) {
          await this.cancelAtBroker(order.brokerOrderId!);
          result.canceled++;
        }
      } catch {
        result.failed++;
      }
    }
    return result;
  }

  /**
   * Journals a cancel request (`pending_cancel`, the reservation kept) and carries it out at the
   * broker now if the broker id is known, else as soon as the submit in flight learns it.
   * Throws ORDER_NOT_CANCELABLE for a finished order or when the broker refuses.
   */
  async requestCancel(order: OrderState): Promise<void> {
    const brokerId = await this.service.exclusive(async (writer) => {
      if (isTerminal(order.status))
        throw new AppError('ORDER_NOT_CANCELABLE', `order ${order.id} is already ${order.status}`, {
          status: order.status,
        });
      const carrier = carrierOf(this.service.state, order);
      if (carrier === null) {
        // The broker holds nothing for it (held or withdrawn in the internal book): it ends here.
        await writer.append([
          {
            type: 'order_routed',
            id: order.id,
            action: 'cancel',
            carrier: null,
            qty: null,
            for: null,
            reason: 'canceled by its sleeve while it was not at the broker',
            ts: this.clock.now().toISOString(),
          },
        ]);
        return 'done' as const;
      }
      await writer.append([
        {
          type: 'order_updated',
          id: order.id,
          status: 'pending_cancel',
          filledQty: carrierFilled(this.service.state, order),
          filledAvgPrice: order.filledAvgPrice,
          brokerOrderId: order.brokerOrderId,
          reason: null,
          ...(carrier !== order.id ? { carrier } : {}),
          ts: this.clock.now().toISOString(),
        },
      ]);
      return order.brokerOrderId;
    });
    if (brokerId === 'done') return;
    if (brokerId === null) {
      // Not at the broker yet: whoever learns the broker id (the submit in flight, or a resolution
      // now) cancels it there. A touch also resolves it, so an order the broker never got is sent
      // and canceled rather than left pending.
      if (!this.inFlight.has(order.id)) void this.resolve(order.id).catch(() => undefined);
      return;
    }
    try {
      await this.broker.cancel(brokerId as BrokerOrderId);
    } catch (error) {
      if (error instanceof BrokerRejection)
        throw new AppError(
          'ORDER_NOT_CANCELABLE',
          `the broker refused to cancel order ${order.id}: ${error.brokerMessage}`,
          { broker_message: error.brokerMessage },
        );
      throw unavailable(error, order.id, 'the cancel is journaled and will be sent again');
    }
  }

  private once(orderId: string, run: () => Promise<Outcome>): Promise<Outcome> {
    const running = this.inFlight.get(orderId);
    if (running) return running;
    const promise = run().finally(() => this.inFlight.delete(orderId));
    this.inFlight.set(orderId, promise);
    return promise;
  }

  private async lookUpThenSend(target: Sendable): Promise<Outcome> {
    let found: BrokerOrder | undefined;
    try {
      found = await this.broker.orderByClientId(target.clientOrderId as ClientOrderId);
    } catch (error) {
      throw unavailable(error, target.id, 'it stays pending until the broker answers');
    }
    if (found) {
      await this.adopt(target, found);
      return 'adopted';
    }
    const age = this.clock.now().getTime() - Date.parse(target.createdAt);
    if (age > this.options.resendWindowMs) {
      const minutes = Math.round(age / 60_000);
      await this.record(target, 'expired', `never reached the broker; not sent ${minutes} min late`);
      return 'expired';
    }
    return this.send(target);
  }

  /** Submits `target`; an unknown outcome is settled by a lookup, never by a blind resend. */
  private async send(target: Sendable): Promise<Outcome> {
    let answer: BrokerOrder | undefined;
    try {
      answer = await this.broker.submit(target.request);
    } catch (error) {
      // "client_order_id must be unique": the broker already has it (sent by an earlier run whose
      // answer was lost): adopt it, never record it as refused.
      const known =
        error instanceof BrokerRejection && error.code === 'duplicate_client_order_id'
          ? await this.broker.orderByClientId(target.clientOrderId as ClientOrderId).catch(() => undefined)
          : undefined;
      if (known) {
        await this.adopt(target, known);
        return 'adopted';
      }
      if (error instanceof BrokerRejection) {
        await this.record(target, 'rejected', error.brokerMessage);
        throw new AppError('BROKER_REJECTED', `BROKER_REJECTED: the broker refused the order: ${error.brokerMessage}`, {
          broker_code: error.code,
          broker_message: error.brokerMessage,
          order_id: target.id,
        });
      }
      try {
        answer = await this.broker.orderByClientId(target.clientOrderId as ClientOrderId);
      } catch {
        throw unavailable(error, target.id, 'it stays pending until the broker confirms it');
      }
      if (!answer) throw unavailable(error, target.id, 'the broker does not have it yet; it will be sent again');
    }
    await this.adopt(target, answer);
    return 'sent';
  }

  /** Journals the broker's verdict on an order it does not hold: its refusal, `expired` (never sent), `canceled` (forgotten). */
  private async record(target: Sendable, status: 'rejected' | 'expired' | 'canceled', reason: string): Promise<void> {
    await this.service.append([
      {
        type: 'order_updated',
        id: target.id,
        status,
        filledQty: target.block ? ZERO : carrierFilled(this.service.state, target.order),
        filledAvgPrice: target.block ? null : target.order.filledAvgPrice,
        brokerOrderId: target.order.brokerOrderId,
        reason,
        ...(target.clientOrderId !== target.id ? { carrier: target.clientOrderId } : {}),
        ts: this.clock.now().toISOString(),
      },
    ]);
  }

  /** Journals the broker's view of `target`; then carries out a cancel that was waiting for the broker id. */
  async adopt(target: Sendable, answer: BrokerOrder): Promise<void> {
    const { order } = target;
    const cancelNow = await this.service.exclusive(async (writer) => {
      await writer.append([orderUpdatedFrom(target.id, answer, answer.updatedAt, target.clientOrderId)]);
      return order.cancelRequested && isOpen(order) && order.brokerOrderId !== null;
    });
    if (cancelNow) await this.cancelAtBroker(order.brokerOrderId!);
  }

  private async cancelAtBroker(brokerId: string): Promise<void> {
    await this.broker.cancel(brokerId as BrokerOrderId).catch((error: unknown) => {
      if (!(error instanceof BrokerRejection)) throw error; // refused: it already ended; its report says how
    });
  }
}

/** BROKER_UNAVAILABLE (503, retryable) for order `id`, keeping the cause. */
export function unavailable(error: unknown, id: string, outcome: string): AppError {
  return new AppError(
    'BROKER_UNAVAILABLE',
    `BROKER_UNAVAILABLE: could not reach the broker (${(error as Error).message}); order ${id}: ${outcome}`,
    { order_id: id, retryable: true },
  );
}

/** An order's stop fields as the broker port takes them. */
function stopFieldsOf(order: OrderState): StopFields {
  return {
    ...(order.stopPrice !== undefined ? { stopPrice: order.stopPrice } : {}),
    ...(order.trailPrice !== undefined ? { trailPrice: order.trailPrice } : {}),
    ...(order.trailPercent !== undefined ? { trailPercent: order.trailPercent } : {}),
  };
}
