/**
 * The journal's wire format: one JSON object per event, decimals as strings, snake_case fields
 * (the same shapes `subledger import` reads). Parsing is strict: an unknown field, a number where
 * a decimal string belongs, or a malformed decimal is an error naming the field.
 *
 * Entry points: `parseJournalLine` (text → event or problems), `encodeEvent` (event → canonical
 * payload), `decodeRecord` (stored payload → event; throws on a corrupt journal).
 */
import { z } from 'zod';
import { decimalProblem, parseDec, toPlain } from '../core/decimal.js';
import { type CostMethod, type DeploymentOpened, type LedgerEvent, type Side, eventKey } from '../core/events.js';
import type { OrderStatus } from '../core/orders.js';
import type { AllocationPolicy } from '../core/allocation.js';
import type { Dec } from '../core/decimal.js';
import { type DeploymentId, type FillId, type Symbol, deploymentIdProblem, symbolProblem } from '../core/ids.js';

/** A deployment's settings beyond what the ledger needs (kept in the same journal event). */
export interface DeploymentSettings {
  readonly name: string;
  readonly strategy: string;
  readonly limits: Readonly<Record<string, unknown>>;
}

/** The `deployment` event as journaled: the ledger's part plus its settings. */
export type DeploymentCreated = DeploymentOpened & DeploymentSettings;

export interface DeploymentStatusChanged {
  readonly type: 'deployment_status';
  readonly id: string;
  readonly deployment: DeploymentId;
  readonly status: 'active' | 'paused' | 'stopped';
  readonly ts: string;
}

export interface OrderSubmitted {
  readonly type: 'order_submitted';
  /** Our client order id. */
  readonly id: string;
  readonly deployment: DeploymentId;
  readonly symbol: Symbol;
  readonly side: Side;
  readonly qty: Dec;
  readonly orderType: 'market' | 'limit';
  readonly limitPrice: Dec | null;
  readonly timeInForce: 'day' | 'gtc' | 'ioc';
  readonly reservePrice: Dec;
  readonly idempotencyKey: string | null;
  /** Send only once this order has filled (the open leg of an order split at the account's zero). */
  readonly after?: string;
  readonly ts: string;
}

export interface OrderUpdated {
  readonly type: 'order_updated';
  readonly id: string;
  readonly status: OrderStatus;
  readonly filledQty: Dec;
  readonly filledAvgPrice: Dec | null;
  readonly brokerOrderId: string | null;
  readonly reason: string | null;
  readonly ts: string;
}

export interface BlockParticipantRequest {
  readonly deployment: DeploymentId;
  readonly requested: Dec;
  /** Per-unit price this participant's share reserves (buy: limit or reference + margin). */
  readonly reservePrice: Dec;
}

/** One broker order for several deployments, with the plan its executions are split by. */
export interface BlockSubmitted {
  readonly type: 'block_submitted';
  /** The block's client order id (the broker sees only this). */
  readonly id: string;
  readonly symbol: Symbol;
  readonly side: Side;
  readonly qty: Dec;
  readonly orderType: 'market' | 'limit';
  readonly limitPrice: Dec | null;
  readonly timeInForce: 'day' | 'gtc' | 'ioc';
  readonly policy: AllocationPolicy;
  readonly participants: readonly BlockParticipantRequest[];
  readonly rebalanceId: string | null;
  readonly ts: string;
}

/** The journal record of what the broker said of an order (its REST answer or a stream report). */
export function orderUpdatedFrom(id: string, order: BrokerOrderReport, ts: string): OrderUpdated {
  return {
    type: 'order_updated',
    id,
    status: order.status,
    filledQty: order.filledQty,
    filledAvgPrice: order.filledAvgPrice ?? null,
    brokerOrderId: order.brokerOrderId,
    reason: order.reason ?? null,
    ts,
  };
}

/** The fields of a broker order that an `order_updated` keeps. */
export interface BrokerOrderReport {
  readonly status: OrderStatus;
  readonly filledQty: Dec;
  readonly filledAvgPrice?: Dec | undefined;
  readonly brokerOrderId: string;
  readonly reason?: string | undefined;
}

/** A rebalance run's execution summary, kept with the run (GET /rebalances/{id}). */
export interface RebalanceCompleted {
  readonly type: 'rebalance_completed';
  readonly id: string;
  readonly summary: Readonly<Record<string, unknown>>;
  readonly ts: string;
}

/** Events the app journals beside the ledger's: they change no money, only state around it. */
export type AppEvent = DeploymentStatusChanged | OrderSubmitted | OrderUpdated | BlockSubmitted | RebalanceCompleted;

export type LedgerJournalEvent = Exclude<LedgerEvent, DeploymentOpened> | DeploymentCreated;
export type JournalEvent = LedgerJournalEvent | AppEvent;

export const isAppEvent = (event: JournalEvent): event is AppEvent =>
  event.type === 'deployment_status' ||
  event.type === 'order_submitted' ||
  event.type === 'order_updated' ||
  event.type === 'block_submitted' ||
  event.type === 'rebalance_completed';

/** The journal's uniqueness key of any event. */
export function journalKey(event: JournalEvent): string {
  switch (event.type) {
    case 'deployment_status':
      return `deployment_status:${event.id}`;
    case 'order_submitted':
    case 'block_submitted':
      return `order:${event.id}`;
    case 'rebalance_completed':
      return `rebalance:${event.id}`;
    case 'order_updated':
      return `order_updated:${event.id}:${event.status}:${toPlain(event.filledQty)}`;
    default:
      return eventKey(event);
  }
}

/** A deployment event's settings, with defaults for events built without them (name = id). */
export function deploymentSettings(event: DeploymentOpened & Partial<DeploymentSettings>): DeploymentSettings {
  return {
    name: event.name ?? event.deployment,
    strategy: event.strategy ?? event.deployment,
    limits: event.limits ?? {},
  };
}

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

const decimal = z.string({ error: 'must be a decimal string, e.g. "150.25"' }).superRefine((value, ctx) => {
  const problem = decimalProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const isoTime = z.iso.datetime({
  offset: true,
  error: 'must be an ISO-8601 time with a zone, e.g. "2025-01-02T15:00:00Z"',
});
const deploymentId = z.string({ error: 'must be a string' }).superRefine((value, ctx) => {
  const problem = deploymentIdProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const symbol = z.string({ error: 'must be a string' }).superRefine((value, ctx) => {
  const problem = symbolProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const side = z.enum(['buy', 'sell'], { error: 'must be "buy" or "sell"' });
const feeCurrency = z.enum(['quote', 'base'], { error: 'must be "quote" or "base"' });

const leg = z.strictObject({
  deployment: deploymentId,
  side,
  qty: decimal,
  fee: decimal.optional(),
  fee_currency: feeCurrency.optional(),
});

const schemas = {
  deployment: z.strictObject({
    type: z.literal('deployment'),
    deployment: deploymentId,
    initial_capital: decimal,
    cost_method: z.enum(['average', 'fifo'], { error: 'must be "average" or "fifo"' }).optional(),
    name: z.string().min(1).max(100).optional(),
    strategy: z.string().min(1).max(100).optional(),
    limits: z.record(z.string(), z.unknown()).optional(),
    ts: isoTime.optional(),
  }),
  fill_legs: z.strictObject({
    type: z.literal('fill'),
    id: z.string().min(1).max(128),
    symbol,
    price: decimal,
    ts: isoTime,
    legs: z.array(leg).min(1),
    order_id: z.string().min(1).max(128).optional(),
  }),
  fill: z.strictObject({
    type: z.literal('fill'),
    id: z.string().min(1).max(128),
    deployment: deploymentId,
    symbol,
    side,
    qty: decimal,
    price: decimal,
    fee: decimal.optional(),
    fee_currency: feeCurrency.optional(),
    ts: isoTime,
    order_id: z.string().min(1).max(128).optional(),
  }),
  capital_flow: z.strictObject({
    type: z.literal('capital_flow'),
    id: z.string().min(1).max(128),
    deployment: deploymentId,
    amount: decimal,
    ts: isoTime,
  }),
  split: z.strictObject({ type: z.literal('split'), symbol, ratio: decimal, ts: isoTime }),
  dividend: z.strictObject({ type: z.literal('dividend'), symbol, amount_per_share: decimal, ts: isoTime }),
  mark: z.strictObject({
    type: z.literal('mark'),
    symbol,
    price: decimal,
    ts: isoTime,
    source: z.string().min(1).max(64).optional(),
  }),
  deployment_status: z.strictObject({
    type: z.literal('deployment_status'),
    id: z.string().min(1).max(128),
    deployment: deploymentId,
    status: z.enum(['active', 'paused', 'stopped']),
    ts: isoTime,
  }),
  order_submitted: z.strictObject({
    type: z.literal('order_submitted'),
    id: z.string().min(1).max(48),
    deployment: deploymentId,
    symbol,
    side,
    qty: decimal,
    order_type: z.enum(['market', 'limit']),
    limit_price: decimal.nullable(),
    time_in_force: z.enum(['day', 'gtc', 'ioc']),
    reserve_price: decimal,
    idempotency_key: z.string().max(128).nullable(),
    after: z.string().min(1).max(48).optional(),
    ts: isoTime,
  }),
  rebalance_completed: z.strictObject({
    type: z.literal('rebalance_completed'),
    id: z.string().min(1).max(128),
    summary: z.record(z.string(), z.unknown()),
    ts: isoTime,
  }),
  block_submitted: z.strictObject({
    type: z.literal('block_submitted'),
    id: z.string().min(1).max(48),
    symbol,
    side,
    qty: decimal,
    order_type: z.enum(['market', 'limit']),
    limit_price: decimal.nullable(),
    time_in_force: z.enum(['day', 'gtc', 'ioc']),
    policy: z.strictObject({
      method: z.enum(['pro_rata_earliest_deadline', 'pro_rata_largest_deficit']),
      increment: decimal,
      fee_unit: decimal,
    }),
    participants: z
      .array(z.strictObject({ deployment: deploymentId, requested: decimal, reserve_price: decimal }))
      .min(1),
    rebalance_id: z.string().max(128).nullable(),
    ts: isoTime,
  }),
  order_updated: z.strictObject({
    type: z.literal('order_updated'),
    id: z.string().min(1).max(128),
    status: z.enum(['pending_new', 'new', 'partially_filled', 'filled', 'canceled', 'rejected', 'expired']),
    filled_qty: decimal,
    filled_avg_price: decimal.nullable(),
    broker_order_id: z.string().max(128).nullable(),
    reason: z.string().max(2000).nullable(),
    ts: isoTime,
  }),
};

const TYPES = [
  'deployment',
  'fill',
  'capital_flow',
  'split',
  'dividend',
  'mark',
  'deployment_status',
  'order_submitted',
  'order_updated',
  'block_submitted',
  'rebalance_completed',
] as const;
const EPOCH = '1970-01-01T00:00:00.000Z';

/** Turns zod issues into field problems ("legs.0.qty: must be a decimal string"). */
function problemsOf(error: z.ZodError): FieldProblem[] {
  const seen = new Set<string>();
  const out: FieldProblem[] = [];
  for (const issue of error.issues) {
    let field = issue.path.join('.') || '(object)';
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      field = issue.keys.map((k) => [...issue.path, k].join('.')).join(', ');
      message = 'unknown field';
    }
    const text = `${field}: ${message}`;
    if (!seen.has(text)) {
      out.push({ field, message });
      seen.add(text);
    }
  }
  return out;
}

/**
 * Parses one journal object (already JSON-decoded). Decimals are checked for form here; rules
 * that need the ledger (unknown deployment, qty > 0) are checked by `eventProblem` in the core.
 */
export function parseJournalObject(value: unknown): { event: JournalEvent } | { problems: FieldProblem[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: [{ field: '(line)', message: 'must be a JSON object' }] };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type)) {
    return { problems: [{ field: 'type', message: `must be one of ${TYPES.map((t) => `"${t}"`).join(', ')}` }] };
  }
  // A fill comes flat (one deployment) or with `legs` (a block or an internal cross).
  const schema = type === 'fill' && 'legs' in value ? schemas.fill_legs : schemas[type as (typeof TYPES)[number]];
  const parsed = schema.safeParse(value);
  if (!parsed.success) return { problems: problemsOf(parsed.error) };
  return { event: toEvent(parsed.data) };
}

/** Parses one line of JSON-lines text. */
export function parseJournalLine(line: string): { event: JournalEvent } | { problems: FieldProblem[] } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { problems: [{ field: '(line)', message: `not valid JSON (${(error as Error).message})` }] };
  }
  return parseJournalObject(value);
}

type Parsed = { [K in keyof typeof schemas]: z.infer<(typeof schemas)[K]> }[keyof typeof schemas];

function toEvent(data: Parsed): JournalEvent {
  switch (data.type) {
    case 'deployment':
      return {
        type: 'deployment',
        deployment: data.deployment as DeploymentId,
        initialCapital: parseDec(data.initial_capital),
        costMethod: (data.cost_method ?? 'average') as CostMethod,
        name: data.name ?? data.deployment,
        strategy: data.strategy ?? data.deployment,
        limits: data.limits ?? {},
        ts: data.ts ?? EPOCH,
      };
    case 'fill': {
      const legs =
        'legs' in data
          ? data.legs
          : [
              {
                deployment: data.deployment,
                side: data.side,
                qty: data.qty,
                fee: data.fee,
                fee_currency: data.fee_currency,
              },
            ];
      return {
        type: 'fill',
        id: data.id as FillId,
        symbol: data.symbol as Symbol,
        price: parseDec(data.price),
        ts: data.ts,
        legs: legs.map((l) => ({
          deployment: l.deployment as DeploymentId,
          side: l.side,
          qty: parseDec(l.qty),
          fee: parseDec(l.fee ?? '0'),
          feeCurrency: l.fee_currency ?? 'quote',
        })),
        ...(data.order_id !== undefined ? { orderId: data.order_id } : {}),
      };
    }
    case 'capital_flow':
      return {
        type: 'capital_flow',
        id: data.id,
        deployment: data.deployment as DeploymentId,
        amount: parseDec(data.amount),
        ts: data.ts,
      };
    case 'split':
      return { type: 'split', symbol: data.symbol as Symbol, ratio: parseDec(data.ratio), ts: data.ts };
    case 'dividend':
      return {
        type: 'dividend',
        symbol: data.symbol as Symbol,
        amountPerShare: parseDec(data.amount_per_share),
        ts: data.ts,
      };
    case 'mark':
      return {
        type: 'mark',
        symbol: data.symbol as Symbol,
        price: parseDec(data.price),
        ts: data.ts,
        source: data.source ?? 'import',
      };
    case 'deployment_status':
      return {
        type: 'deployment_status',
        id: data.id,
        deployment: data.deployment as DeploymentId,
        status: data.status,
        ts: data.ts,
      };
    case 'order_submitted':
      return {
        type: 'order_submitted',
        id: data.id,
        deployment: data.deployment as DeploymentId,
        symbol: data.symbol as Symbol,
        side: data.side,
        qty: parseDec(data.qty),
        orderType: data.order_type,
        limitPrice: data.limit_price === null ? null : parseDec(data.limit_price),
        timeInForce: data.time_in_force,
        reservePrice: parseDec(data.reserve_price),
        idempotencyKey: data.idempotency_key,
        ...(data.after !== undefined ? { after: data.after } : {}),
        ts: data.ts,
      };
    case 'rebalance_completed':
      return { type: 'rebalance_completed', id: data.id, summary: data.summary, ts: data.ts };
    case 'block_submitted':
      return {
        type: 'block_submitted',
        id: data.id,
        symbol: data.symbol as Symbol,
        side: data.side,
        qty: parseDec(data.qty),
        orderType: data.order_type,
        limitPrice: data.limit_price === null ? null : parseDec(data.limit_price),
        timeInForce: data.time_in_force,
        policy: { method: data.policy.method, increment: data.policy.increment, feeUnit: data.policy.fee_unit },
        participants: data.participants.map((p) => ({
          deployment: p.deployment as DeploymentId,
          requested: parseDec(p.requested),
          reservePrice: parseDec(p.reserve_price),
        })),
        rebalanceId: data.rebalance_id,
        ts: data.ts,
      };
    case 'order_updated':
      return {
        type: 'order_updated',
        id: data.id,
        status: data.status,
        filledQty: parseDec(data.filled_qty),
        filledAvgPrice: data.filled_avg_price === null ? null : parseDec(data.filled_avg_price),
        brokerOrderId: data.broker_order_id,
        reason: data.reason,
        ts: data.ts,
      };
  }
}

/** The canonical stored form of an event (fills always with `legs`). Stable field order. */
export function encodeEvent(event: JournalEvent): string {
  switch (event.type) {
    case 'deployment':
      return JSON.stringify({
        type: 'deployment',
        deployment: event.deployment,
        initial_capital: toPlain(event.initialCapital),
        cost_method: event.costMethod,
        ...deploymentSettings(event),
        ts: event.ts,
      });
    case 'fill':
      return JSON.stringify({
        type: 'fill',
        id: event.id,
        symbol: event.symbol,
        price: toPlain(event.price),
        ts: event.ts,
        legs: event.legs.map((l) => ({
          deployment: l.deployment,
          side: l.side,
          qty: toPlain(l.qty),
          fee: toPlain(l.fee),
          fee_currency: l.feeCurrency,
        })),
        ...(event.orderId !== undefined ? { order_id: event.orderId } : {}),
      });
    case 'capital_flow':
      return JSON.stringify({
        type: 'capital_flow',
        id: event.id,
        deployment: event.deployment,
        amount: toPlain(event.amount),
        ts: event.ts,
      });
    case 'split':
      return JSON.stringify({ type: 'split', symbol: event.symbol, ratio: toPlain(event.ratio), ts: event.ts });
    case 'dividend':
      return JSON.stringify({
        type: 'dividend',
        symbol: event.symbol,
        amount_per_share: toPlain(event.amountPerShare),
        ts: event.ts,
      });
    case 'mark':
      return JSON.stringify({
        type: 'mark',
        symbol: event.symbol,
        price: toPlain(event.price),
        ts: event.ts,
        source: event.source,
      });
    case 'deployment_status':
      return JSON.stringify({
        type: 'deployment_status',
        id: event.id,
        deployment: event.deployment,
        status: event.status,
        ts: event.ts,
      });
    case 'order_submitted':
      return JSON.stringify({
        type: 'order_submitted',
        id: event.id,
        deployment: event.deployment,
        symbol: event.symbol,
        side: event.side,
        qty: toPlain(event.qty),
        order_type: event.orderType,
        limit_price: event.limitPrice === null ? null : toPlain(event.limitPrice),
        time_in_force: event.timeInForce,
        reserve_price: toPlain(event.reservePrice),
        idempotency_key: event.idempotencyKey,
        ...(event.after !== undefined ? { after: event.after } : {}),
        ts: event.ts,
      });
    case 'rebalance_completed':
      return JSON.stringify({ type: 'rebalance_completed', id: event.id, summary: event.summary, ts: event.ts });
    case 'block_submitted':
      return JSON.stringify({
        type: 'block_submitted',
        id: event.id,
        symbol: event.symbol,
        side: event.side,
        qty: toPlain(event.qty),
        order_type: event.orderType,
        limit_price: event.limitPrice === null ? null : toPlain(event.limitPrice),
        time_in_force: event.timeInForce,
        policy: { method: event.policy.method, increment: event.policy.increment, fee_unit: event.policy.feeUnit },
        participants: event.participants.map((p) => ({
          deployment: p.deployment,
          requested: toPlain(p.requested),
          reserve_price: toPlain(p.reservePrice),
        })),
        rebalance_id: event.rebalanceId,
        ts: event.ts,
      });
    case 'order_updated':
      return JSON.stringify({
        type: 'order_updated',
        id: event.id,
        status: event.status,
        filled_qty: toPlain(event.filledQty),
        filled_avg_price: event.filledAvgPrice === null ? null : toPlain(event.filledAvgPrice),
        broker_order_id: event.brokerOrderId,
        reason: event.reason,
        ts: event.ts,
      });
  }
}

/** Decodes a stored payload. Throws when the journal holds something unreadable (corruption). */
export function decodePayload(payload: string, where: string): JournalEvent {
  const result = parseJournalLine(payload);
  if ('problems' in result) {
    throw new Error(
      `corrupt journal entry ${where}: ${result.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
    );
  }
  return result.event;
}
