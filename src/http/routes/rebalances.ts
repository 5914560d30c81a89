/**
 * The multi-strategy engine over HTTP (admin only):
 *   GET  /rebalances              recent runs (id, time)
 *   GET  /rebalances/{id}         a run's execution summary (seed 003 §4)
 *   POST /rebalances              run one now; body `{ "dry_run": true }` plans without sending
 */
import { z } from 'zod';
import type { ExecutionSummary } from '../../engine/summary.js';
import { type App, bearer } from '../app-types.js';
import { limitInput } from '../schemas/common.js';
import { errorResponses } from '../schemas/outputs.js';

/** What the routes need of the engine (src/engine/engine.ts implements it). */
export interface RebalanceApi {
  listRebalances(limit: number): { id: string; ts: string }[];
  getRebalance(id: string): ExecutionSummary;
  rebalance(dryRun: boolean): Promise<{ summary: ExecutionSummary }>;
}

const admin = { config: { access: 'admin' as const } };
const tags = ['engine'];
const summarySchema = z.looseObject({
  id: z.string(),
  started_at: z.string(),
  finished_at: z.string(),
  dry_run: z.boolean(),
  strategies: z.array(
    z.looseObject({
      deployment: z.string(),
      strategy: z.string(),
      signal: z.string(),
      realized_pnl: z.string(),
      unrealized_pnl: z.string(),
      total_pnl: z.string(),
    }),
  ),
  symbols: z.array(z.looseObject({ symbol: z.string() })),
});

type Summary = z.infer<typeof summarySchema>;

export function rebalanceRoutes(app: App, engine: RebalanceApi): void {
  app.get(
    '/rebalances',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Recent rebalance runs, newest first',
        security: bearer,
        querystring: z.strictObject({ limit: limitInput(500, 50) }),
        response: { 200: z.array(z.strictObject({ id: z.string(), ts: z.string() })), ...errorResponses },
      },
    },
    (request) => engine.listRebalances((request.query as { limit: number }).limit),
  );
  app.get(
    '/rebalances/:id',
    {
      ...admin,
      schema: {
        tags,
        summary:
          "A rebalance run's execution summary: per strategy allocation, signal, P&L, orders, crossing; the account check",
        security: bearer,
        params: z.strictObject({ id: z.string().min(1).max(128) }),
        response: { 200: summarySchema, ...errorResponses },
      },
    },
    (request) => engine.getRebalance((request.params as { id: string }).id) as unknown as Summary,
  );
  app.post(
    '/rebalances',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Run the multi-strategy rebalance now (dry_run: plan only, nothing sent or journaled)',
        security: bearer,
        body: z.strictObject({ dry_run: z.boolean().optional() }).optional(),
        response: { 200: summarySchema, ...errorResponses },
      },
    },
    async (request) =>
      (await engine.rebalance(Boolean((request.body as { dry_run?: boolean } | undefined)?.dry_run)))
        .summary as unknown as Summary,
  );
}
