/**
 * A deployment's orders as the API shows them, over the order router (src/app/trading/order-router.ts)
 * and its lifecycle: submit, cancel, resolve the ones the broker has not acknowledged, list; and
 * `orderView`, an order as the API shows it (with what crossed inside Subledger and whether the
 * broker holds it now).
 */
import { type Dec, ZERO, toPlain } from '../../core/decimal.js';
import type { DeploymentId } from '../../core/ids.js';
import { type OrderState, isOpen, reservedCash } from '../../core/orders.js';
import type { OrderView, SubmitOrderInput } from '../api.js';
import type { LedgerService } from '../journal/ledger-service.js';
import { requireDeployment } from '../sleeves/deployments.js';
import type { SweepResult } from './order-lifecycle.js';
import type { OrderRouter } from './order-router.js';
import { carrierOf, routeOf } from './order-routes.js';

export class DeploymentOrders {
  constructor(
    private readonly service: LedgerService,
    private readonly router: OrderRouter,
  ) {}

  /** Risk check, journal, send. Throws the risk codes, NOT_FOUND, VALIDATION_FAILED. */
  async submit(id: DeploymentId, input: SubmitOrderInput): Promise<OrderView> {
    requireDeployment(this.service, id);
    return this.view(await this.router.submit(id, input));
  }

  async cancel(id: DeploymentId, orderId: string): Promise<OrderView> {
    requireDeployment(this.service, id);
    return this.view(await this.router.cancel(id, orderId));
  }

  /** Resolves the deployment's orders the broker has not acknowledged, waiting at most `waitMs`. */
  async resolve(id: DeploymentId, waitMs = 2000): Promise<void> {
    requireDeployment(this.service, id);
    const lifecycle = this.router.lifecycle;
    const pending = (this.service.state.ordersByDeployment.get(id) ?? []).filter((o) => lifecycle.awaitsBroker(o));
    if (pending.length === 0) return;
    const settled = Promise.allSettled(pending.map((o) => lifecycle.resolve(o.id)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  /** Resolves every order the broker has not acknowledged, or no longer has open (start-up, and on a period). */
  async resolveAll(): Promise<SweepResult> {
    const result = await this.router.lifecycle.sweep();
    await this.router.book.resume(); // withdrawals a stop cut off, and held orders that can go now
    return result;
  }

  /** The newest `limit` orders with that status, newest first. */
  list(id: DeploymentId, query: { status: 'open' | 'closed' | 'all'; limit: number }): OrderView[] {
    requireDeployment(this.service, id);
    const all = this.service.state.ordersByDeployment.get(id) ?? [];
    const chosen = all.filter((o) => query.status === 'all' || (query.status === 'open') === isOpen(o));
    return chosen
      .slice(-query.limit)
      .reverse()
      .map((o) => this.view(o));
  }

  private view(order: OrderState): OrderView {
    const state = this.service.state;
    return orderView(order, routeOf(state, order).crossed, isOpen(order) && carrierOf(state, order) !== null);
  }
}

export function orderView(o: OrderState, crossed: Dec = ZERO, atBroker = false): OrderView {
  return {
    id: o.id,
    deployment_id: o.deployment,
    broker_order_id: o.brokerOrderId,
    symbol: o.symbol,
    side: o.side,
    qty: toPlain(o.qty),
    type: o.orderType,
    limit_price: o.limitPrice === null ? null : toPlain(o.limitPrice),
    time_in_force: o.timeInForce,
    status: o.status,
    filled_qty: toPlain(o.filledQty),
    filled_avg_price: o.filledAvgPrice === null ? null : toPlain(o.filledAvgPrice),
    reserved_cash: toPlain(reservedCash(o)),
    reserved_qty: toPlain(o.side === 'sell' && isOpen(o) ? ((o.qty - o.filledQty) as Dec) : ZERO),
    crossed_qty: toPlain(crossed),
    at_broker: atBroker,
    reason: o.reason,
    idempotency_key: o.idempotencyKey,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
  };
}
