/**
 * Everything folded from an account's journal: the ledger (money), plus what the app keeps around
 * it — deployment settings and status, orders with their reservations, idempotency keys and
 * capital-flow history. `applyJournalEvent` is the one fold for both live appends and replays.
 *
 * Invariant: a key is applied once (`ledger.applied` holds every key, core and app, but fills' —
 * ask `isApplied`); app events
 * never touch money, so the ledger's laws are unaffected by them.
 */
import type { Dec } from '../../core/decimal.js';
import type { DeploymentId, Symbol } from '../../core/ids.js';
import {
  type Applied,
  type EventProblem,
  type Ledger,
  applyEvent,
  eventProblem,
  newLedger,
} from '../../core/ledger.js';
import { type OrderState, applyOrderUpdate, isOpen, isTerminal } from '../../core/orders.js';
import type { AllocationPlan } from '../../core/allocation.js';
import type { Side } from '../../core/events.js';
import { type PnlTrack, followLosses, lossLimitsOf, startTrack } from '../../core/loss-limits.js';
import {
  type DeploymentFlattened,
  type JournalEvent,
  type LimitBreached,
  type OrderUpdated,
  deploymentSettings,
  isAppEvent,
  journalKey,
} from './journal-codec.js';
import type { DeploymentInfo } from './projections.js';
import {
  type Route,
  applyCarrierReport,
  applyCrossed,
  applyRouted,
  crossedProblem,
  routedProblem,
} from '../trading/order-routes.js';

export interface FlowRecord {
  readonly id: string;
  readonly deployment: DeploymentId;
  readonly amount: Dec;
  readonly ts: string;
}

/** A block order: one broker order for several deployments, one child order per participant. */
export interface BlockState {
  readonly id: string;
  readonly plan: AllocationPlan;
  readonly symbol: Symbol;
  readonly side: Side;
  readonly qty: Dec;
  readonly rebalanceId: string | null;
  /** Child order id per participant, in plan order. */
  readonly children: readonly string[];
  /** What each participant has been allocated so far. */
  readonly booked: Map<DeploymentId, Dec>;
}

/** The child order id of `deployment` in block `blockId`. */
export const childOrderId = (blockId: string, deployment: DeploymentId) => `${blockId}:${deployment}`;

/** The block an order is a participant's share of (the inverse of `childOrderId`), or undefined. */
export function blockOfOrder(state: Pick<AccountState, 'blocks'>, orderId: string): string | undefined {
  const at = orderId.lastIndexOf(':');
  const id = at > 0 ? orderId.slice(0, at) : undefined;
  return id !== undefined && state.blocks.has(id) ? id : undefined;
}

/** How many recent marks per symbol the state keeps (the strategies' price history). */
export const MARK_HISTORY = 250;

export interface AccountState {
  readonly ledger: Ledger;
  readonly blocks: Map<string, BlockState>;
  /** Orders waiting for another to fill first: predecessor id → waiting order id. */
  readonly dependents: Map<string, string>;
  /** Execution summaries of rebalance runs, by run id. */
  readonly rebalances: Map<string, { ts: string; summary: Readonly<Record<string, unknown>> }>;
  /** Recent journaled mark prices per symbol, oldest first (at most MARK_HISTORY). */
  readonly markHistory: Map<Symbol, Dec[]>;
  readonly infos: Map<DeploymentId, DeploymentInfo>;
  readonly orders: Map<string, OrderState>;
  /** The internal book's routing of the orders it touched (order-routes.ts). */
  readonly routes: Map<string, Route>;
  /** Carrier client order id → order id, for broker orders sent under another id than the order's. */
  readonly carriers: Map<string, string>;
  /** An internal cross's fill id → the two orders it filled. */
  readonly crosses: Map<string, { readonly buyOrder: string; readonly sellOrder: string }>;
  readonly ordersByDeployment: Map<DeploymentId, OrderState[]>;
  /** `${deployment} ${key}` → order id. */
  readonly idempotency: Map<string, string>;
  readonly flows: Map<DeploymentId, FlowRecord[]>;
  /** Kill switch and loss limits (src/app/risk/flatten.ts, src/app/risk/loss-watch.ts): per deployment. */
  readonly controls: Map<DeploymentId, DeploymentControls>;
  /**
   * The total P&L of each deployment with loss limits, followed event by event: the day's opening
   * figure and the peak its limits are checked against (src/core/loss-limits.ts `followLosses`).
   */
  readonly lossTracks: Map<DeploymentId, PnlTrack>;
}

/** A deployment's flattens and loss-limit breaches, as journaled. */
export interface DeploymentControls {
  /** The latest flatten's steps, in journal order (its `id` on each). */
  lastFlatten: DeploymentFlattened[];
  /** Every breach journaled, oldest first. */
  readonly breaches: LimitBreached[];
}

/** `deployment`'s controls (an empty record for one never flattened nor breached). */
export function controlsOf(state: AccountState, deployment: DeploymentId): DeploymentControls {
  // A checkpoint written before controls existed has no map: it is created on first use.
  const all = (state as { controls?: Map<DeploymentId, DeploymentControls> }).controls ?? new Map();
  if (!state.controls) (state as { controls?: Map<DeploymentId, DeploymentControls> }).controls = all;
  let controls = all.get(deployment);
  if (!controls) {
    controls = { lastFlatten: [], breaches: [] };
    all.set(deployment, controls);
  }
  return controls;
}

/** The loss tracks (created here for a state from a checkpoint written before they existed). */
export function lossTracksOf(state: AccountState): Map<DeploymentId, PnlTrack> {
  const s = state as { lossTracks?: Map<DeploymentId, PnlTrack> };
  return (s.lossTracks ??= new Map());
}

export interface Effects {
  readonly duplicate: boolean;
  readonly applied: Applied | null;
  readonly orders: readonly OrderState[];
  readonly deployments: readonly DeploymentId[];
}

export function newAccountState(): AccountState {
  return {
    ledger: newLedger(),
    blocks: new Map(),
    dependents: new Map(),
    rebalances: new Map(),
    markHistory: new Map(),
    infos: new Map(),
    orders: new Map(),
    routes: new Map(),
    carriers: new Map(),
    crosses: new Map(),
    ordersByDeployment: new Map(),
    idempotency: new Map(),
    flows: new Map(),
    controls: new Map(),
    lossTracks: new Map(),
  };
}

export const idempotencyIndex = (deployment: DeploymentId, key: string) => `${deployment} ${key}`;

/** What stops `event` from applying at this point (see core `eventProblem`), or undefined. */
export function journalEventProblem(
  state: AccountState,
  event: JournalEvent,
  hasDeployment: (id: DeploymentId) => boolean,
  hasOrder: (id: string) => boolean,
): EventProblem | undefined {
  switch (event.type) {
    case 'deployment_status':
    case 'deployment_flattened':
    case 'limit_breached':
      return hasDeployment(event.deployment)
        ? undefined
        : { field: 'deployment', message: `unknown deployment '${event.deployment}'` };
    case 'order_submitted':
      if (!hasDeployment(event.deployment))
        return { field: 'deployment', message: `unknown deployment '${event.deployment}'` };
      if (event.qty <= 0n) return { field: 'qty', message: 'must be greater than 0' };
      return undefined;
    case 'order_updated':
      return hasOrder(event.id) || state.blocks.has(event.id)
        ? undefined
        : { field: 'id', message: `unknown order '${event.id}'` };
    case 'block_submitted':
      for (const [i, p] of event.participants.entries()) {
        if (!hasDeployment(p.deployment))
          return { field: `participants.${i}.deployment`, message: `unknown deployment '${p.deployment}'` };
        if (p.requested <= 0n) return { field: `participants.${i}.requested`, message: 'must be greater than 0' };
      }
      return undefined;
    case 'order_routed':
      return routedProblem(state, event);
    case 'order_crossed':
      return crossedProblem(state, event);
    case 'rebalance_completed':
    case 'valuation_taken':
      return undefined;
    default:
      return eventProblem(hasDeployment, event);
  }
}

const NONE: Effects = { duplicate: true, applied: null, orders: [], deployments: [] };

/**
 * Indexes derived from the orders, read on hot paths without scanning every order ever placed:
 * open orders per symbol (the internal book, order-book.ts) and per deployment (buying power,
 * metrics, the gateway's positions), and which order replaced which (the gateway's `replaced_by`;
 * each replacement names the order it replaces). Kept beside the state (a clone or a checkpoint
 * never carries them): built from `orders` on first use, then kept by `applyJournalEvent` from the
 * orders each event changed (every submission and status change is one of them).
 */
interface OrderIndex {
  readonly bySymbol: Map<string, Map<string, OrderState>>;
  readonly byDeployment: Map<string, Map<string, OrderState>>;
  /** replaced order id → the id of the order that replaced it. */
  readonly replacedBy: Map<string, string>;
}
const orderIndexes = new WeakMap<AccountState, OrderIndex>();

function keepIn(index: Map<string, Map<string, OrderState>>, key: string, order: OrderState): void {
  let orders = index.get(key);
  if (isOpen(order)) {
    if (!orders) index.set(key, (orders = new Map()));
    orders.set(order.id, order);
  } else if (orders?.delete(order.id) && orders.size === 0) index.delete(key);
}

function keepIndexed(index: OrderIndex, order: OrderState): void {
  keepIn(index.bySymbol, order.symbol, order);
  keepIn(index.byDeployment, order.deployment, order);
  if (order.replaces !== undefined) index.replacedBy.set(order.replaces, order.id);
}

function orderIndexOf(state: AccountState): OrderIndex {
  let index = orderIndexes.get(state);
  if (!index) {
    index = { bySymbol: new Map(), byDeployment: new Map(), replacedBy: new Map() };
    for (const order of state.orders.values()) keepIndexed(index, order);
    orderIndexes.set(state, index);
  }
  return index;
}

/** The open orders of `symbol` (every deployment's, the house's, block children), oldest first. */
export function openOrdersOn(state: AccountState, symbol: Symbol): Iterable<OrderState> {
  return orderIndexOf(state).bySymbol.get(symbol)?.values() ?? [];
}

/** The open orders of `deployment` (block children included), oldest first. */
export function openOrdersOf(state: AccountState, deployment: DeploymentId): OrderState[] {
  return [...(orderIndexOf(state).byDeployment.get(deployment)?.values() ?? [])];
}

/** The order that replaced order `id` (a replace through the gateway), or undefined. */
export function replacementOf(state: AccountState, id: string): string | undefined {
  return orderIndexOf(state).replacedBy.get(id);
}

/** Folds one journal event. Throws (corrupt journal) on an event `journalEventProblem` rejects. */
export function applyJournalEvent(state: AccountState, event: JournalEvent): Effects {
  const effects = foldJournalEvent(state, event);
  const index = orderIndexes.get(state);
  if (index) for (const order of effects.orders) keepIndexed(index, order);
  return effects;
}

function foldJournalEvent(state: AccountState, event: JournalEvent): Effects {
  if (!isAppEvent(event)) {
    const applied = applyEvent(state.ledger, event);
    if (applied.duplicate) return NONE;
    if (event.type === 'deployment') {
      state.infos.set(event.deployment, {
        ...deploymentSettings(event),
        status: 'active',
        createdAt: event.ts,
        updatedAt: event.ts,
      });
      if (lossLimitsOf(event.limits ?? {}))
        lossTracksOf(state).set(event.deployment, startTrack(event.ts.slice(0, 10)));
    } else if (event.type === 'capital_flow') {
      const list = state.flows.get(event.deployment) ?? [];
      list.push({ id: event.id, deployment: event.deployment, amount: event.amount, ts: event.ts });
      state.flows.set(event.deployment, list);
    }
    if (event.type === 'mark') {
      const list = state.markHistory.get(event.symbol) ?? [];
      list.push(event.price);
      if (list.length > MARK_HISTORY) list.splice(0, list.length - MARK_HISTORY);
      state.markHistory.set(event.symbol, list);
    }
    followLosses(lossTracksOf(state), state.ledger, event, applied);
    const children =
      event.type === 'fill' && event.orderId !== undefined ? bookBlockFill(state, event.orderId, event.legs) : [];
    return {
      duplicate: false,
      applied,
      orders: children,
      deployments: event.type === 'deployment' ? [event.deployment] : [],
    };
  }
  const key = journalKey(event);
  if (state.ledger.applied.has(key)) return NONE;
  const problem = journalEventProblem(
    state,
    event,
    (id) => state.ledger.sleeves.has(id),
    (id) => state.orders.has(id),
  );
  if (problem) throw new Error(`cannot apply ${key}: ${problem.field} ${problem.message}`);
  state.ledger.applied.add(key);
  switch (event.type) {
    case 'deployment_status': {
      const info = state.infos.get(event.deployment)!;
      state.infos.set(event.deployment, { ...info, status: event.status, updatedAt: event.ts });
      return { duplicate: false, applied: null, orders: [], deployments: [event.deployment] };
    }
    case 'order_submitted': {
      addOrder(state, {
        id: event.id,
        deployment: event.deployment,
        symbol: event.symbol,
        side: event.side,
        qty: event.qty,
        orderType: event.orderType,
        limitPrice: event.limitPrice,
        timeInForce: event.timeInForce,
        reservePrice: event.reservePrice,
        idempotencyKey: event.idempotencyKey,
        createdAt: event.ts,
        after: event.after ?? null,
        status: 'pending_new',
        filledQty: 0n as Dec,
        filledAvgPrice: null,
        brokerOrderId: null,
        reason: event.after
          ? `open leg of a split order, sent after ${event.after} closed the account's position`
          : null,
        updatedAt: event.ts,
        cancelRequested: false,
        ...(event.stopPrice !== undefined ? { stopPrice: event.stopPrice } : {}),
        ...(event.trailPrice !== undefined ? { trailPrice: event.trailPrice } : {}),
        ...(event.trailPercent !== undefined ? { trailPercent: event.trailPercent } : {}),
        ...(event.replaces !== undefined ? { replaces: event.replaces } : {}),
      });
      const order = state.orders.get(event.id)!;
      if (event.after) state.dependents.set(event.after, event.id);
      if (order.idempotencyKey)
        state.idempotency.set(idempotencyIndex(order.deployment, order.idempotencyKey), order.id);
      return { duplicate: false, applied: null, orders: [order], deployments: [] };
    }
    case 'deployment_flattened': {
      const controls = controlsOf(state, event.deployment);
      if (controls.lastFlatten[0]?.id !== event.id) controls.lastFlatten = [];
      controls.lastFlatten.push(event);
      return { duplicate: false, applied: null, orders: [], deployments: [event.deployment] };
    }
    case 'limit_breached':
      controlsOf(state, event.deployment).breaches.push(event);
      return { duplicate: false, applied: null, orders: [], deployments: [event.deployment] };
    case 'rebalance_completed':
      state.rebalances.set(event.id, { ts: event.ts, summary: event.summary });
      return { duplicate: false, applied: null, orders: [], deployments: [] };
    case 'valuation_taken':
      return { duplicate: false, applied: null, orders: [], deployments: [] };
    case 'order_routed':
      return { duplicate: false, applied: null, orders: [applyRouted(state, event)], deployments: [] };
    case 'order_crossed':
      state.crosses.set(event.id, { buyOrder: event.buyOrder, sellOrder: event.sellOrder });
      return { duplicate: false, applied: null, orders: applyCrossed(state, event), deployments: [] };
    case 'block_submitted': {
      const children = event.participants.map((p) => {
        const id = childOrderId(event.id, p.deployment);
        addOrder(state, {
          id,
          deployment: p.deployment,
          symbol: event.symbol,
          side: event.side,
          qty: p.requested,
          orderType: event.orderType,
          limitPrice: event.limitPrice,
          timeInForce: event.timeInForce,
          reservePrice: p.reservePrice,
          idempotencyKey: null,
          createdAt: event.ts,
          after: null,
          status: 'pending_new',
          filledQty: 0n as Dec,
          filledAvgPrice: null,
          brokerOrderId: null,
          reason: null,
          updatedAt: event.ts,
          cancelRequested: false,
        });
        return id;
      });
      state.blocks.set(event.id, {
        id: event.id,
        plan: {
          participants: event.participants.map((p) => ({ deployment: p.deployment, requested: p.requested })),
          policy: event.policy,
        },
        symbol: event.symbol,
        side: event.side,
        qty: event.qty,
        rebalanceId: event.rebalanceId,
        children,
        booked: new Map(),
      });
      return { duplicate: false, applied: null, orders: children.map((id) => state.orders.get(id)!), deployments: [] };
    }
    case 'order_updated': {
      const block = state.blocks.get(event.id);
      if (block)
        return { duplicate: false, applied: null, orders: updateChildren(state, block, event), deployments: [] };
      const order = state.orders.get(event.id)!;
      const changed = applyCarrierReport(state, order, event);
      return { duplicate: false, applied: null, orders: changed ? [order] : [], deployments: [] };
    }
  }
}

function addOrder(state: AccountState, order: OrderState): void {
  state.orders.set(order.id, order);
  const list = state.ordersByDeployment.get(order.deployment) ?? [];
  list.push(order);
  state.ordersByDeployment.set(order.deployment, list);
}

/** Books a block execution's legs on its children: allocated qty and their average price. */
function bookBlockFill(
  state: AccountState,
  blockId: string,
  legs: readonly { deployment: DeploymentId; qty: Dec }[],
): OrderState[] {
  const block = state.blocks.get(blockId);
  if (!block) return [];
  const touched: OrderState[] = [];
  for (const leg of legs) {
    block.booked.set(leg.deployment, ((block.booked.get(leg.deployment) ?? 0n) + leg.qty) as Dec);
    const child = state.orders.get(childOrderId(blockId, leg.deployment));
    if (child) touched.push(child);
  }
  return touched;
}

/** A block's status report, carried to each child with the quantity allocated to it. */
function updateChildren(state: AccountState, block: BlockState, event: OrderUpdated): OrderState[] {
  const changed: OrderState[] = [];
  for (const id of block.children) {
    const child = state.orders.get(id)!;
    const booked = block.booked.get(child.deployment) ?? (0n as Dec);
    const status = isTerminal(event.status)
      ? event.status === 'filled' && booked < child.qty
        ? 'canceled'
        : event.status
      : booked >= child.qty
        ? 'filled'
        : booked > 0n
          ? 'partially_filled'
          : event.status;
    const update = {
      status,
      filledQty: booked,
      filledAvgPrice: event.filledAvgPrice,
      brokerOrderId: event.brokerOrderId,
      reason: event.reason,
      ts: event.ts,
    };
    if (applyOrderUpdate(child, update)) changed.push(child);
  }
  return changed;
}
