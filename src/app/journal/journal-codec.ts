/**
 * The journal's wire format: one JSON object per event, decimals as strings, snake_case fields
 * (the same shapes `subledger import` reads). Parsing is strict: an unknown field, a number where
 * a decimal string belongs, a malformed decimal or a value beyond the journal's bounds
 * (journal-bounds.ts: lengths, sizes, the years 1970–2100) is an error naming the field.
 *
 * One schema per event type is the journal's only definition: the reader applies it to every
 * stored line, and every writer applies it to each event before it is committed
 * (`encodeChecked`, called by `LedgerService.append`), so an entry that was written can always be
 * read back.
 *
 * Entry points: `parseJournalLine` (text → event or problems), `encodeEvent` (event → canonical
 * payload), `encodeChecked` (the payload and what the reader would refuse in it), `admitEvent`
 * (a writer's event with its free text cut to the bounds), `decodePayload` (stored payload →
 * event; throws on a corrupt journal), `INTERNAL_TYPES` (the app's own event types, never imported).
 */
import { z } from 'zod';
import { ONE, decimalProblem, parseDec, toPlain } from '../../core/decimal.js';
import {
  type CostMethod,
  type DeploymentOpened,
  type FillBooked,
  type LedgerEvent,
  type Side,
  eventKey,
} from '../../core/events.js';
import type { OrderStatus } from '../../core/orders.js';
import type { AllocationPolicy } from '../../core/allocation.js';
import type { Dec } from '../../core/decimal.js';
import { JournalCorruptError } from '../errors.js';
import { type DeploymentId, type FillId, type Symbol, deploymentIdProblem, symbolProblem } from '../../core/ids.js';
import {
  MAX_ALLOWED_SYMBOLS,
  MAX_AMOUNT,
  MAX_DIVIDEND_PER_SHARE,
  MAX_FLOW_ID_CHARS,
  MAX_ID_CHARS,
  MAX_NAME_CHARS,
  MAX_PRICE,
  MAX_QTY,
  MAX_REASON_CHARS,
  MAX_SOURCE_CHARS,
  MAX_SPLIT_RATIO,
  MAX_STRATEGY_CHARS,
  MIN_SPLIT_RATIO,
  boundedText,
  clampReason,
  hasControlCharacter,
  idempotencyKeyText,
  magnitudeProblem,
  timeRangeProblem,
} from './journal-bounds.js';

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
  /** The order this one replaces (a replace through the gateway); absent otherwise. */
  readonly replaces?: string;
  /**
   * A stop trigger (src/core/orders.ts `StopTrigger`): a stop is a market order with `stopPrice`, a
   * stop_limit a limit order with it, a trailing stop a market order with one trail. Absent on
   * other orders (and in journals written before stops existed).
   */
  readonly stopPrice?: Dec;
  readonly trailPrice?: Dec;
  readonly trailPercent?: Dec;
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
  /**
   * The client order id of the broker order this report is about, when it is not the order's own
   * id (an order restored or re-sent by the internal book under a new broker order).
   */
  readonly carrier?: string;
  readonly ts: string;
}

/**
 * The internal book's routing of an order (src/core/internal-book.ts): `hold` keeps it working in
 * its sleeve but not at the broker; `carry` gives it a broker order (`carrier`, for `qty`, what is
 * left of it); `withdraw` cancels its broker order `carrier` at the broker to make way for order
 * `for` — the order itself stays working and is carried again once nothing is in its way;
 * `cancel` and `expire` end an order that the broker holds nothing for (its sleeve cancelled it
 * while it was held, or an immediate-or-cancel order found nothing without waiting); `trigger`
 * marks a held stop order triggered by the book (the reference price reached its stop): from then
 * on it works as its type, a market or limit order.
 */
export interface OrderRouted {
  readonly type: 'order_routed';
  readonly id: string;
  readonly action: 'hold' | 'carry' | 'withdraw' | 'cancel' | 'expire' | 'trigger';
  readonly carrier: string | null;
  readonly qty: Dec | null;
  readonly for: string | null;
  readonly reason: string | null;
  readonly ts: string;
}

/**
 * An internal match between two sleeves' orders (journaled with the `fill` event `id` that books
 * it): `qty` at `price`, the reference price named by `source`, no fee, no broker order.
 */
export interface OrderCrossed {
  readonly type: 'order_crossed';
  readonly id: string;
  readonly symbol: Symbol;
  readonly buyOrder: string;
  readonly sellOrder: string;
  readonly qty: Dec;
  readonly price: Dec;
  readonly source: string;
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
export function orderUpdatedFrom(id: string, order: BrokerOrderReport, ts: string, carrier?: string): OrderUpdated {
  return {
    type: 'order_updated',
    id,
    status: order.status,
    filledQty: order.filledQty,
    filledAvgPrice: order.filledAvgPrice ?? null,
    brokerOrderId: order.brokerOrderId,
    reason: order.reason ?? null,
    ...(carrier !== undefined && carrier !== id ? { carrier } : {}),
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

/**
 * A valuation taken at `at` from the live books (snapshots, history rows), journaled with
 * `ts` = `at` + 1 ms: every record journaled after it counts after `at`, so a replay as of `at`
 * folds exactly what the live books held (a late report stamped before `at` cannot slip in).
 */
export interface ValuationTaken {
  readonly type: 'valuation_taken';
  readonly at: string;
  readonly ts: string;
}

/**
 * One step of flattening a deployment (src/app/risk/flatten.ts), with who asked and why: `requested`
 * (its status is set to stopped and its working orders cancelled), `orders_sent` (the market
 * orders that close exactly its positions, `orders`), `done` (nothing left to close). `id` names
 * the flatten; its steps share it.
 */
export interface DeploymentFlattened {
  readonly type: 'deployment_flattened';
  readonly id: string;
  readonly deployment: DeploymentId;
  readonly step: 'requested' | 'orders_sent' | 'done';
  /** Who asked: `admin`, `deployment:<id>` (its own token), `limit:<name>` (a loss limit), `cli`. */
  readonly by: string;
  readonly reason: string;
  readonly orders: readonly string[];
  readonly ts: string;
}

/**
 * A deployment's loss limit found breached (src/core/loss-limits.ts) and the action taken on it:
 * `value` is the figure seen (a loss in money, or a drawdown in percent), `threshold` the limit.
 * Journaled once per deployment and limit and trading day (`id`).
 */
export interface LimitBreached {
  readonly type: 'limit_breached';
  readonly id: string;
  readonly deployment: DeploymentId;
  readonly limit: 'max_daily_loss' | 'max_drawdown_pct';
  readonly value: Dec;
  readonly threshold: Dec;
  readonly action: 'pause' | 'flatten';
  readonly ts: string;
}

/** Events the app journals beside the ledger's: they change no money, only state around it. */
export type AppEvent =
  | DeploymentFlattened
  | LimitBreached
  | DeploymentStatusChanged
  | OrderSubmitted
  | OrderUpdated
  | OrderRouted
  | OrderCrossed
  | BlockSubmitted
  | RebalanceCompleted
  | ValuationTaken;

export type LedgerJournalEvent = Exclude<LedgerEvent, DeploymentOpened> | DeploymentCreated;
export type JournalEvent = LedgerJournalEvent | AppEvent;

export const isAppEvent = (event: JournalEvent): event is AppEvent =>
  event.type === 'deployment_status' ||
  event.type === 'deployment_flattened' ||
  event.type === 'limit_breached' ||
  event.type === 'order_submitted' ||
  event.type === 'order_updated' ||
  event.type === 'order_routed' ||
  event.type === 'order_crossed' ||
  event.type === 'block_submitted' ||
  event.type === 'rebalance_completed' ||
  event.type === 'valuation_taken';

/** The journal's uniqueness key of any event. */
export function journalKey(event: JournalEvent): string {
  switch (event.type) {
    case 'deployment_status':
      return `deployment_status:${event.id}`;
    case 'deployment_flattened':
      return `deployment_flattened:${event.id}:${event.step}`;
    case 'limit_breached':
      return `limit_breached:${event.id}`;
    case 'order_submitted':
    case 'block_submitted':
      return `order:${event.id}`;
    case 'rebalance_completed':
      return `rebalance:${event.id}`;
    case 'valuation_taken':
      return `valuation:${event.at}`;
    case 'order_updated':
      return event.carrier === undefined
        ? `order_updated:${event.id}:${event.status}:${toPlain(event.filledQty)}`
        : `order_updated:${event.id}:${event.carrier}:${event.status}:${toPlain(event.filledQty)}`;
    case 'order_routed':
      // Two steps of one order in the same millisecond (simulated time stands still between
      // steps) differ by what they say: the reason is part of the key (hashed, to keep it short).
      return `order_routed:${event.id}:${event.action}:${event.carrier ?? ''}:${event.ts}:${fnv1a(`${event.for ?? ''}|${event.reason ?? ''}`)}`;
    case 'order_crossed':
      return `order_crossed:${event.id}`;
    default:
      return eventKey(event);
  }
}

/** FNV-1a, 32 bits, as 8 hex digits: a short stable digest of a text (not a security measure). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
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

const DECIMAL_HINT = 'must be a decimal string, e.g. "150.25"';
const decimalError = (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : DECIMAL_HINT);

/** A decimal string (form only: sign, ≤ 20 integer and ≤ 18 fractional digits). */
const decimal = z.string({ error: decimalError }).superRefine((value, ctx) => {
  const problem = decimalProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
/** A decimal string at most `max` in size (either sign). */
const boundedDecimal = (max: Dec) => {
  const digits = integerDigits(toPlain(max));
  return z.string({ error: decimalError }).superRefine((value, ctx) => {
    const problem =
      decimalProblem(value) ??
      // Fewer integer digits than the bound (a power of ten) is within it: no need to parse.
      (integerDigits(value) < digits ? undefined : magnitudeProblem(parseDec(value), max));
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
};

/** Integer digits of a well-formed decimal string, leading zeros and sign left out ("-012.5" → 2). */
function integerDigits(text: string): number {
  const first = text.charCodeAt(0);
  let i = first === 45 || first === 43 ? 1 : 0;
  while (text.charCodeAt(i) === 48) i++;
  const dot = text.indexOf('.', i);
  return (dot < 0 ? text.length : dot) - i;
}
const qty = boundedDecimal(MAX_QTY);
const price = boundedDecimal(MAX_PRICE);
const amount = boundedDecimal(MAX_AMOUNT);
const splitRatio = z.string({ error: decimalError }).superRefine((value, ctx) => {
  const problem = decimalProblem(value);
  if (problem) return void ctx.addIssue({ code: 'custom', message: problem });
  const ratio = parseDec(value);
  if (ratio > 0n && (ratio < MIN_SPLIT_RATIO || ratio > MAX_SPLIT_RATIO))
    ctx.addIssue({
      code: 'custom',
      message: `must be from ${toPlain(MIN_SPLIT_RATIO)} to ${toPlain(MAX_SPLIT_RATIO)}`,
    });
});
/** An ISO-8601 time with a zone, in the years 1970–2100. */
const isoTime = z.iso
  .datetime({
    offset: true,
    abort: true, // a malformed time has no year to check
    error: (issue) =>
      issue.input === undefined ? 'is required' : 'must be an ISO-8601 time with a zone, e.g. "2025-01-02T15:00:00Z"',
  })
  .superRefine((value, ctx) => {
    const problem = timeRangeProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const deploymentId = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .superRefine((value, ctx) => {
    const problem = deploymentIdProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const symbol = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .superRefine((value, ctx) => {
    const problem = symbolProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const id = boundedText(MAX_ID_CHARS);
const side = z.enum(['buy', 'sell'], { error: 'must be "buy" or "sell"' });
const feeCurrency = z.enum(['quote', 'base'], { error: 'must be "quote" or "base"' });
const orderType = z.enum(['market', 'limit'], { error: 'must be "market" or "limit"' });
const timeInForce = z.enum(['day', 'gtc', 'ioc'], { error: 'must be "day", "gtc" or "ioc"' });
const reason = z
  .string({ error: 'must be a string' })
  .max(MAX_REASON_CHARS, { error: `must be at most ${MAX_REASON_CHARS} characters` })
  .refine((text) => !text.includes('\u0000'), { error: 'must not contain NUL characters' });

/**
 * A deployment's risk limits as journaled (see limits.ts): the known ones typed; any other key (a
 * limit added later) must be a bounded decimal string or a boolean.
 */
const limits = z
  .strictObject({
    max_order_notional: amount.optional(),
    max_position_value: amount.optional(),
    max_position_pct: amount.optional(),
    allowed_symbols: z
      .array(symbol)
      .max(MAX_ALLOWED_SYMBOLS, { error: `must list at most ${MAX_ALLOWED_SYMBOLS} symbols` })
      .optional(),
    allow_short: z.boolean({ error: 'must be true or false' }).optional(),
    max_leverage: amount.optional(),
    max_daily_loss: amount.optional(),
    max_drawdown_pct: amount.optional(),
    on_breach: z.enum(['pause', 'flatten'], { error: 'must be "pause" or "flatten"' }).optional(),
  })
  .catchall(
    z.unknown().superRefine((value, ctx) => {
      if (typeof value === 'boolean') return;
      const problem =
        typeof value === 'string'
          ? (decimalProblem(value) ?? magnitudeProblem(parseDec(value), MAX_AMOUNT))
          : 'must be a decimal string or true/false';
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  );

const leg = z.strictObject({
  deployment: deploymentId,
  side,
  qty,
  fee: amount.optional(),
  fee_currency: feeCurrency.optional(),
});

/** The money a fill moves, leg by leg: qty × price within MAX_AMOUNT (reported on the leg's qty). */
const AMOUNT_DIGITS = integerDigits(toPlain(MAX_AMOUNT)) - 1;
function notionalProblems(
  price: unknown,
  legs: readonly { qty: unknown }[],
  at: (index: number) => (string | number)[],
  ctx: z.RefinementCtx,
): void {
  if (typeof price !== 'string') return;
  const priceDigits = integerDigits(price);
  for (const [index, l] of legs.entries()) {
    // a < 10^m and b < 10^n make a × b < 10^(m+n): only a product that could reach the bound is computed.
    if (typeof l.qty !== 'string' || integerDigits(l.qty) + priceDigits <= AMOUNT_DIGITS) continue;
    // zod runs an object's refinement even when a field failed its own check: only values that
    // passed theirs are multiplied (a field beyond its own bound is reported once, by that field).
    const q = within(l.qty, MAX_QTY);
    const p = within(price, MAX_PRICE);
    if (q !== undefined && p !== undefined && q * p > MAX_AMOUNT * ONE)
      ctx.addIssue({
        code: 'custom',
        path: at(index),
        message: `qty × price must be at most ${toPlain(MAX_AMOUNT)}`,
      });
  }
}

/** `text` as a Dec when it is a decimal string within `max` in size, else undefined. */
function within(text: string, max: Dec): Dec | undefined {
  if (decimalProblem(text) !== undefined) return undefined;
  const value = parseDec(text);
  return magnitudeProblem(value, max) === undefined ? value : undefined;
}

const schemas = {
  deployment: z.strictObject({
    type: z.literal('deployment'),
    deployment: deploymentId,
    initial_capital: amount,
    cost_method: z.enum(['average', 'fifo'], { error: 'must be "average" or "fifo"' }).optional(),
    name: boundedText(MAX_NAME_CHARS).optional(),
    strategy: boundedText(MAX_STRATEGY_CHARS).optional(),
    limits: limits.optional(),
    ts: isoTime.optional(),
  }),
  fill_legs: z
    .strictObject({
      type: z.literal('fill'),
      id,
      symbol,
      price,
      ts: isoTime,
      legs: z.array(leg).min(1, { error: 'must list at least one leg' }),
      order_id: id.optional(),
    })
    .superRefine((fill, ctx) => notionalProblems(fill.price, fill.legs, (i) => ['legs', i, 'qty'], ctx)),
  fill: z
    .strictObject({
      type: z.literal('fill'),
      id,
      deployment: deploymentId,
      symbol,
      side,
      qty,
      price,
      fee: amount.optional(),
      fee_currency: feeCurrency.optional(),
      ts: isoTime,
      order_id: id.optional(),
    })
    .superRefine((fill, ctx) => notionalProblems(fill.price, [fill], () => ['qty'], ctx)),
  capital_flow: z.strictObject({
    type: z.literal('capital_flow'),
    id: boundedText(MAX_FLOW_ID_CHARS),
    deployment: deploymentId,
    amount,
    ts: isoTime,
  }),
  split: z.strictObject({ type: z.literal('split'), symbol, ratio: splitRatio, ts: isoTime }),
  dividend: z.strictObject({
    type: z.literal('dividend'),
    symbol,
    amount_per_share: boundedDecimal(MAX_DIVIDEND_PER_SHARE),
    ts: isoTime,
  }),
  mark: z.strictObject({
    type: z.literal('mark'),
    symbol,
    price,
    ts: isoTime,
    source: boundedText(MAX_SOURCE_CHARS).optional(),
  }),
  deployment_status: z.strictObject({
    type: z.literal('deployment_status'),
    id,
    deployment: deploymentId,
    status: z.enum(['active', 'paused', 'stopped']),
    ts: isoTime,
  }),
  deployment_flattened: z.strictObject({
    type: z.literal('deployment_flattened'),
    id,
    deployment: deploymentId,
    step: z.enum(['requested', 'orders_sent', 'done']),
    by: boundedText(MAX_NAME_CHARS),
    reason,
    orders: z.array(id).max(MAX_ALLOWED_SYMBOLS, { error: `must list at most ${MAX_ALLOWED_SYMBOLS} orders` }),
    ts: isoTime,
  }),
  limit_breached: z.strictObject({
    type: z.literal('limit_breached'),
    id,
    deployment: deploymentId,
    limit: z.enum(['max_daily_loss', 'max_drawdown_pct']),
    value: amount,
    threshold: amount,
    action: z.enum(['pause', 'flatten']),
    ts: isoTime,
  }),
  order_submitted: z.strictObject({
    type: z.literal('order_submitted'),
    id,
    deployment: deploymentId,
    symbol,
    side,
    qty,
    order_type: orderType,
    limit_price: price.nullable(),
    time_in_force: timeInForce,
    reserve_price: price,
    idempotency_key: idempotencyKeyText().nullable(),
    after: id.optional(),
    replaces: id.optional(),
    stop_price: price.optional(),
    trail_price: price.optional(),
    trail_percent: price.optional(),
    ts: isoTime,
  }),
  rebalance_completed: z.strictObject({
    type: z.literal('rebalance_completed'),
    id,
    summary: z.record(z.string(), z.unknown()),
    ts: isoTime,
  }),
  valuation_taken: z.strictObject({
    type: z.literal('valuation_taken'),
    at: isoTime,
    ts: isoTime,
  }),
  block_submitted: z.strictObject({
    type: z.literal('block_submitted'),
    id,
    symbol,
    side,
    qty,
    order_type: orderType,
    limit_price: price.nullable(),
    time_in_force: timeInForce,
    policy: z.strictObject({
      method: z.enum(['pro_rata_earliest_deadline', 'pro_rata_largest_deficit']),
      increment: decimal,
      fee_unit: decimal,
    }),
    participants: z.array(z.strictObject({ deployment: deploymentId, requested: qty, reserve_price: price })).min(1),
    rebalance_id: id.nullable(),
    ts: isoTime,
  }),
  order_updated: z.strictObject({
    type: z.literal('order_updated'),
    id,
    status: z.enum([
      'pending_new',
      'new',
      'partially_filled',
      'pending_cancel',
      'filled',
      'canceled',
      'rejected',
      'expired',
    ]),
    filled_qty: qty,
    filled_avg_price: price.nullable(),
    broker_order_id: id.nullable(),
    reason: reason.nullable(),
    carrier: id.optional(),
    ts: isoTime,
  }),
  order_routed: z.strictObject({
    type: z.literal('order_routed'),
    id,
    action: z.enum(['hold', 'carry', 'withdraw', 'cancel', 'expire', 'trigger']),
    carrier: id.nullable(),
    qty: qty.nullable(),
    for: id.nullable(),
    reason: reason.nullable(),
    ts: isoTime,
  }),
  order_crossed: z.strictObject({
    type: z.literal('order_crossed'),
    id,
    symbol,
    buy_order: id,
    sell_order: id,
    qty,
    price,
    source: boundedText(MAX_SOURCE_CHARS),
    ts: isoTime,
  }),
};

/**
 * The event types only Subledger itself journals — orders and their broker reports, block orders,
 * rebalance runs, deployment status changes. They describe this process's own conversation with
 * the broker, so `subledger import` refuses them (an imported `order_submitted` would be an open
 * order no broker knows, reserving cash for ever).
 */
const APP_TYPES = [
  'deployment_status',
  'deployment_flattened',
  'limit_breached',
  'order_submitted',
  'order_updated',
  'order_routed',
  'order_crossed',
  'block_submitted',
  'rebalance_completed',
  'valuation_taken',
] as const;
export const INTERNAL_TYPES: ReadonlySet<string> = new Set(APP_TYPES);

const TYPES = ['deployment', 'fill', 'capital_flow', 'split', 'dividend', 'mark', ...APP_TYPES] as const;
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
    case 'deployment_flattened':
      return {
        type: 'deployment_flattened',
        id: data.id,
        deployment: data.deployment as DeploymentId,
        step: data.step,
        by: data.by,
        reason: data.reason,
        orders: data.orders,
        ts: data.ts,
      };
    case 'limit_breached':
      return {
        type: 'limit_breached',
        id: data.id,
        deployment: data.deployment as DeploymentId,
        limit: data.limit,
        value: parseDec(data.value),
        threshold: parseDec(data.threshold),
        action: data.action,
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
        ...(data.replaces !== undefined ? { replaces: data.replaces } : {}),
        ...(data.stop_price !== undefined ? { stopPrice: parseDec(data.stop_price) } : {}),
        ...(data.trail_price !== undefined ? { trailPrice: parseDec(data.trail_price) } : {}),
        ...(data.trail_percent !== undefined ? { trailPercent: parseDec(data.trail_percent) } : {}),
        ts: data.ts,
      };
    case 'rebalance_completed':
      return { type: 'rebalance_completed', id: data.id, summary: data.summary, ts: data.ts };
    case 'valuation_taken':
      return { type: 'valuation_taken', at: data.at, ts: data.ts };
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
        ...(data.carrier !== undefined ? { carrier: data.carrier } : {}),
        ts: data.ts,
      };
    case 'order_routed':
      return {
        type: 'order_routed',
        id: data.id,
        action: data.action,
        carrier: data.carrier,
        qty: data.qty === null ? null : parseDec(data.qty),
        for: data.for,
        reason: data.reason,
        ts: data.ts,
      };
    case 'order_crossed':
      return {
        type: 'order_crossed',
        id: data.id,
        symbol: data.symbol as Symbol,
        buyOrder: data.buy_order,
        sellOrder: data.sell_order,
        qty: parseDec(data.qty),
        price: parseDec(data.price),
        source: data.source,
        ts: data.ts,
      };
  }
}

/** The canonical stored form of an event (fills always with `legs`). Stable field order. */
export function encodeEvent(event: JournalEvent): string {
  return (event.type === 'fill' ? plainFillPayload(event) : undefined) ?? JSON.stringify(wireOf(event));
}

/** An event as the plain object its payload is the JSON of. */
function wireOf(event: JournalEvent): Record<string, unknown> {
  switch (event.type) {
    case 'deployment':
      return {
        type: 'deployment',
        deployment: event.deployment,
        initial_capital: toPlain(event.initialCapital),
        cost_method: event.costMethod,
        ...deploymentSettings(event),
        ts: event.ts,
      };
    case 'fill':
      return {
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
      };
    case 'capital_flow':
      return {
        type: 'capital_flow',
        id: event.id,
        deployment: event.deployment,
        amount: toPlain(event.amount),
        ts: event.ts,
      };
    case 'split':
      return { type: 'split', symbol: event.symbol, ratio: toPlain(event.ratio), ts: event.ts };
    case 'dividend':
      return {
        type: 'dividend',
        symbol: event.symbol,
        amount_per_share: toPlain(event.amountPerShare),
        ts: event.ts,
      };
    case 'mark':
      return {
        type: 'mark',
        symbol: event.symbol,
        price: toPlain(event.price),
        ts: event.ts,
        source: event.source,
      };
    case 'deployment_status':
      return {
        type: 'deployment_status',
        id: event.id,
        deployment: event.deployment,
        status: event.status,
        ts: event.ts,
      };
    case 'deployment_flattened':
      return {
        type: 'deployment_flattened',
        id: event.id,
        deployment: event.deployment,
        step: event.step,
        by: event.by,
        reason: event.reason,
        orders: [...event.orders],
        ts: event.ts,
      };
    case 'limit_breached':
      return {
        type: 'limit_breached',
        id: event.id,
        deployment: event.deployment,
        limit: event.limit,
        value: toPlain(event.value),
        threshold: toPlain(event.threshold),
        action: event.action,
        ts: event.ts,
      };
    case 'order_submitted':
      return {
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
        ...(event.replaces !== undefined ? { replaces: event.replaces } : {}),
        ...(event.stopPrice !== undefined ? { stop_price: toPlain(event.stopPrice) } : {}),
        ...(event.trailPrice !== undefined ? { trail_price: toPlain(event.trailPrice) } : {}),
        ...(event.trailPercent !== undefined ? { trail_percent: toPlain(event.trailPercent) } : {}),
        ts: event.ts,
      };
    case 'rebalance_completed':
      return { type: 'rebalance_completed', id: event.id, summary: event.summary, ts: event.ts };
    case 'valuation_taken':
      return { type: 'valuation_taken', at: event.at, ts: event.ts };
    case 'block_submitted':
      return {
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
      };
    case 'order_updated':
      return {
        type: 'order_updated',
        id: event.id,
        status: event.status,
        filled_qty: toPlain(event.filledQty),
        filled_avg_price: event.filledAvgPrice === null ? null : toPlain(event.filledAvgPrice),
        broker_order_id: event.brokerOrderId,
        reason: event.reason,
        ...(event.carrier !== undefined ? { carrier: event.carrier } : {}),
        ts: event.ts,
      };
    case 'order_routed':
      return {
        type: 'order_routed',
        id: event.id,
        action: event.action,
        carrier: event.carrier,
        qty: event.qty === null ? null : toPlain(event.qty),
        for: event.for,
        reason: event.reason,
        ts: event.ts,
      };
    case 'order_crossed':
      return {
        type: 'order_crossed',
        id: event.id,
        symbol: event.symbol,
        buy_order: event.buyOrder,
        sell_order: event.sellOrder,
        qty: toPlain(event.qty),
        price: toPlain(event.price),
        source: event.source,
        ts: event.ts,
      };
  }
}

/**
 * A writer's event as it will be journaled: free text that comes from outside (an order's status
 * reason, i.e. the broker's words) cut to its bound. Everything else is left to `encodeChecked`.
 */
export function admitEvent<E extends JournalEvent>(event: E): E {
  if ((event.type === 'order_updated' || event.type === 'order_routed') && event.reason !== null) {
    const reason = clampReason(event.reason);
    if (reason !== event.reason) return { ...event, reason };
  }
  return event;
}

/**
 * The payload of `event` and what the reader would refuse in it: the same schema as
 * `parseJournalObject`, applied to the object before it is turned into text (no JSON round trip).
 */
export function encodeChecked(event: JournalEvent): { payload: string; problems: readonly FieldProblem[] } {
  if (event.type === 'fill') {
    const payload = plainFillPayload(event);
    if (payload !== undefined) return { payload, problems: NO_PROBLEMS };
  }
  const wire = wireOf(event);
  const parsed = schemas[event.type === 'fill' ? 'fill_legs' : event.type].safeParse(wire);
  return { payload: JSON.stringify(wire), problems: parsed.success ? NO_PROBLEMS : problemsOf(parsed.error) };
}
const NO_PROBLEMS: readonly FieldProblem[] = Object.freeze([]);

/**
 * A fill's payload, built as text, when every rule of its schema (`schemas.fill_legs`) certainly
 * holds, checked on the event itself; else undefined, and the schema decides and names the field.
 * A journal is mostly fills, and walking each one's wire object through zod was most of its cost.
 * Conservative by construction: a time in another form than `…T00:00:00[.fff]Z` or on a 29th–31st,
 * an order id or fill id that needs checking, goes to the schema. The text is byte for byte
 * `encodeEvent` (journal-write.test.ts checks both against the schema and `encodeEvent`).
 */
function plainFillPayload(event: FillBooked): string | undefined {
  const { id, symbol, price, ts, legs, orderId } = event;
  if (!isPlainId(id) || typeof symbol !== 'string' || symbolProblem(symbol) !== undefined) return undefined;
  if (typeof price !== 'bigint' || price > MAX_PRICE || price < -MAX_PRICE) return undefined;
  if (typeof ts !== 'string' || !PLAIN_TIME.test(ts) || timeRangeProblem(ts) !== undefined) return undefined;
  if (orderId !== undefined && !isPlainId(orderId)) return undefined;
  if (!Array.isArray(legs as unknown) || legs.length === 0) return undefined;
  const priceText = toPlain(price);
  const magnitude = price < 0n ? -price : price;
  let text = `{"type":"fill","id":${JSON.stringify(id)},"symbol":"${symbol}","price":"${priceText}","ts":"${ts}","legs":[`;
  for (let i = 0; i < legs.length; i++) {
    const { deployment, side, qty, fee, feeCurrency } = legs[i]!;
    if (typeof deployment !== 'string' || deploymentIdProblem(deployment) !== undefined) return undefined;
    if (side !== 'buy' && side !== 'sell') return undefined;
    if (feeCurrency !== 'quote' && feeCurrency !== 'base') return undefined;
    if (typeof qty !== 'bigint' || qty > MAX_QTY || qty < -MAX_QTY) return undefined;
    if (typeof fee !== 'bigint' || fee > MAX_AMOUNT || fee < -MAX_AMOUNT) return undefined;
    if ((qty < 0n ? -qty : qty) * magnitude > MAX_AMOUNT * ONE) return undefined; // the notional bound
    text += `${i === 0 ? '' : ','}{"deployment":"${deployment}","side":"${side}","qty":"${toPlain(qty)}","fee":"${toPlain(fee)}","fee_currency":"${feeCurrency}"}`;
  }
  return orderId === undefined ? `${text}]}` : `${text}],"order_id":${JSON.stringify(orderId)}}`;
}

/** An id `boundedText(MAX_ID_CHARS)` accepts: 1–128 characters, no control character. */
const isPlainId = (text: unknown): text is string =>
  typeof text === 'string' && text.length > 0 && text.length <= MAX_ID_CHARS && !hasControlCharacter(text);

/**
 * Times the schema's ISO-8601 check certainly accepts: UTC, days 01–28 (no month length to
 * check), optional fraction. Deployment ids and symbols (their patterns) and decimal text
 * (digits, a point, a sign) never need escaping in JSON; ids may, and are quoted by JSON.stringify.
 */
const PLAIN_TIME = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?Z$/;

/** Decodes a stored payload. Throws when the journal holds something unreadable (corruption). */
export function decodePayload(payload: string, where: string): JournalEvent {
  if (typeof payload !== 'string') throw new JournalCorruptError(where, [{ field: 'payload', message: 'is not text' }]);
  const result = parseJournalLine(payload);
  if ('problems' in result) {
    // Names the seq, each field and why (a payload that is not JSON at all: field `payload`).
    const problems = result.problems.map((p) => (p.field === '(line)' ? { ...p, field: 'payload' } : p));
    throw new JournalCorruptError(where, problems);
  }
  return result.event;
}
