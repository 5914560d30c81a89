/**
 * Everything folded from an account's journal: the ledger (money), plus what the app keeps around
 * it — deployment settings and status, orders with their reservations, idempotency keys and
 * capital-flow history. `applyJournalEvent` is the one fold for both live appends and replays.
 *
 * Invariant: a key is applied once (`ledger.applied` holds every key, core and app); app events
 * never touch money, so the ledger's laws are unaffected by them.
 */
import type { Dec } from '../core/decimal.js';
import type { DeploymentId } from '../core/ids.js';
import { type Applied, type EventProblem, type Ledger, applyEvent, eventProblem, newLedger } from '../core/ledger.js';
import { type OrderState, applyOrderUpdate } from '../core/orders.js';
import { type JournalEvent, deploymentSettings, isAppEvent, journalKey } from './journal-codec.js';
import type { DeploymentInfo } from './projections.js';

export interface FlowRecord {
  readonly id: string;
  readonly deployment: DeploymentId;
  readonly amount: Dec;
  readonly ts: string;
}

export interface AccountState {
  readonly ledger: Ledger;
  readonly infos: Map<DeploymentId, DeploymentInfo>;
  readonly orders: Map<string, OrderState>;
  readonly ordersByDeployment: Map<DeploymentId, OrderState[]>;
  /** `${deployment} ${key}` → order id. */
  readonly idempotency: Map<string, string>;
  readonly flows: Map<DeploymentId, FlowRecord[]>;
}

export interface Effects {
  readonly duplicate: boolean;
  readonly applied: Applied | null;
  readonly orders: readonly OrderState[];
  readonly deployments: readonly DeploymentId[];
}

export function newAccountState(): AccountState {
  return { ledger: newLedger(), infos: new Map(), orders: new Map(), ordersByDeployment: new Map(), idempotency: new Map(), flows: new Map() };
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
      return hasDeployment(event.deployment) ? undefined : { field: 'deployment', message: `unknown deployment '${event.deployment}'` };
    case 'order_submitted':
      if (!hasDeployment(event.deployment)) return { field: 'deployment', message: `unknown deployment '${event.deployment}'` };
      if (event.qty <= 0n) return { field: 'qty', message: 'must be greater than 0' };
      return undefined;
    case 'order_updated':
      return hasOrder(event.id) ? undefined : { field: 'id', message: `unknown order '${event.id}'` };
    default:
      return eventProblem(hasDeployment, event);
  }
}

const NONE: Effects = { duplicate: true, applied: null, orders: [], deployments: [] };

/** Folds one journal event. Throws (corrupt journal) on an event `journalEventProblem` rejects. */
export function applyJournalEvent(state: AccountState, event: JournalEvent): Effects {
  if (!isAppEvent(event)) {
    const applied = applyEvent(state.ledger, event);
    if (applied.duplicate) return NONE;
    if (event.type === 'deployment') {
      state.infos.set(event.deployment, { ...deploymentSettings(event), status: 'active', createdAt: event.ts, updatedAt: event.ts });
    } else if (event.type === 'capital_flow') {
      const list = state.flows.get(event.deployment) ?? [];
      list.push({ id: event.id, deployment: event.deployment, amount: event.amount, ts: event.ts });
      state.flows.set(event.deployment, list);
    }
    return { duplicate: false, applied, orders: [], deployments: event.type === 'deployment' ? [event.deployment] : [] };
  }
  const key = journalKey(event);
  if (state.ledger.applied.has(key)) return NONE;
  const problem = journalEventProblem(state, event, (id) => state.ledger.sleeves.has(id), (id) => state.orders.has(id));
  if (problem) throw new Error(`cannot apply ${key}: ${problem.field} ${problem.message}`);
  state.ledger.applied.add(key);
  switch (event.type) {
    case 'deployment_status': {
      const info = state.infos.get(event.deployment)!;
      state.infos.set(event.deployment, { ...info, status: event.status, updatedAt: event.ts });
      return { duplicate: false, applied: null, orders: [], deployments: [event.deployment] };
    }
    case 'order_submitted': {
      const order: OrderState = {
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
        status: 'pending_new',
        filledQty: 0n as Dec,
        filledAvgPrice: null,
        brokerOrderId: null,
        reason: null,
        updatedAt: event.ts,
      };
      state.orders.set(order.id, order);
      const list = state.ordersByDeployment.get(order.deployment) ?? [];
      list.push(order);
      state.ordersByDeployment.set(order.deployment, list);
      if (order.idempotencyKey) state.idempotency.set(idempotencyIndex(order.deployment, order.idempotencyKey), order.id);
      return { duplicate: false, applied: null, orders: [order], deployments: [] };
    }
    case 'order_updated': {
      const order = state.orders.get(event.id)!;
      const changed = applyOrderUpdate(order, event);
      return { duplicate: false, applied: null, orders: changed ? [order] : [], deployments: [] };
    }
  }
}
