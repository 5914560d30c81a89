/**
 * Seed 000's read paths, exactly: GET /deployments/{id}/metrics, /positions and /trades (the
 * trades page by `symbol`, `from`, `to`, `limit` 1..1000 (default 100) and `cursor`). Admin or
 * the deployment's own token. Metrics and positions are served from bodies kept serialized
 * between commits (src/http/ready-bodies.ts); their schemas still document and check them.
 */
import { type App, type RouteDeps, bearer } from '../app-types.js';
import { deploymentParams } from '../schemas/common.js';
import { tradesQuery } from '../schemas/inputs.js';
import { errorResponses, metricsSchema, positionSchema, tradePageSchema } from '../schemas/outputs.js';
import { ReadyBodies, sendJson } from '../ready-bodies.js';

export function sleeveRoutes(app: App, { api }: RouteDeps): void {
  const common = { config: { access: 'own' as const } };
  const ready = new ReadyBodies(api);
  app.get(
    '/deployments/:id/metrics',
    {
      ...common,
      schema: {
        tags: ['sleeve'],
        summary: "The deployment's virtual account: cash, positions value, P&L, return, buying power",
        security: bearer,
        params: deploymentParams,
        response: { 200: metricsSchema, ...errorResponses },
      },
    },
    (request, reply) => sendJson(reply, ready.metrics(request.params.id)),
  );

  app.get(
    '/deployments/:id/positions',
    {
      ...common,
      schema: {
        tags: ['sleeve'],
        summary: "The deployment's own positions (never the whole account's)",
        security: bearer,
        params: deploymentParams,
        response: { 200: positionSchema.array(), ...errorResponses },
      },
    },
    (request, reply) => sendJson(reply, ready.positions(request.params.id)),
  );

  app.get(
    '/deployments/:id/trades',
    {
      ...common,
      schema: {
        tags: ['sleeve'],
        summary: "The deployment's trades (its share of each fill) with realized P&L",
        security: bearer,
        params: deploymentParams,
        querystring: tradesQuery,
        response: { 200: tradePageSchema, ...errorResponses },
      },
    },
    (request) => api.trades(request.params.id, request.query),
  );
}
