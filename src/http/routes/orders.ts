/**
 * Orders of one deployment (admin or its own token): POST /deployments/{id}/orders (risk check,
 * journal, send; optional `Idempotency-Key`), GET /deployments/{id}/orders?status&limit,
 * DELETE /deployments/{id}/orders/{orderId}. Bodies are fully validated before the facade is
 * called, so malformed input never reaches the journal. The list is served from bodies kept
 * serialized between commits (src/http/ready-bodies.ts).
 */
import type { SubmitOrderInput } from '../../app/api.js';
import { type App, type RouteDeps, bearer } from '../app-types.js';
import { deploymentParams, idempotencyHeaders, orderParams } from '../schemas/common.js';
import { ordersQuery, submitOrderBody } from '../schemas/inputs.js';
import { errorResponses, orderSchema } from '../schemas/outputs.js';
import { ReadyBodies, sendJson } from '../ready-bodies.js';

export function orderRoutes(app: App, { api }: RouteDeps): void {
  const ready = new ReadyBodies(api);
  app.post(
    '/deployments/:id/orders',
    {
      config: { access: 'own' },
      schema: {
        tags: ['orders'],
        summary: 'Submit an order through the risk check (qty XOR notional; limit_price iff type=limit)',
        security: bearer,
        params: deploymentParams,
        headers: idempotencyHeaders,
        body: submitOrderBody,
        response: { 201: orderSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const input: SubmitOrderInput = {
        symbol: body.symbol,
        side: body.side,
        qty: body.qty,
        notional: body.notional,
        type: body.type,
        limitPrice: body.limit_price,
        timeInForce: body.time_in_force,
        idempotencyKey: request.headers['idempotency-key'],
      };
      return reply.code(201).send(await api.submitOrder(request.params.id, input));
    },
  );

  app.get(
    '/deployments/:id/orders',
    {
      config: { access: 'own' },
      schema: {
        tags: ['orders'],
        summary: "The deployment's orders",
        security: bearer,
        params: deploymentParams,
        querystring: ordersQuery,
        response: { 200: orderSchema.array(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await api.resolveOrders(request.params.id); // touching orders resolves the unacknowledged ones
      return sendJson(reply, ready.orders(request.params.id, request.query));
    },
  );

  app.delete(
    '/deployments/:id/orders/:orderId',
    {
      config: { access: 'own' },
      schema: {
        tags: ['orders'],
        summary: 'Cancel an open order (409 ORDER_NOT_CANCELABLE when it is already final)',
        security: bearer,
        params: orderParams,
        response: { 200: orderSchema, ...errorResponses },
      },
    },
    (request) => api.cancelOrder(request.params.id, request.params.orderId),
  );
}
