/**
 * GET /health (no auth): store, broker and journal status, and — when the server runs in a
 * runtime (src/server.ts) — this process's role among several on one store: writer or standby,
 * the lease epoch, the journal seq it has folded and its lag behind the store. 200 when ok, 503
 * when degraded, so a load balancer can act on the status code alone.
 *
 * GET /ready and /health/ready (no auth): readiness for a load balancer. 200 once this process
 * serves: the writer once it started; a standby while it is caught up (lag ≤ READY_LAG). With
 * `?role=writer`, only the writer is ready (a pool that sends writes).
 *
 * `refuseWritesOnStandby`: the hook that answers every write (any method but GET, HEAD, OPTIONS)
 * with 503 NOT_WRITER while this process is a standby (docs/decisions/0006-standbys.md).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App, RouteDeps } from '../app-types.js';
import { errorSchema, healthSchema } from '../schemas/outputs.js';

export type Role = 'writer' | 'standby';

/** This process among the processes on one store (src/server.ts `Runtime.cluster`). */
export interface ClusterView {
  readonly role: Role;
  /** The writer lease's epoch: this process's own (writer), or the writer's as last read (standby). */
  readonly epoch: number;
  /** The journal seq this process's state is folded through. */
  readonly seq: number;
  /** How many committed journal entries it has not folded yet (0 on the writer). */
  readonly lag: number;
  /** When a standby last read the journal to its end (null on the writer). */
  readonly followed_at: string | null;
  /** The writer as the lease names it (a standby), else null. */
  readonly writer: { readonly host: string; readonly pid: number; readonly command: string } | null;
  /** Whether the HTTP server is up and, on the writer, its periodic work started. */
  readonly serving: boolean;
}

/** A standby this many entries behind is not ready (it is still catching up). */
export const READY_LAG = 100;

export const clusterSchema = z.object({
  role: z.enum(['writer', 'standby']),
  epoch: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  lag: z.number().int().nonnegative(),
  followed_at: z.string().nullable(),
  writer: z.object({ host: z.string(), pid: z.number().int(), command: z.string() }).nullable(),
  serving: z.boolean(),
}) satisfies z.ZodType<ClusterView>;

const healthWithCluster = healthSchema.extend({ cluster: clusterSchema.optional() });

const readySchema = z.object({ ready: z.boolean(), reason: z.string() }).extend(clusterSchema.shape);

export function healthRoutes(app: App, { api }: RouteDeps, cluster?: () => Promise<ClusterView>): void {
  app.get(
    '/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Health of the store, the broker connection and the journal; this process as writer or standby',
        response: { 200: healthWithCluster, 503: healthWithCluster, 500: errorSchema },
      },
    },
    async (_request, reply) => {
      const health = await api.health();
      const view = cluster ? { cluster: await cluster() } : {};
      return reply.code(health.status === 'ok' ? 200 : 503).send({ ...health, ...view });
    },
  );
  if (!cluster) return;
  for (const path of ['/ready', '/health/ready'])
    app.get(
      path,
      {
        config: { access: 'public' },
        schema: {
          tags: ['system'],
          summary: 'Readiness for a load balancer: 200 when this process serves (`?role=writer`: only the writer)',
          querystring: z.object({ role: z.enum(['writer', 'any']).default('any') }),
          response: { 200: readySchema, 400: errorSchema, 503: readySchema, 500: errorSchema },
        },
      },
      async (request, reply) => {
        const view = await cluster();
        const reason = notReady(view, request.query.role === 'writer');
        return reply.code(reason ? 503 : 200).send({ ready: !reason, reason: reason ?? 'serving', ...view });
      },
    );
}

/** Why `view` is not ready, or undefined when it is. */
export function notReady(view: ClusterView, writerOnly: boolean): string | undefined {
  if (!view.serving) return 'starting';
  if (writerOnly && view.role !== 'writer') return 'a standby (writes go to the writer)';
  if (view.role === 'standby' && view.lag > READY_LAG) return `catching up: ${view.lag} journal entries behind`;
  return undefined;
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Answers every write with 503 while `refusal()` says why (a standby): `{code: 'NOT_WRITER',
 * message, details}` on the REST API; Alpaca's shape `{code, message}` on the gateway.
 */
export function refuseWritesOnStandby(
  server: FastifyInstance,
  refusal: () => { message: string; details: Record<string, unknown> } | undefined,
  shape: 'api' | 'alpaca',
): void {
  server.addHook('onRequest', async (request, reply) => {
    if (READS.has(request.method)) return;
    const refused = refusal();
    if (!refused) return;
    await reply
      .code(503)
      .header('retry-after', '1')
      .send(
        shape === 'api'
          ? { code: 'NOT_WRITER', message: refused.message, details: refused.details }
          : { code: 50300000, message: refused.message },
      );
    return reply;
  });
}
