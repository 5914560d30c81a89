/**
 * Gateway keys (admin): POST /deployments/{id}/gateway-keys creates a key pair for the
 * deployment's bots to use with Alpaca's clients against the gateway (the secret is in this answer
 * only; only its hash is kept), GET lists the deployment's keys (never a secret) with the last
 * time each was used, DELETE /deployments/{id}/gateway-keys/{keyId} revokes one at once.
 */
import { z } from 'zod';
import { AppError } from '../../app/errors.js';
import { type App, type RouteDeps, bearer } from '../app-types.js';
import { deploymentIdInput, deploymentParams } from '../schemas/common.js';
import { errorResponses } from '../schemas/outputs.js';
import { doc } from '../schemas/registry.js';

const named = <T extends z.ZodType>(id: string, schema: T): T => doc(schema, { id });

/** What the routes need of the gateway's key store (src/gateway/keys.ts implements it). */
export interface GatewayKeyAdmin {
  create(deployment: string): Promise<{ keyId: string; secret: string; view: GatewayKeyView }>;
  list(deployment?: string): GatewayKeyView[];
  revoke(deployment: string, keyId: string): Promise<GatewayKeyView | undefined>;
}

export interface GatewayKeyView {
  readonly key_id: string;
  readonly deployment_id: string;
  readonly created_at: string;
  readonly revoked_at: string | null;
  readonly last_used_at: string | null;
}

const keySchema = named(
  'GatewayKey',
  z.object({
    key_id: z.string(),
    deployment_id: z.string(),
    created_at: z.string(),
    revoked_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
  }),
);
const createdKeySchema = named(
  'GatewayKeyCreated',
  z.object({
    key_id: z.string(),
    secret: z.string().describe('Shown this once: only its SHA-256 is kept.'),
    deployment_id: z.string(),
    created_at: z.string(),
  }),
);
const keyParams = z.strictObject({ id: deploymentIdInput, keyId: z.string().min(1).max(64) });

export function gatewayKeyRoutes(app: App, { api }: RouteDeps, keys: GatewayKeyAdmin): void {
  app.post(
    '/deployments/:id/gateway-keys',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['gateway'],
        summary: "Create a gateway key pair for a deployment's bots",
        description: 'Answers `key_id` (use as APCA-API-KEY-ID) and `secret` (APCA-API-SECRET-KEY), shown this once.',
        security: bearer,
        params: deploymentParams,
        response: { 201: createdKeySchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = api.getDeployment(request.params.id); // NOT_FOUND for an unknown id (or the house)
      const created = await keys.create(id);
      return reply.code(201).send({
        key_id: created.keyId,
        secret: created.secret,
        deployment_id: id,
        created_at: created.view.created_at,
      });
    },
  );

  app.get(
    '/deployments/:id/gateway-keys',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['gateway'],
        summary: "A deployment's gateway keys (never their secrets)",
        security: bearer,
        params: deploymentParams,
        response: { 200: z.array(keySchema), ...errorResponses },
      },
    },
    (request) => keys.list(api.getDeployment(request.params.id).id),
  );

  app.delete(
    '/deployments/:id/gateway-keys/:keyId',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['gateway'],
        summary: 'Revoke a gateway key (refused from now on, also after a restart)',
        security: bearer,
        params: keyParams,
        response: { 200: keySchema, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = api.getDeployment(request.params.id);
      const revoked = await keys.revoke(id, request.params.keyId);
      if (!revoked) throw new AppError('NOT_FOUND', `deployment '${id}' has no gateway key '${request.params.keyId}'`);
      return revoked;
    },
  );
}
