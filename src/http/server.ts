/**
 * The REST API's composition: `buildServer({ api, auth })` returns a Fastify instance (not yet
 * listening) that validates every request and response with zod, authenticates bearer tokens,
 * answers every error as `{ code, message, details }`, and serves the OpenAPI document at
 * /openapi.json and Swagger UI at /docs. It knows only the `SubledgerApi` facade.
 *
 * Logging (when given a pino logger): one line per request — `req_id`, `method`, `route`, `url`
 * (query values of secret-looking names hidden), `status`, `duration_ms`, `principal` — at info
 * (warn for a 503, error for any other 5xx), and the error of every 500 under the same `req_id`. The request id is the
 * caller's `X-Request-Id` when it is a plain token of ≤ 64 characters, else a fresh UUID; every
 * answer carries it back in `X-Request-Id` (and a 500 in `details.request_id`). Headers and bodies
 * are never logged.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import type { SubledgerApi } from '../app/api.js';
import type { PerformanceApi } from '../app/performance/performance-api.js';
import type { App } from './app-types.js';
import { type AuthConfig, checkAuthConfig } from './auth.js';
import { installAuth } from './auth-hook.js';
import { BODY_LIMIT_BYTES, installErrorHandling } from './error-handler.js';
import { registerOpenApi } from './openapi.js';
import { accountRoutes } from './routes/account.js';
import { capitalFlowRoutes } from './routes/capital-flows.js';
import { deploymentRoutes } from './routes/deployments.js';
import { type ClusterView, healthRoutes } from './routes/health.js';
import { orderRoutes } from './routes/orders.js';
import { performanceRoutes } from './routes/performance.js';
import { type RebalanceApi, rebalanceRoutes } from './routes/rebalances.js';
import { type WebOptions, registerWeb } from './routes/web.js';
import { sleeveRoutes } from './routes/sleeve.js';
import { controlRoutes } from './routes/controls.js';
import type { ControlsApi } from '../app/risk/controls.js';
import { type GatewayKeyAdmin, gatewayKeyRoutes } from './routes/gateway-keys.js';
import { DeploymentTokens, type TokenIssuer } from './tokens.js';
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
  /**
   * Deployment tokens: the one `POST /deployments` returns and `POST /deployments/{id}/token`
   * re-issues (src/http/tokens.ts). Default: derived from `auth.tokenSecret`, re-issues kept in
   * memory only (the composition root passes the store's).
   */
  readonly tokens?: TokenIssuer;
  /** Flatten, loss-limit breaches and the wash-sale report (src/http/routes/controls.ts); absent: not served. */
  readonly controls?: ControlsApi;
  /** The gateway's key pairs (src/http/routes/gateway-keys.ts); absent: their routes are not served. */
  readonly gatewayKeys?: GatewayKeyAdmin;
  /** Logs each request and every unexpected error (a pino logger: src/logging.ts). Default: no logging. */
  readonly logger?: FastifyBaseLogger;
  /**
   * Called when a request met an error the process must not survive (a corrupt journal entry):
   * the request is answered 500 first. Default: nothing more.
   */
  readonly onFatal?: (error: Error) => void;
  /** This process among several on one store (writer or standby): /health reports it, /ready serves. */
  readonly cluster?: () => Promise<ClusterView>;
}

/** Longest path parameter the router lets through to the routes' schemas. */
const MAX_PATH_PARAM_CHARS = 1000;

/** Builds the server; throws when the auth config is unsafe (short admin token or secret). */
export function buildServer(options: ServerOptions): FastifyInstance {
  checkAuthConfig(options.auth);
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // One line per request, ours (below), instead of Fastify's two; the id as `req_id`.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'req_id' }),
    genReqId: requestIdOf,
    bodyLimit: BODY_LIMIT_BYTES,
    // Path parameters are checked by the routes' schemas (with their own, documented bounds), so
    // the router's own limit sits well above them; what the router itself refuses (a parameter
    // past that, bad %-encoding) is answered in the API's error shape, never Fastify's.
    routerOptions: { maxParamLength: MAX_PATH_PARAM_CHARS },
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const reason =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? `a path parameter is longer than ${MAX_PATH_PARAM_CHARS} characters`
          : 'not a valid URL (malformed %-encoding)';
      void reply.code(400).send({
        code: 'VALIDATION_FAILED',
        message: `path: ${reason}`,
        details: { in: 'params', fields: [{ field: 'path', message: reason }] },
      });
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  acceptOnlyJson(app);
  logRequests(app);
  installErrorHandling(app, options.onFatal ? { onFatal: options.onFatal } : {});
  const tokens = options.tokens ?? DeploymentTokens.inMemory(options.auth.tokenSecret);
  installAuth(app, { ...options.auth, generationOf: (id) => tokens.generationOf(id) });
  if (options.web) registerWeb(app, options.web);
  app.register(async (scope) => {
    await registerOpenApi(scope);
    const routes = scope.withTypeProvider() as unknown as App;
    const deps = { api: options.api, tokens };
    healthRoutes(routes, deps, options.cluster);
    accountRoutes(routes, deps);
    deploymentRoutes(routes, deps);
    sleeveRoutes(routes, deps);
    orderRoutes(routes, deps);
    capitalFlowRoutes(routes, deps);
    if (options.performance) performanceRoutes(routes, options.performance);
    if (options.rebalances) rebalanceRoutes(routes, options.rebalances);
    if (options.gatewayKeys) gatewayKeyRoutes(routes, deps, options.gatewayKeys);
    if (options.controls) controlRoutes(routes, options.controls);
  });
  return app;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The caller's `X-Request-Id` when it is a plain token, else a fresh UUID. */
function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Query parameters whose values are never logged. */
const SECRET_PARAM = /token|secret|key|password|auth/i;

/** The request's path and query for a log line, with secret-looking query values hidden. */
function loggedUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url.slice(0, 500);
  const params = new URLSearchParams(url.slice(at + 1));
  for (const name of [...params.keys()]) if (SECRET_PARAM.test(name)) params.set(name, '[redacted]');
  return `${url.slice(0, at)}?${params.toString()}`.slice(0, 500);
}

function principalOf(request: FastifyRequest): string | undefined {
  const p = request.principal;
  return p ? (p.kind === 'admin' ? 'admin' : `deployment:${p.deployment}`) : undefined;
}

/** Every answer carries its request id; every request is one log line once answered. */
function logRequests(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const principal = principalOf(request);
    const fields = {
      method: request.method,
      route: request.routeOptions.url ?? null,
      url: loggedUrl(request.url),
      status,
      duration_ms: Math.round(reply.elapsedTime * 10) / 10,
      ...(principal ? { principal } : {}),
    };
    // A 503 is a dependency away (broker, lease), retried by the caller; any other 5xx is ours.
    if (status === 503) request.log.warn(fields, 'request');
    else if (status >= 500) request.log.error(fields, 'request');
    else request.log.info(fields, 'request');
    done();
  });
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
