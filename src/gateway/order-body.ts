/**
 * Alpaca's order bodies (POST /v2/orders, PATCH /v2/orders/{id}) parsed at the gateway's edge:
 * numbers as exact decimal text (strings or JSON numbers), the bot's `client_order_id` kept, and
 * each type's price fields checked as Alpaca checks them (stop, stop_limit, trailing_stop too), and
 * what Subledger cannot route yet (bracket/OCO/OTO, opg/cls/fok, extended hours) refused with Alpaca's 422 shape, naming the field.
 *
 * Entry points: `parseOrderBody` → `SubmitOrderInput` or an error answer; `parseReplaceBody`.
 */
import { z } from 'zod';
import { decimalProblem, parseDec } from '../core/decimal.js';
import type { SubmitOrderInput } from '../app/api.js';
import { idempotencyKeyProblem } from '../app/journal/journal-bounds.js';
import { ORDER_TYPES, orderPrices, priceProblem } from '../sim/order-types.js';
import type { AlpacaErrorAnswer } from './errors.js';

const decimalText = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .refine((v) => decimalProblem(v) === undefined, { message: 'is not a decimal number' });

const OrderBody = z.object({
  symbol: z.string({ error: 'symbol is required' }).min(1, 'symbol is required'),
  qty: decimalText.optional().nullable(),
  notional: decimalText.optional().nullable(),
  side: z.enum(['buy', 'sell'], { error: 'side must be buy or sell' }),
  type: z.string({ error: 'type is required' }),
  time_in_force: z.string({ error: 'time_in_force is required' }),
  limit_price: decimalText.optional().nullable(),
  stop_price: decimalText.optional().nullable(),
  trail_price: decimalText.optional().nullable(),
  trail_percent: decimalText.optional().nullable(),
  client_order_id: z.string().optional().nullable(),
  order_class: z.string().optional().nullable(),
  extended_hours: z.union([z.boolean(), z.string()]).optional().nullable(),
  position_intent: z.string().optional().nullable(),
});

const ReplaceBody = z.object({
  qty: decimalText.optional().nullable(),
  limit_price: decimalText.optional().nullable(),
  stop_price: decimalText.optional().nullable(),
  trail: decimalText.optional().nullable(),
  time_in_force: z.string().optional().nullable(),
  client_order_id: z.string().optional().nullable(),
});

export interface ReplaceInput {
  readonly qty?: string;
  readonly limitPrice?: string;
  readonly stopPrice?: string;
  /** A trailing stop's new trail, in its own unit (trail_price or trail_percent). */
  readonly trail?: string;
  readonly timeInForce?: string;
  readonly clientOrderId?: string;
}

const invalid = (message: string): AlpacaErrorAnswer => ({ status: 422, body: { code: 40010001, message } });
const unsupported = (what: string): AlpacaErrorAnswer => ({
  status: 422,
  body: { code: 42210000, message: `${what} is not supported by the Subledger gateway yet` },
});

function firstIssue(error: z.ZodError): AlpacaErrorAnswer {
  const issue = error.issues[0]!;
  const field = issue.path.join('.');
  return invalid(issue.message.includes(field) || !field ? issue.message : `${field} ${issue.message}`);
}

/** The order a bot asked for, or why it cannot be taken (Alpaca's status, code and words). */
export function parseOrderBody(
  body: unknown,
): { input: SubmitOrderInput; clientOrderId: string | undefined } | { error: AlpacaErrorAnswer } {
  const parsed = OrderBody.safeParse(body ?? {});
  if (!parsed.success) return { error: firstIssue(parsed.error) };
  const b = parsed.data;
  if (b.qty != null && b.notional != null) return { error: invalid('qty and notional are mutually exclusive') };
  if (b.qty == null && b.notional == null) return { error: invalid('qty or notional is required') };
  if (!ORDER_TYPES.includes(b.type as never)) return { error: unsupported(`order type ${b.type}`) };
  if (b.order_class && b.order_class !== 'simple') return { error: unsupported(`order_class ${b.order_class}`) };
  if (!['day', 'gtc', 'ioc'].includes(b.time_in_force))
    return { error: unsupported(`time_in_force ${b.time_in_force}`) };
  if (b.extended_hours === true || b.extended_hours === 'true') return { error: unsupported('extended_hours') };
  if (b.type === 'limit' && b.limit_price == null)
    return { error: invalid('limit_price is required for limit orders') };
  const priced = orderPrices(b, b.symbol.includes('/'));
  if ('problem' in priced) {
    const { status, code, message } = priced.problem;
    return { error: { status, body: { code, message } } };
  }
  if (b.client_order_id != null && idempotencyKeyProblem(b.client_order_id))
    return { error: invalid('client_order_id must be 1 to 128 visible ASCII characters') };
  const input: SubmitOrderInput = {
    symbol: b.symbol.toUpperCase(),
    side: b.side,
    ...(b.qty != null ? { qty: parseDec(b.qty) } : {}),
    ...(b.notional != null ? { notional: parseDec(b.notional) } : {}),
    ...priced.prices,
    timeInForce: b.time_in_force as 'day' | 'gtc' | 'ioc',
  };
  return { input, clientOrderId: b.client_order_id ?? undefined };
}

/** A replace request (PATCH), or why it cannot be taken. */
export function parseReplaceBody(body: unknown): { input: ReplaceInput } | { error: AlpacaErrorAnswer } {
  const parsed = ReplaceBody.safeParse(body ?? {});
  if (!parsed.success) return { error: firstIssue(parsed.error) };
  const b = parsed.data;
  const stopProblem = b.stop_price == null ? undefined : priceProblem('stop_price', parseDec(b.stop_price));
  if (stopProblem)
    return { error: { status: stopProblem.status, body: { code: stopProblem.code, message: stopProblem.message } } };
  if (b.trail != null && parseDec(b.trail) <= 0n) return { error: invalid('trail must be greater than 0') };
  if (b.time_in_force != null && !['day', 'gtc', 'ioc'].includes(b.time_in_force))
    return { error: unsupported(`time_in_force ${b.time_in_force}`) };
  if (b.client_order_id != null && idempotencyKeyProblem(b.client_order_id))
    return { error: invalid('client_order_id must be 1 to 128 visible ASCII characters') };
  return {
    input: {
      ...(b.qty != null ? { qty: b.qty } : {}),
      ...(b.limit_price != null ? { limitPrice: b.limit_price } : {}),
      ...(b.stop_price != null ? { stopPrice: b.stop_price } : {}),
      ...(b.trail != null ? { trail: b.trail } : {}),
      ...(b.time_in_force != null ? { timeInForce: b.time_in_force } : {}),
      ...(b.client_order_id != null ? { clientOrderId: b.client_order_id } : {}),
    },
  };
}
