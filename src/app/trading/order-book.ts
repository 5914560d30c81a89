/**
 * The internal book at work (the rules are src/core/internal-book.ts; the journal side is
 * order-routes.ts): it places the sleeves' orders at the broker so that the broker never holds two
 * of our orders that could trade against each other. An order that meets another sleeve's order
 * is crossed inside at the reference price when that price suits both; what is left goes to the
 * broker, after the resting orders in its way are withdrawn (a marketable order), or waits in the
 * book (one that is not). Withdrawn and held orders stay working in their sleeves and are placed
 * again as soon as nothing is in their way: after every report that ends a broker order, at
 * start-up and on each sweep.
 *
 * Entry points: `OrderBook` — `lane` (the symbol's one-at-a-time lane), `entries`, `place`,
 * `placeHeld`, `schedule`, `clearWayFor` (a block order), `resume`, `idle`.
 * Invariants: every decision for a symbol runs in its lane, from the look at the book to the
 * broker's answer; each step is journaled before it acts (hold, withdraw, carry) or in the same
 * batch as its effect (a cross and its fill), so after a crash the journal says where each order
 * stands and `resume` carries on; a withdrawal ends only on the broker's word (its order is seen
 * canceled or filled), never on a timeout.
 */
import { randomInt } from 'node:crypto';
import { type FillId, HOUSE, type Symbol } from '../../core/ids.js';
import { type Dec, ZERO, min, toPlain } from '../../core/decimal.js';
import { type BookOrder, type Placement, byArrival, interacts, planPlacement } from '../../core/internal-book.js';
import { netQuantity } from '../../core/ledger.js';
import { type OrderState, awaitsTrigger, isOpen, isTerminal, isTrailingStop, remainingQty } from '../../core/orders.js';
import { type BrokerPort, BrokerRejection, type MarketDataPort, type Quote, quoteMid } from '../ports/broker-port.js';
import { makeClientOrderId } from './client-order-id.js';
import type { Clock } from '../ports/clock-port.js';
import type { JournalEvent } from '../journal/journal-codec.js';
import type { LedgerService } from '../journal/ledger-service.js';
import { type OrderLifecycle, unavailable } from './order-lifecycle.js';
import { carrierOf, routeOf } from './order-routes.js';
import { SymbolLocks } from './symbol-locks.js';
import { blockOfOrder, openOrdersOn } from '../journal/account-state.js';
import { type MarketHours, usEquityHours } from '../marks/market-hours.js';
import type { BrokerOrderId, ClientOrderId } from '../../core/ids.js';

export interface BookOptions {
  /** How long a withdrawal waits for the broker to confirm its cancel before giving up for now (ms). Default 15 s. */
  readonly withdrawTimeoutMs: number;
  /** The first pause between looks at an order being withdrawn (doubles up to 250 ms). Default 5 ms. */
  readonly pollMs: number;
}

export const DEFAULT_BOOK: BookOptions = { withdrawTimeoutMs: 15_000, pollMs: 5 };

/** The price internal crosses are done at: the quote midpoint, else the last trade. */
export interface CrossReference {
  readonly price: bigint;
  readonly source: 'quote_mid' | 'last_trade';
}

export class OrderBook {
  private readonly locks = new SymbolLocks();
  private readonly background = new Set<Promise<void>>();

  constructor(
    private readonly service: LedgerService,
    private readonly broker: BrokerPort,
    private readonly market: MarketDataPort,
    private readonly clock: Clock,
    private readonly lifecycle: OrderLifecycle,
    private readonly onError: (error: unknown) => void,
    private readonly options: BookOptions = DEFAULT_BOOK,
    private readonly hours: MarketHours = usEquityHours,
  ) {}

  /** Runs `work` outside any lane it merely inherited (see SymbolLocks.outside): it queues like anyone. */
  detached<T>(work: () => T): T {
    return this.locks.outside(work);
  }

  /** Runs `work` alone in `symbol`'s lane (re-entrant). */
  lane<T>(symbol: Symbol, work: () => Promise<T>): Promise<T> {
    return this.locks.run(symbol, work);
  }

  /** The working orders of `symbol` as the book sees them (open legs still waiting for their close leg left out). */
  entries(symbol: Symbol): BookOrder[] {
    const state = this.service.state;
    const waiting = new Set(state.dependents.values());
    const out: BookOrder[] = [];
    // Only the symbol's open orders (an index, not every order ever placed); a block is open
    // while its first child is, so its open children name it.
    const blocks = new Set<string>();
    for (const order of openOrdersOn(state, symbol)) {
      const block = blockOfOrder(state, order.id);
      if (block !== undefined) blocks.add(block);
      if (waiting.has(order.id) || block !== undefined) continue;
      // The house's orders were placed outside Subledger (by hand, another tool): never moved; the
      // broker judges them, and a refusal they cause names the house.
      if (order.deployment === HOUSE) continue;
      out.push(this.entryOf(order));
    }
    for (const id of blocks) {
      const block = state.blocks.get(id)!;
      const first = state.orders.get(block.children[0]!);
      if (block.symbol !== symbol || !first || !isOpen(first)) continue;
      const booked = [...block.booked.values()].reduce((a, b) => a + b, 0n);
      out.push({
        id: block.id,
        owner: block.id,
        side: block.side,
        type: first.orderType,
        limitPrice: first.limitPrice,
        remaining: (block.qty - booked) as BookOrder['remaining'],
        createdAt: first.createdAt,
        atBroker: true,
        movable: false,
      });
    }
    return out;
  }

  /** `order` as a book entry. */
  entryOf(order: OrderState): BookOrder {
    return {
      id: order.id,
      owner: order.deployment,
      side: order.side,
      type: order.orderType,
      limitPrice: order.limitPrice,
      remaining: remainingQty(order),
      createdAt: order.createdAt,
      atBroker: carrierOf(this.service.state, order) !== null,
      movable: !order.cancelRequested,
      ...(awaitsTrigger(order) ? { trigger: isTrailingStop(order) ? ('trailing' as const) : ('stop' as const) } : {}),
    };
  }

  /** The reference price for crosses in `symbol`, or undefined without market data. */
  async reference(symbol: Symbol): Promise<CrossReference | undefined> {
    return crossReferenceOf((await this.market.latest([symbol])).get(symbol));
  }

  /**
   * Places an open order that the broker holds nothing for (held, withdrawn, or an open leg just
   * released): crosses, withdrawals, then the broker or the book. `lookUpFirst`: the order may
   * have been sent before a restart under its own id (an open leg): the broker is asked first.
   * Throws what sending throws (BROKER_REJECTED, BROKER_UNAVAILABLE); a withdrawal the broker does
   * not confirm in time leaves the order held, to be placed again later.
   */
  async place(orderId: string, options: { lookUpFirst?: boolean } = {}): Promise<void> {
    const order = this.service.state.orders.get(orderId);
    if (!order) return;
    await this.lane(order.symbol, async () => {
      if (options.lookUpFirst && (await this.adoptIfSent(order))) return;
      const reference = await this.reference(order.symbol);
      if (reference) await this.placeLocked(order, reference);
      else await this.lifecycle.resolve(order.id); // no price to plan with: as before the book
    });
  }

  /** An open leg sent before a restart: adopted from the broker. */
  private async adoptIfSent(order: OrderState): Promise<boolean> {
    const target = this.lifecycle.sendable(order.id);
    if (!target) return false;
    const found = await this.broker.orderByClientId(target.clientOrderId as ClientOrderId);
    if (found) await this.lifecycle.adopt(target, found);
    return found !== undefined;
  }

  private async placeLocked(order: OrderState, reference: CrossReference): Promise<void> {
    await this.triggerIfReached(order, reference);
    for (let round = 0; round < 20 && isOpen(order); round++) {
      const plan = this.plan(order, reference);
      const state = this.service.state;
      if (carrierOf(state, order) !== null) {
        if (order.brokerOrderId !== null) return; // at the broker already (placed meanwhile)
        if (isDirect(plan, order)) {
          await this.lifecycle.dispatch(order.id); // never sent, nothing in its way: as it is
          return;
        }
        // Never sent (an open leg just released): kept off the broker while the way is cleared.
        const held = await this.step(() =>
          isOpen(order) && carrierOf(this.service.state, order) === order.id && order.brokerOrderId === null
            ? [this.routed(order, 'hold', null, null, holdReason(plan))]
            : undefined,
        );
        if (!held) return;
      }
      if (plan.withdraw.length > 0) {
        for (const other of plan.withdraw) await this.withdraw(other, order.id);
        continue; // the book changed: plan again
      }
      if (plan.crosses.length > 0 && !(await this.cross(order, plan, reference))) continue; // it moved: plan again
      if (plan.kind === 'place') {
        const carried = await this.step(() =>
          plan.sendQty > 0n && isOpen(order) && carrierOf(this.service.state, order) === null
            ? [this.routed(order, 'carry', this.nextCarrier(order), min(plan.sendQty, remainingQty(order)), null)]
            : undefined,
        );
        if (carried) await this.lifecycle.dispatch(order.id);
      } else if (order.timeInForce === 'ioc') {
        await this.step(() =>
          isOpen(order) && carrierOf(this.service.state, order) === null
            ? [this.routed(order, 'expire', null, null, 'immediate-or-cancel: nothing could fill it without waiting')]
            : undefined,
        );
      } else if (order.reason !== holdReason(plan)) {
        await this.step(() =>
          isOpen(order) && carrierOf(this.service.state, order) === null
            ? [this.routed(order, 'hold', null, null, holdReason(plan))]
            : undefined,
        );
      }
      return;
    }
  }

  /**
   * A stop (or stop_limit) order the broker holds nothing for (held in the book) is triggered here
   * when the reference price reached its stop (a buy at or above it, a sell at or below): journaled
   * `order_routed` trigger, after which it is placed as the market or limit order it becomes.
   * Trailing stops are never held for a conflict (they are exempt), so the book never trails one.
   */
  private async triggerIfReached(order: OrderState, reference: CrossReference): Promise<void> {
    if (!awaitsTrigger(order) || isTrailingStop(order) || order.stopPrice === undefined) return;
    const price = reference.price as Dec;
    const reached = order.side === 'buy' ? price >= order.stopPrice : price <= order.stopPrice;
    if (!reached) return;
    await this.step(() =>
      isOpen(order) && awaitsTrigger(order) && carrierOf(this.service.state, order) === null
        ? [
            this.routed(
              order,
              'trigger',
              null,
              null,
              `stop ${toPlain(order.stopPrice!)} reached at the ${reference.source.replace('_', ' ')} ${toPlain(price)}: triggered in the internal book`,
            ),
          ]
        : undefined,
    );
  }

  /** The book's plan for `order` now (the account counted flat when it holds none of the symbol). */
  plan(order: OrderState | BookOrder, reference: CrossReference, symbol = (order as OrderState).symbol): Placement {
    const entry = 'owner' in order ? order : this.entryOf(order);
    const net = netQuantity(this.service.state.ledger, symbol);
    return planPlacement(entry, this.entries(symbol), reference.price as Dec, { flat: net === 0n, net });
  }

  /**
   * Journals what `events` returns, computed in the writer's section on the state as it is then
   * (a report may have ended an order since the plan); nothing when it returns undefined.
   */
  private step(events: () => JournalEvent[] | undefined): Promise<boolean> {
    return this.service.exclusive(async (writer) => {
      const list = events();
      if (!list || list.length === 0) return false;
      await writer.append(list);
      return true;
    });
  }

  /**
   * Journals the crosses of `plan` for `order`, each with the fill that books it (no fee, no
   * broker), if every order involved is still open, off the broker and has the quantity; false
   * (nothing journaled) when one moved since the plan.
   */
  private cross(order: OrderState, plan: Placement, reference: CrossReference): Promise<boolean> {
    return this.step(() => {
      const state = this.service.state;
      const total = plan.crosses.reduce((sum, c) => sum + c.qty, 0n);
      if (!isOpen(order) || carrierOf(state, order) !== null || remainingQty(order) < total) return undefined;
      const ts = this.clock.now().toISOString();
      const events: JournalEvent[] = [];
      for (const { against, qty } of plan.crosses) {
        const other = state.orders.get(against.id)!;
        if (!isOpen(other) || carrierOf(state, other) !== null || remainingQty(other) < qty) return undefined;
        const [buy, sell] = order.side === 'buy' ? [order, other] : [other, order];
        const id = `x.${Date.parse(ts).toString(36)}${randomInt(2 ** 40).toString(36)}` as FillId;
        const price = reference.price as Dec;
        events.push(
          {
            type: 'fill',
            id,
            symbol: order.symbol,
            price,
            ts,
            legs: [
              { deployment: buy.deployment, side: 'buy', qty, fee: ZERO, feeCurrency: 'quote' },
              { deployment: sell.deployment, side: 'sell', qty, fee: ZERO, feeCurrency: 'quote' },
            ],
          },
          {
            type: 'order_crossed',
            id,
            symbol: order.symbol,
            buyOrder: buy.id,
            sellOrder: sell.id,
            qty,
            price,
            source: reference.source,
            ts,
          },
        );
      }
      return events;
    });
  }

  /**
   * Withdraws `entry`'s broker order to make way for order `forId`: journaled, cancelled at the
   * broker, then looked at until the broker says it ended (canceled, or filled meanwhile).
   */
  private async withdraw(entry: BookOrder, forId: string): Promise<void> {
    const order = this.service.state.orders.get(entry.id)!;
    await this.step(() => {
      const route = routeOf(this.service.state, order);
      return isOpen(order) && route.carrier !== null && route.withdrawingFor === null
        ? [this.routed(order, 'withdraw', route.carrier, null, null, forId)]
        : undefined;
    });
    await this.finishWithdrawal(order);
  }

  private async finishWithdrawal(order: OrderState): Promise<void> {
    const carrier = carrierOf(this.service.state, order);
    if (carrier === null || !isOpen(order) || routeOf(this.service.state, order).withdrawingFor === null) return;
    const target = this.lifecycle.sendable(order.id)!;
    let found = await this.broker.orderByClientId(carrier as ClientOrderId).catch((error: unknown) => {
      throw unavailable(error, order.id, 'its withdrawal is journaled and will be finished later');
    });
    if (!found) {
      // The broker never got it: it is withdrawn before it was sent.
      await this.step(() =>
        isOpen(order) && carrierOf(this.service.state, order) === carrier
          ? [
              {
                type: 'order_updated',
                id: order.id,
                status: 'canceled',
                filledQty: ZERO,
                filledAvgPrice: null,
                brokerOrderId: null,
                reason: 'withdrawn before it reached the broker',
                ...(carrier !== order.id ? { carrier } : {}),
                ts: this.clock.now().toISOString(),
              },
            ]
          : undefined,
      );
      return;
    }
    if (!isTerminal(found.status as never))
      await this.broker.cancel(found.brokerOrderId as BrokerOrderId).catch((error: unknown) => {
        if (!(error instanceof BrokerRejection)) throw unavailable(error, order.id, 'its withdrawal will be retried');
      });
    const deadline = Date.now() + this.options.withdrawTimeoutMs;
    for (let pause = this.options.pollMs; ; pause = Math.min(pause * 2, 250)) {
      await this.lifecycle.adopt(target, found);
      if (isTerminal(found.status as never)) return;
      if (Date.now() > deadline)
        throw unavailable(new Error('the broker did not confirm the cancel in time'), order.id, 'withdrawal pending');
      await new Promise((resolve) => setTimeout(resolve, pause));
      found = (await this.broker.orderByClientId(carrier as ClientOrderId)) ?? found;
    }
  }

  /** Places every held or withdrawn order of `symbol` that can go now, best first. Never throws. */
  async placeHeld(symbol: Symbol): Promise<void> {
    await this.lane(symbol, async () => {
      const reference = await this.reference(symbol).catch(() => undefined);
      if (!reference) return;
      const held = this.heldOrders(symbol).sort((a, b) => byArrival(this.entryOf(a), this.entryOf(b)));
      for (const order of held) {
        try {
          if (await this.expireIfSessionEnded(order)) continue;
          await this.placeLocked(order, reference);
        } catch (error) {
          this.onError(error);
        }
      }
    });
  }

  /**
   * A `day` order is for the session it was accepted in (or the next one): if that session closed
   * while the order was off the broker (held or withdrawn), it expires here as the broker would
   * have expired it. True when it did.
   */
  private async expireIfSessionEnded(order: OrderState): Promise<boolean> {
    if (order.timeInForce !== 'day') return false;
    if (this.hours.closesBetween(new Date(order.createdAt), this.clock.now()).length === 0) return false;
    return this.step(() =>
      isOpen(order) && carrierOf(this.service.state, order) === null
        ? [
            this.routed(
              order,
              'expire',
              null,
              null,
              'day order: its session closed while it was off the broker (held or withdrawn)',
            ),
          ]
        : undefined,
    );
  }

  private heldOrders(symbol: Symbol): OrderState[] {
    const state = this.service.state;
    return [...openOrdersOn(state, symbol)].filter(
      (o) => o.deployment !== HOUSE && carrierOf(state, o) === null && !o.cancelRequested,
    );
  }

  /** Places the held orders of `symbol` in the background (after a report that ended a broker order). */
  schedule(symbol: Symbol): void {
    const task = this.detached(() => this.placeHeld(symbol)).finally(() => this.background.delete(task));
    this.background.add(task);
  }

  /**
   * Clears the way for block order `blockId`, journaled and about to be sent: withdraws every
   * sleeve's order at the broker that could trade against it (each is placed again when the block
   * is done). Call it in the symbol's lane. A withdrawal that fails is logged; the block goes anyway.
   */
  async clearWayFor(blockId: string): Promise<void> {
    const block = this.service.state.blocks.get(blockId);
    if (!block) return;
    const entries = this.entries(block.symbol);
    const mine = entries.find((e) => e.id === blockId);
    if (!mine) return;
    for (const other of entries)
      if (other.owner !== blockId && other.atBroker && other.movable && interacts(other, mine))
        await this.withdraw(other, blockId).catch(this.onError);
  }

  /** Start-up and each sweep: finishes withdrawals a stop cut off, then places every held order. */
  async resume(): Promise<void> {
    const state = this.service.state;
    const symbols = new Set<Symbol>();
    for (const order of state.orders.values()) {
      if (!isOpen(order)) continue;
      const route = state.routes.get(order.id);
      if (!route) continue;
      symbols.add(order.symbol);
      if (route.withdrawingFor !== null && route.carrier !== null)
        await this.lane(order.symbol, () => this.finishWithdrawal(order)).catch(this.onError);
    }
    for (const symbol of symbols) await this.placeHeld(symbol);
  }

  /** Resolves when every background placement has finished. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private nextCarrier(order: OrderState): string {
    const state = this.service.state;
    if (order.brokerOrderId === null && !state.carriers.has(order.id)) return order.id;
    return makeClientOrderId(order.deployment, this.clock.now().getTime(), randomInt(2 ** 40));
  }

  private routed(
    order: OrderState,
    action: 'hold' | 'carry' | 'withdraw' | 'expire' | 'trigger',
    carrier: string | null,
    qty: OrderState['qty'] | null,
    reason: string | null,
    forId: string | null = null,
  ): JournalEvent {
    return {
      type: 'order_routed',
      id: order.id,
      action,
      carrier,
      qty,
      for: forId,
      reason,
      ts: this.clock.now().toISOString(),
    };
  }
}

/** The price internal crosses are done at from `quote`: its midpoint, else its last trade. */
export function crossReferenceOf(quote: Quote | undefined): CrossReference | undefined {
  const mid = quoteMid(quote);
  if (mid !== undefined) return { price: mid, source: 'quote_mid' };
  return quote?.last !== undefined ? { price: quote.last, source: 'last_trade' } : undefined;
}

/** Whether a never-sent order can go to the broker as it is: nothing to cross, nothing in its way. */
function isDirect(plan: Placement, order: OrderState): boolean {
  return (
    plan.kind === 'place' &&
    plan.crosses.length === 0 &&
    plan.withdraw.length === 0 &&
    plan.sendQty === remainingQty(order)
  );
}

function holdReason(plan: Placement): string {
  return plan.kind === 'hold'
    ? 'held in the internal book: another sleeve’s order at the broker could trade against it; it goes to the broker when that order is done'
    : 'held in the internal book while the way to the broker is cleared';
}
