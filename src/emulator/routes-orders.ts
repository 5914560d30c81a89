/**
 * The emulator's order endpoints (spec `paths./v2/orders*`; FACTS §1.3–1.4):
 * POST/GET/DELETE /v2/orders, GET/DELETE /v2/orders/{order_id},
 * GET /v2/orders:by_client_order_id?client_order_id=.
 *
 * Invariants: the body is parsed at this edge (numbers as exact decimal text, strings or JSON
 * numbers accepted); the price fields each type takes are checked as Alpaca does (src/sim/order-types.ts);
 * what the emulator cannot simulate (bracket/OCO/OTO, opg/cls/fok) is a 422 that says so; the engine's rejections go out with Alpaca's status, code and words;
 * every refused submission is recorded in the venue's rejection log (order-log.ts).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { decimalProblem, parseDec } from '../core/decimal.js';
import type { ClientOrderId, Symbol } from '../core/ids.js';
import { countParam, queryOf, sendError, sendJson, sendRejection, timeFilter } from './http-util.js';
import { uuidFor } from './ids.js';
import { type RefusalRule, fieldsOfBody } from './order-log.js';
import { ORDER_TYPES, orderPrices } from '../sim/order-types.js';
import { type Venue, isCrypto } from './venue.js';

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
  client_order_id: z.string().max(128, 'client_order_id must be at most 128 characters').optional().nullable(),
  order_class: z.string().optional().nullable(),
  extended_hours: z.union([z.boolean(), z.string()]).optional().nullable(),
});

const UNSUPPORTED = 'is not supported by the Subledger emulator';

export function registerOrderRoutes(app: FastifyInstance, venue: Venue): void {
  let generated = 0;

  app.post('/v2/orders', async (request, reply) => {
    /** Refuses before the venue sees the order, recording the refusal. */
    const refuse = (rule: RefusalRule, status: number, code: number, message: string): FastifyReply => {
      venue.refuse(fieldsOfBody(request.body), { rule, httpStatus: status, alpacaCode: code, message });
      return sendError(reply, status, code, message);
    };
    const parsed = OrderBody.safeParse(request.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.');
      return refuse(
        'invalid_order',
        422,
        40010001,
        issue.message.includes(field) || !field ? issue.message : `${field} ${issue.message}`,
      );
    }
    const body = parsed.data;
    if (body.qty != null && body.notional != null)
      return refuse('invalid_order', 400, 40010000, 'qty and notional are mutually exclusive: send one of them');
    if (!(ORDER_TYPES as readonly string[]).includes(body.type))
      return refuse('unsupported', 422, 42210000, `order type ${body.type} ${UNSUPPORTED}`);
    if (body.order_class && body.order_class !== 'simple')
      return refuse('unsupported', 422, 42210000, `order_class ${body.order_class} ${UNSUPPORTED}`);
    if (!['day', 'gtc', 'ioc'].includes(body.time_in_force))
      return refuse('unsupported', 422, 42210000, `time_in_force ${body.time_in_force} ${UNSUPPORTED}`);
    const symbol = normalizeSymbol(venue, body.symbol);
    const priced = orderPrices(body, isCrypto(symbol));
    if ('problem' in priced) {
      const { status, code, message } = priced.problem;
      return refuse(code === 42210000 ? 'sub_penny_price' : 'invalid_order', status, code, message);
    }
    const result = venue.submit({
      clientOrderId: (body.client_order_id ?? uuidFor(venue.seed, `client-order:${++generated}`)) as ClientOrderId,
      symbol,
      side: body.side,
      ...(body.qty != null ? { qty: parseDec(body.qty) } : {}),
      ...(body.notional != null ? { notional: parseDec(body.notional) } : {}),
      ...priced.prices,
      timeInForce: body.time_in_force as 'day' | 'gtc' | 'ioc',
    });
    return result.ok ? sendJson(reply, 200, result.order) : sendRejection(reply, result.rejection);
  });

  app.get('/v2/orders', async (request, reply) => {
    const q = queryOf(request);
    const status = q.status ?? 'open';
    const limit = countParam(q.limit, 50, 500);
    const after = timeFilter(q.after);
    const until = timeFilter(q.until);
    const direction = q.direction ?? 'desc';
    if (!['open', 'closed', 'all'].includes(status))
      return sendError(reply, 422, 42210000, `invalid status: ${status}`);
    if (Number.isNaN(limit)) return sendError(reply, 422, 42210000, 'limit must be a whole number from 1 to 500');
    if (Number.isNaN(after) || Number.isNaN(until))
      return sendError(reply, 422, 42210000, 'after and until must be dates or RFC3339 times');
    if (!['asc', 'desc'].includes(direction)) return sendError(reply, 422, 42210000, 'direction must be asc or desc');
    const symbols = q.symbols ? new Set(q.symbols.split(',').map((s) => normalizeSymbol(venue, s.trim()))) : undefined;
    const open = (s: unknown) => ['new', 'partially_filled', 'pending_new', 'accepted'].includes(String(s));
    let orders = venue.allOrders().filter((o) => {
      const submitted = Date.parse(String(o.submitted_at));
      if (status !== 'all' && open(o.status) !== (status === 'open')) return false;
      if (after !== undefined && !(submitted > after)) return false;
      if (until !== undefined && !(submitted < until)) return false;
      if (symbols && !symbols.has(o.symbol as Symbol)) return false;
      return !(q.side && o.side !== q.side);
    });
    if (direction === 'desc') orders = orders.reverse();
    return sendJson(reply, 200, orders.slice(0, limit));
  });

  app.delete('/v2/orders', async (_request, reply) => {
    const open = venue.allOrders().filter((o) => ['new', 'partially_filled'].includes(String(o.status)));
    const results = open.map((o) => {
      const outcome = venue.cancel(o.id);
      return { id: o.id, status: outcome.ok ? 200 : outcome.rejection.httpStatus };
    });
    return sendJson(reply, 207, results);
  });

  app.get('/v2/orders::by_client_order_id', async (request, reply) => {
    const id = queryOf(request).client_order_id;
    if (!id) return sendError(reply, 422, 40010001, 'client_order_id is required');
    const order = venue.orderByClientId(id);
    return order ? sendJson(reply, 200, order) : sendError(reply, 404, 40410000, 'order not found');
  });

  app.get<{ Params: { order_id: string } }>('/v2/orders/:order_id', async (request, reply) => {
    const order = venue.order(request.params.order_id);
    return order ? sendJson(reply, 200, order) : sendError(reply, 404, 40410000, 'order not found');
  });

  app.delete<{ Params: { order_id: string } }>('/v2/orders/:order_id', async (request, reply) => {
    const outcome = venue.cancel(request.params.order_id);
    return outcome.ok ? reply.code(204).send() : sendRejection(reply, outcome.rejection);
  });
}

/** `BTCUSD` (the legacy crypto form) names `BTC/USD` when the venue trades that (FACTS §1.5). */
export function normalizeSymbol(venue: Venue, symbol: string): Symbol {
  if (venue.symbols.includes(symbol as Symbol)) return symbol as Symbol;
  return venue.symbols.find((s) => s.replace('/', '') === symbol) ?? (symbol as Symbol);
}
