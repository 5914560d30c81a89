/**
 * GET /health (no auth): store, broker and journal status. 200 when ok, 503 when degraded, so a
 * load balancer can act on the status code alone.
 */
import type { App, RouteDeps } from '../app-types.js';
import { errorSchema, healthSchema } from '../schemas/outputs.js';

export function healthRoutes(app: App, { api }: RouteDeps): void {
  app.get(
    '/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Health of the store, the broker connection and the journal',
        response: { 200: healthSchema, 503: healthSchema, 500: errorSchema },
      },
    },
    async (_request, reply) => {
      const health = await api.health();
      return reply.code(health.status === 'ok' ? 200 : 503).send(health);
    },
  );
}
