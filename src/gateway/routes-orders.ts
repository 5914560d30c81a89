/**
 * The gateway's order endpoints, each on the calling deployment's sleeve only: submit (through the
 * sleeve's risk check and the internal book), list with Alpaca's filters, get by id or by client
 * order id, replace, cancel, cancel all.
 *
 * Invariants: a bot only ever sees and touches its own deployment's orders (another's id is "order
 * not found"); its `client_order_id` is unique in its namespace (a second use is Alpaca's 422);
 * reads are answered from the ledger, never forwarded to the broker.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Dec, parseDec } from '../core/decimal.js';
import type { DeploymentId } from '../core/ids.js';
import { type OrderState, isOpen, isTerminal, remainingQty } from '../core/orders.js';
import { idempotencyIndex, replacementOf } from '../app/journal/account-state.js';
import type { Subledger } from '../app/subledger.js';
import { alpacaError } from './errors.js';
import { parseOrderBody, parseReplaceBody } from './order-body.js';
import { type Wire, orderUuid, orderWire } from './wire.js';

export const deploymentOf = (request: FastifyRequest) =>
  (request as FastifyRequest & { deployment: DeploymentId }).deployment;

export function sendAlpacaError(reply: FastifyReply, error: unknown): FastifyReply {
  const { status, body } = alpacaError(error);
  return reply.code(status).type('application/json').send(body);
}

const notFound = (reply: FastifyReply) =>
  reply.code(404).type('application/json').send({ code: 40410000, message: 'order not found' });

/** An order in Alpaca's shape, with its replace links (`replaces`, `replaced_by`) from the journal. */
export function orderOut(app: Subledger, order: OrderState): Wire {
  const wire = orderWire(order);
  const replaces = order.replaces;
  const replacedBy = replacementOf(app.service.state, order.id);
  if (replaces) wire.replaces = orderUuid(app.service.state.orders.get(replaces)!);
  if (replacedBy) {
    wire.replaced_by = orderUuid(app.service.state.orders.get(replacedBy)!);
    if (order.status === 'canceled') {
      wire.status = 'replaced';
      wire.replaced_at = order.updatedAt;
      wire.canceled_at = null;
    }
  }
  return wire;
}

export function registerOrderRoutes(app: Subledger, fastify: FastifyInstance): void {
  const uuids = new Map<string, string>(); // uuid → order id, filled as orders are seen
  const ordersOf = (deployment: DeploymentId): OrderState[] =>
    app.service.state.ordersByDeployment.get(deployment) ?? [];
  const byUuid = (deployment: DeploymentId, uuid: string): OrderState | undefined => {
    const known = uuids.get(uuid);
    if (known === undefined)
      for (const order of ordersOf(deployment)) {
        const id = orderUuid(order);
        uuids.set(id, order.id);
        if (id === uuid) break;
      }
    const order = app.service.state.orders.get(uuids.get(uuid) ?? '');
    return order && order.deployment === deployment ? order : undefined;
  };
  const byClientId = (deployment: DeploymentId, clientOrderId: string): OrderState | undefined => {
    const id = app.service.state.idempotency.get(idempotencyIndex(deployment, clientOrderId));
    const order = id === undefined ? app.service.state.orders.get(clientOrderId) : app.service.state.orders.get(id);
    return order && order.deployment === deployment ? order : undefined;
  };

  /** Submits for `deployment`; a client order id already used is Alpaca's 422. */
  const submit = async (deployment: DeploymentId, body: unknown) => {
    const parsed = parseOrderBody(body);
    if ('error' in parsed) return parsed;
    const clientOrderId = parsed.clientOrderId ?? randomUUID();
    if (byClientId(deployment, clientOrderId))
      return { error: { status: 422, body: { code: 40010001, message: 'client_order_id must be unique' } } };
    const view = await app.submitOrder(deployment, { ...parsed.input, idempotencyKey: clientOrderId });
    return { order: app.service.state.orders.get(view.id)! };
  };

  fastify.post('/v2/orders', async (request, reply) => {
    try {
      const result = await submit(deploymentOf(request), request.body);
      if ('error' in result) return reply.code(result.error.status).send(result.error.body);
      return reply.send(orderOut(app, result.order));
    } catch (error) {
      return sendAlpacaError(reply, error);
    }
  });

  fastify.get('/v2/orders', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const status = q.status ?? 'open';
    if (!['open', 'closed', 'all'].includes(status))
      return reply.code(422).send({ code: 40010001, message: 'status must be open, closed or all' });
    const limit = q.limit === undefined ? 50 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      return reply.code(422).send({ code: 40010001, message: 'limit must be an integer from 1 to 500' });
    const direction = q.direction ?? 'desc';
    if (direction !== 'asc' && direction !== 'desc')
      return reply.code(422).send({ code: 40010001, message: 'direction must be asc or desc' });
    const after = q.after ? Date.parse(q.after) : undefined;
    const until = q.until ? Date.parse(q.until) : undefined;
    if (Number.isNaN(after) || Number.isNaN(until))
      return reply.code(422).send({ code: 40010001, message: 'after and until must be RFC 3339 times' });
    const symbols = q.symbols ? new Set(q.symbols.split(',').map((s) => s.trim().toUpperCase())) : undefined;
    const chosen = ordersOf(deploymentOf(request)).filter((o) => {
      if (status !== 'all' && (status === 'open') !== isOpen(o)) return false;
      const at = Date.parse(o.createdAt);
      if ((after !== undefined && at <= after) || (until !== undefined && at >= until)) return false;
      if (symbols && !symbols.has(o.symbol)) return false;
      return !q.side || o.side === q.side;
    });
    const ordered = direction === 'desc' ? chosen.reverse() : chosen;
    return reply.send(ordered.slice(0, limit).map((o) => orderOut(app, o)));
  });

  fastify.get('/v2/orders::by_client_order_id', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const order = q.client_order_id ? byClientId(deploymentOf(request), q.client_order_id) : undefined;
    return order ? reply.send(orderOut(app, order)) : notFound(reply);
  });

  fastify.get<{ Params: { id: string } }>('/v2/orders/:id', async (request, reply) => {
    const order = byUuid(deploymentOf(request), request.params.id);
    return order ? reply.send(orderOut(app, order)) : notFound(reply);
  });

  fastify.delete<{ Params: { id: string } }>('/v2/orders/:id', async (request, reply) => {
    const deployment = deploymentOf(request);
    const order = byUuid(deployment, request.params.id);
    if (!order) return notFound(reply);
    if (isTerminal(order.status))
      return reply.code(422).send({ code: 42210000, message: `order is already in "${order.status}" state` });
    try {
      await app.cancelOrder(deployment, order.id);
      return reply.code(204).send();
    } catch (error) {
      return sendAlpacaError(reply, error);
    }
  });

  fastify.delete('/v2/orders', async (request, reply) => {
    const deployment = deploymentOf(request);
    const open = ordersOf(deployment).filter(isOpen);
    const results = [];
    for (const order of open) {
      try {
        await app.cancelOrder(deployment, order.id);
        results.push({ id: orderUuid(order), status: 200, body: orderOut(app, order) });
      } catch (error) {
        const { status, body } = alpacaError(error);
        results.push({ id: orderUuid(order), status, body });
      }
    }
    return reply.code(207).send(results);
  });

  fastify.patch<{ Params: { id: string } }>('/v2/orders/:id', async (request, reply) => {
    const deployment = deploymentOf(request);
    const old = byUuid(deployment, request.params.id);
    if (!old) return notFound(reply);
    const parsed = parseReplaceBody(request.body);
    if ('error' in parsed) return reply.code(parsed.error.status).send(parsed.error.body);
    if (!isOpen(old)) return reply.code(422).send({ code: 42210000, message: 'order is not open' });
    const { input } = parsed;
    if (input.clientOrderId && byClientId(deployment, input.clientOrderId))
      return reply.code(422).send({ code: 40010001, message: 'client_order_id must be unique' });
    try {
      // Alpaca replaces an order by cancelling it and placing the new one; so does the gateway,
      // waiting for the broker's word that the old one ended before the new one is placed.
      await app.cancelOrder(deployment, old.id);
      await until(() => isTerminal(old.status), 10_000);
      if (!isTerminal(old.status))
        return reply.code(503).send({ code: 50310000, message: 'the broker has not confirmed the cancel yet; retry' });
      if (old.status === 'filled') return reply.code(422).send({ code: 42210000, message: 'order is already filled' });
      const qty: Dec = input.qty !== undefined ? parseDec(input.qty) : remainingQty(old);
      const view = await app.submitOrder(deployment, {
        symbol: old.symbol,
        side: old.side,
        qty,
        type: old.orderType,
        ...(old.orderType === 'limit'
          ? { limitPrice: input.limitPrice !== undefined ? parseDec(input.limitPrice) : old.limitPrice! }
          : {}),
        // A stop keeps its kind; `stop_price` and `trail` (in the trail's own unit) change it.
        ...(old.stopPrice !== undefined
          ? { stopPrice: input.stopPrice !== undefined ? parseDec(input.stopPrice) : old.stopPrice }
          : {}),
        ...(old.trailPrice !== undefined
          ? { trailPrice: input.trail !== undefined ? parseDec(input.trail) : old.trailPrice }
          : {}),
        ...(old.trailPercent !== undefined
          ? { trailPercent: input.trail !== undefined ? parseDec(input.trail) : old.trailPercent }
          : {}),
        timeInForce: (input.timeInForce ?? old.timeInForce) as 'day' | 'gtc' | 'ioc',
        idempotencyKey: input.clientOrderId ?? randomUUID(),
        replaces: old.id,
      });
      return reply.send(orderOut(app, app.service.state.orders.get(view.id)!));
    } catch (error) {
      return sendAlpacaError(reply, error);
    }
  });
}

/** Waits (polling the in-memory state) until `done()` or `ms` pass. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (let pause = 5; !done() && Date.now() < deadline; pause = Math.min(pause * 2, 100))
    await new Promise((resolve) => setTimeout(resolve, pause));
}
