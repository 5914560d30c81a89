/**
 * Capital flows of one deployment: POST /deployments/{id}/capital-flows (admin; signed non-zero
 * amount, optional `Idempotency-Key`) and GET /deployments/{id}/capital-flows (admin or own).
 */
import { type App, type RouteDeps, bearer } from '../app-types.js';
import { deploymentParams, idempotencyHeaders } from '../schemas/common.js';
import { capitalFlowBody } from '../schemas/inputs.js';
import { capitalFlowSchema, errorResponses } from '../schemas/outputs.js';

export function capitalFlowRoutes(app: App, { api }: RouteDeps): void {
  app.post(
    '/deployments/:id/capital-flows',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['capital'],
        summary: 'Move capital from the house into the deployment (positive) or back (negative, at most its free cash)',
        security: bearer,
        params: deploymentParams,
        headers: idempotencyHeaders,
        body: capitalFlowBody,
        response: { 201: capitalFlowSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const flow = await api.moveCapital(request.params.id, request.body.amount, request.headers['idempotency-key']);
      return reply.code(201).send(flow);
    },
  );

  app.get(
    '/deployments/:id/capital-flows',
    {
      config: { access: 'own' },
      schema: {
        tags: ['capital'],
        summary: "The deployment's capital flows",
        security: bearer,
        params: deploymentParams,
        response: { 200: capitalFlowSchema.array(), ...errorResponses },
      },
    },
    (request) => api.capitalFlows(request.params.id),
  );
}
