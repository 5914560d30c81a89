/**
 * The REST API's composition: `buildServer({ api, auth })` returns a Fastify instance (not yet
 * listening) that validates every request and response with zod, authenticates bearer tokens,
 * answers every error as `{ code, message, details }`, and serves the OpenAPI document at
 * /openapi.json and Swagger UI at /docs. It knows only the `SubledgerApi` facade.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import type { SubledgerApi } from '../app/api.js';
import type { PerformanceApi } from '../app/performance-api.js';
import type { App } from './app-types.js';
import { type AuthConfig, checkAuthConfig } from './auth.js';
import { installAuth } from './auth-hook.js';
import { BODY_LIMIT_BYTES, installErrorHandling } from './error-handler.js';
import { registerOpenApi } from './openapi.js';
import { accountRoutes } from './routes/account.js';
import { capitalFlowRoutes } from './routes/capital-flows.js';
import { deploymentRoutes } from './routes/deployments.js';
import { healthRoutes } from './routes/health.js';
import { orderRoutes } from './routes/orders.js';
import { performanceRoutes } from './routes/performance.js';
import { type RebalanceApi, rebalanceRoutes } from './routes/rebalances.js';
import { type WebOptions, registerWeb } from './routes/web.js';
import { sleeveRoutes } from './routes/sleeve.js';
import { validatorCompiler } from './validation.js';

export interface ServerOptions {
  readonly api: SubledgerApi;
  readonly auth: AuthConfig;
  /** Statistics, history, snapshots and equity series (src/http/routes/performance.ts); absent: not served. */
  readonly performance?: PerformanceApi;
  /** The dashboard at `/` and its live feed (src/http/routes/web.ts); absent: not served. */
  readonly web?: WebOptions;
  /** The multi-strategy engine's runs (src/http/routes/rebalances.ts); absent: not served. */
  readonly rebalances?: RebalanceApi;
  /** Log requests and errors with pino (default false). */
  readonly logger?: boolean;
}

/** Builds the server; throws when the auth config is unsafe (short admin token or secret). */
export function buildServer(options: ServerOptions): FastifyInstance {
  checkAuthConfig(options.auth);
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: BODY_LIMIT_BYTES });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  acceptOnlyJson(app);
  installErrorHandling(app);
  installAuth(app, options.auth);
  if (options.web) registerWeb(app, options.web);
  app.register(async (scope) => {
    await registerOpenApi(scope);
    const routes = scope.withTypeProvider() as unknown as App;
    const deps = { api: options.api };
    healthRoutes(routes, deps);
    accountRoutes(routes, deps);
    deploymentRoutes(routes, deps);
    sleeveRoutes(routes, deps);
    orderRoutes(routes, deps);
    capitalFlowRoutes(routes, deps);
    if (options.performance) performanceRoutes(routes, options.performance);
    if (options.rebalances) rebalanceRoutes(routes, options.rebalances);
  });
  return app;
}

/** Bodies are JSON only; an empty body is "no body" (POST /deployments/{id}/pause needs none). */
function acceptOnlyJson(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text.trim() === '') return done(null, undefined);
    parseJson(request, text, done);
  });
}
