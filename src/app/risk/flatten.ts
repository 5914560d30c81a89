/**
 * The kill switch of one sleeve: `Flattener.flatten(id, { by, reason })` stops the deployment,
 * cancels its working orders, then closes exactly its positions with market orders of that sleeve
 * through the normal router — the internal book crosses them with other sleeves' orders where its
 * rules allow, the rest goes to the broker. No other sleeve's orders or positions are touched.
 *
 * Each step is journaled (`deployment_flattened`, with who asked and why): `requested`,
 * `orders_sent` (the closing orders), and `done` once nothing is left to close (`settle`, run on
 * every commit by the composition root or the loss watcher).
 *
 * Idempotent: a flatten asked while one runs for the same deployment returns that one; a later
 * flatten leaves the earlier one's closing orders working and closes only what they do not
 * (each closing order carries the idempotency key `flatten:<flatten id>:<symbol>`).
 */
import { AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { type Dec, ZERO, abs, toPlain } from '../../core/decimal.js';
import type { DeploymentId, Symbol } from '../../core/ids.js';
import { type OrderState, isOpen } from '../../core/orders.js';
import { controlsOf, openOrdersOf } from '../journal/account-state.js';
import type { OrderView } from '../api.js';
import { AppError } from '../errors.js';
import type { DeploymentFlattened } from '../journal/journal-codec.js';
import type { Clock } from '../ports/clock-port.js';
import type { Subledger } from '../subledger.js';
import { orderView } from '../trading/deployment-orders.js';

export interface FlattenRequest {
  /** Who asked: `admin`, `deployment:<id>`, `limit:<name>`, `cli`. */
  readonly by: string;
  readonly reason: string;
}

export interface FlattenView {
  id: string;
  deployment_id: string;
  /** `closing` while positions are left; `done` once every position is zero. */
  status: 'closing' | 'done';
  by: string;
  reason: string;
  requested_at: string;
  /** The closing orders sent by this flatten. */
  orders: OrderView[];
  /** What could not be sent (one line per symbol), if anything. */
  problems: string[];
  /** The sleeve's positions not yet closed. */
  positions_left: { symbol: string; qty: string }[];
}

const FLATTEN_KEY = 'flatten:';
/** How long a flatten waits for its cancels to be confirmed before it closes what is free. */
const CANCEL_WAIT_MS = 5000;

export class Flattener {
  private readonly running = new Map<DeploymentId, Promise<FlattenView>>();
  /**
   * Runs `settle` in the context the flattener was made in: it is called by a commit's subscriber,
   * inside the ledger service's exclusive section, where an append would throw.
   */
  private readonly outside = AsyncResource.bind((work: () => Promise<void>) => work());

  constructor(
    private readonly app: Subledger,
    private readonly clock: Clock,
  ) {}

  /** Flattens `id` (see the module comment). Throws NOT_FOUND for an unknown deployment or the house. */
  async flatten(id: DeploymentId, request: FlattenRequest): Promise<FlattenView> {
    this.app.getDeployment(id); // NOT_FOUND
    const current = this.running.get(id);
    if (current) return current;
    const work = this.run(id, request).finally(() => this.running.delete(id));
    this.running.set(id, work);
    return work;
  }

  /** The latest flatten of `id`, or undefined when it was never flattened. */
  latest(id: DeploymentId): FlattenView | undefined {
    this.app.getDeployment(id);
    const steps = controlsOf(this.app.service.state, id).lastFlatten;
    return steps.length === 0 ? undefined : this.view(id, steps);
  }

  /** Journals `done` for every flatten whose deployment holds nothing any more. */
  settle(): Promise<void> {
    return this.outside(() => this.settleNow());
  }

  private async settleNow(): Promise<void> {
    const state = this.app.service.state;
    for (const [deployment, controls] of state.controls ?? []) {
      const last = controls.lastFlatten.at(-1);
      if (!last || last.step !== 'orders_sent' || this.running.has(deployment)) continue;
      if (positionsOf(this.app, deployment).length > 0) continue;
      await this.step(last, 'done', [], 'every position closed');
    }
  }

  private async run(id: DeploymentId, request: FlattenRequest): Promise<FlattenView> {
    const service = this.app.service;
    const requested: DeploymentFlattened = {
      type: 'deployment_flattened',
      id: randomUUID(),
      deployment: id,
      step: 'requested',
      by: request.by,
      reason: request.reason,
      orders: [],
      ts: this.now(),
    };
    const status =
      this.app.getDeployment(id).status === 'stopped'
        ? []
        : [
            {
              type: 'deployment_status' as const,
              id: randomUUID(),
              deployment: id,
              status: 'stopped' as const,
              ts: requested.ts,
            },
          ];
    await service.append([requested, ...status]);
    // The sleeve's working orders end first (their reservations would hold back the closing sells);
    // an earlier flatten's closing orders keep working and count as closing.
    const working = this.openOrders(id).filter((o) => !this.isClosing(o));
    for (const order of working) await this.app.cancelOrder(id, order.id).catch(ignoreNotCancelable);
    await this.until(() => working.every((o) => !isOpen(o)), CANCEL_WAIT_MS);
    const sent: string[] = [];
    const problems: string[] = [];
    for (const { symbol, qty } of positionsOf(this.app, id)) {
      const closing = this.openOrders(id)
        .filter((o) => this.isClosing(o) && o.symbol === symbol)
        .reduce((sum, o) => sum + (o.side === 'sell' ? 1n : -1n) * (o.qty - o.filledQty), 0n);
      const left = (qty - closing) as Dec;
      if (left === 0n || qty > 0n !== left > 0n) continue;
      try {
        const order = await this.app.router.submit(id, {
          symbol,
          side: left > 0n ? 'sell' : 'buy',
          qty: abs(left),
          type: 'market',
          timeInForce: 'day',
          idempotencyKey: `${FLATTEN_KEY}${requested.id}:${symbol}`,
        });
        sent.push(order.id);
      } catch (error) {
        problems.push(`${symbol}: ${(error as Error).message}`);
      }
    }
    const reason = problems.length === 0 ? request.reason : `${request.reason}; not sent: ${problems.join('; ')}`;
    await this.step({ ...requested, reason }, 'orders_sent', sent);
    if (positionsOf(this.app, id).length === 0) await this.step(requested, 'done', [], 'every position closed');
    return { ...this.view(id, controlsOf(service.state, id).lastFlatten), problems };
  }

  private async step(first: DeploymentFlattened, step: 'orders_sent' | 'done', orders: string[], reason?: string) {
    await this.app.service.append([{ ...first, step, orders, reason: reason ?? first.reason, ts: this.now() }]);
  }

  private view(id: DeploymentId, steps: readonly DeploymentFlattened[]): FlattenView {
    const state = this.app.service.state;
    const first = steps[0]!;
    const orders = steps.flatMap((s) => s.orders).map((o) => orderView(state.orders.get(o)!));
    const left = positionsOf(this.app, id);
    return {
      id: first.id,
      deployment_id: id,
      status: left.length === 0 ? 'done' : 'closing',
      by: first.by,
      reason: first.reason,
      requested_at: first.ts,
      orders,
      problems: [],
      positions_left: left.map((p) => ({ symbol: p.symbol, qty: toPlain(p.qty) })),
    };
  }

  /** A flatten's closing order, or the second leg of one the router split at the account's zero. */
  private isClosing(order: OrderState): boolean {
    const first = order.after === null ? order : this.app.service.state.orders.get(order.after);
    return first?.idempotencyKey?.startsWith(FLATTEN_KEY) === true;
  }

  private openOrders(id: DeploymentId): OrderState[] {
    return openOrdersOf(this.app.service.state, id);
  }

  /** Waits (a few ms at a time) until `done()` or `ms` passed; the broker's answers arrive meanwhile. */
  private async until(done: () => boolean, ms: number): Promise<void> {
    for (let waited = 0; !done() && waited < ms; waited += 10) await new Promise((r) => setTimeout(r, 10));
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

function ignoreNotCancelable(error: unknown): void {
  if (error instanceof AppError && error.code === 'ORDER_NOT_CANCELABLE') return;
  throw error;
}

/** The sleeve's non-zero positions, by symbol. */
function positionsOf(app: Subledger, id: DeploymentId): { symbol: Symbol; qty: Dec }[] {
  const sleeve = app.service.ledger.sleeves.get(id);
  if (!sleeve) return [];
  return [...sleeve.positions]
    .filter(([, p]) => p.qty !== ZERO)
    .map(([symbol, p]) => ({ symbol, qty: p.qty }))
    .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}
