/**
 * Installs auth on the server: an `onRequest` hook that authenticates the bearer token and
 * checks the route's `access` (src/http/auth.ts) before the body is even read. Routes without an
 * `access` are admin-only, except the OpenAPI document, the docs page and unknown routes.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Access, type AuthConfig, authenticate, authorize } from './auth.js';

const PUBLIC_PATHS = /^\/(openapi\.json$|docs(\/|$))/;

function accessOf(request: FastifyRequest): Access {
  const declared = request.routeOptions.config.access;
  if (declared) return declared;
  if (request.is404 || PUBLIC_PATHS.test(request.routeOptions.url ?? '')) return 'public';
  return 'admin';
}

export function installAuth(app: FastifyInstance, config: AuthConfig): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const access = accessOf(request);
    if (access === 'public') return;
    const principal = authenticate(request.headers.authorization, config);
    const params = request.params as Record<string, string | undefined> | undefined;
    authorize(principal, access, params?.id);
    request.principal = principal;
  });
}
