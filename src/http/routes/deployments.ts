/**
 * Deployments: GET /deployments (admin: all; a deployment token: only its own),
 * POST /deployments (admin; the answer carries the new deployment's token, shown this once),
 * GET /deployments/{id}, POST /deployments/{id}/pause | resume | stop (admin),
 * POST /deployments/{id}/token (admin: re-issues the deployment's token, revoking the one before;
 * src/http/tokens.ts). The facade throws NOT_FOUND for unknown ids and CONFLICT for an existing id
 * or a transition the status does not allow.
 */
import type { CreateDeploymentInput, DeploymentStatus, Limits } from '../../app/api.js';
import { type App, type RouteDeps, bearer } from '../app-types.js';
import { deploymentParams } from '../schemas/common.js';
import { createDeploymentBody } from '../schemas/inputs.js';
import {
  createdDeploymentSchema,
  deploymentSchema,
  deploymentTokenSchema,
  errorResponses,
} from '../schemas/outputs.js';
import type { z } from 'zod';

function toLimits(limits: z.output<typeof createDeploymentBody>['limits']): Limits | undefined {
  if (!limits) return undefined;
  return {
    maxOrderNotional: limits.max_order_notional,
    maxPositionValue: limits.max_position_value,
    maxPositionPct: limits.max_position_pct,
    allowedSymbols: limits.allowed_symbols,
    allowShort: limits.allow_short,
    ...(limits.max_leverage !== undefined ? { maxLeverage: limits.max_leverage } : {}),
    ...(limits.max_daily_loss !== undefined ? { maxDailyLoss: limits.max_daily_loss } : {}),
    ...(limits.max_drawdown_pct !== undefined ? { maxDrawdownPct: limits.max_drawdown_pct } : {}),
    ...(limits.on_breach !== undefined ? { onBreach: limits.on_breach } : {}),
  };
}

const TRANSITIONS: { path: string; status: DeploymentStatus; summary: string }[] = [
  { path: 'pause', status: 'paused', summary: 'Pause: new orders may only reduce or close positions' },
  { path: 'resume', status: 'active', summary: 'Resume trading' },
  { path: 'stop', status: 'stopped', summary: 'Stop: new orders may only reduce or close positions' },
];

export function deploymentRoutes(app: App, { api, tokens }: RouteDeps): void {
  app.get(
    '/deployments',
    {
      config: { access: 'token' },
      schema: {
        tags: ['deployments'],
        summary: 'Deployments (a deployment token sees only its own)',
        security: bearer,
        response: { 200: deploymentSchema.array(), ...errorResponses },
      },
    },
    (request) => {
      const all = api.listDeployments();
      const principal = request.principal;
      return principal?.kind === 'deployment' ? all.filter((d) => d.id === principal.deployment) : all;
    },
  );

  app.post(
    '/deployments',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['deployments'],
        summary: 'Create a deployment (a sleeve with its own capital and limits)',
        description:
          "The answer carries the deployment's API token (`token`), shown this once; `POST /deployments/{id}/token` re-issues it.",
        security: bearer,
        body: createDeploymentBody,
        response: { 201: createdDeploymentSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const input: CreateDeploymentInput = {
        id: body.id,
        name: body.name,
        strategy: body.strategy,
        initialCapital: body.initial_capital,
        costMethod: body.cost_method,
        limits: toLimits(body.limits),
      };
      const created = await api.createDeployment(input);
      return reply.code(201).send({ ...created, token: tokens.token(created.id) });
    },
  );

  app.post(
    '/deployments/:id/token',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['deployments'],
        summary: "Re-issue a deployment's API token",
        description:
          "Issues a new token for the deployment and answers it; the token before stops working at once (this is how one deployment's token is revoked). Re-issuing is remembered across restarts.",
        security: bearer,
        params: deploymentParams,
        response: { 200: deploymentTokenSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = api.getDeployment(request.params.id); // NOT_FOUND for an unknown id (or the house)
      return { deployment_id: id, token: await tokens.reissue(id) };
    },
  );

  app.get(
    '/deployments/:id',
    {
      config: { access: 'own' },
      schema: {
        tags: ['deployments'],
        summary: 'One deployment',
        security: bearer,
        params: deploymentParams,
        response: { 200: deploymentSchema, ...errorResponses },
      },
    },
    (request) => api.getDeployment(request.params.id),
  );

  for (const transition of TRANSITIONS) {
    app.post(
      `/deployments/:id/${transition.path}`,
      {
        config: { access: 'admin' },
        schema: {
          tags: ['deployments'],
          summary: transition.summary,
          security: bearer,
          params: deploymentParams,
          response: { 200: deploymentSchema, ...errorResponses },
        },
      },
      (request) => api.setDeploymentStatus(request.params.id, transition.status),
    );
  }
}
