/**
 * GET /account (admin): the broker account, the sleeves' sum, the house sleeve and the
 * reconciliation differences (Σ deployments + house = broker).
 */
import { type App, type RouteDeps, bearer } from '../app-types.js';
import { accountSchema, errorResponses, reconciliationSchema } from '../schemas/outputs.js';

export function accountRoutes(app: App, { api }: RouteDeps): void {
  app.get(
    '/account',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['account'],
        summary: 'Broker account, sleeves, house and reconciliation',
        security: bearer,
        response: { 200: accountSchema, ...errorResponses },
      },
    },
    () => api.account(),
  );
  app.get(
    '/account/reconciliation',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['account'],
        summary: 'Σ deployments + house = broker, per symbol and for cash, with each difference and its likely cause',
        security: bearer,
        response: { 200: reconciliationSchema, ...errorResponses },
      },
    },
    async () => {
      const { reconciled, differences, as_of } = await api.account();
      return { reconciled, differences, as_of };
    },
  );
}
