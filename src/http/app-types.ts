/**
 * Types shared by the server and the route modules: the Fastify instance with the zod type
 * provider, the per-route `access` config and the authenticated `principal` on each request.
 */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Principal, SubledgerApi } from '../app/api.js';
import type { Access } from './auth.js';
import type { TokenIssuer } from './tokens.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (src/http/auth.ts); routes without it are admin-only. */
    access?: Access;
  }
  interface FastifyRequest {
    /** Set by the auth hook on every route that is not public. */
    principal: Principal | null;
  }
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression<RawServerDefault>,
  RawReplyDefaultExpression<RawServerDefault>,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** What every route module receives. */
export interface RouteDeps {
  readonly api: SubledgerApi;
  /** Deployment tokens (issued at creation, re-issued on request). */
  readonly tokens: TokenIssuer;
}

/** The `security` requirement of token-protected routes in the OpenAPI document. */
export const bearer = [{ bearerAuth: [] }];
