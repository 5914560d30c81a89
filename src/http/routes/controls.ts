/**
 * The kill switch and the account's tax view: POST /deployments/{id}/flatten (admin, or the
 * deployment's own token: stop it, cancel its working orders, close exactly its positions),
 * GET /deployments/{id}/breaches (its loss-limit breaches), GET /deployments/{id}/loss-limits (its
 * loss limits and the journal's figures they are checked against now), GET /account/wash-sales?year=Y
 * (admin: the account's wash sales of a year across every sleeve; not tax advice).
 */
import { z } from 'zod';
import type { ControlsApi } from '../../app/risk/controls.js';
import { yearProblem } from '../../app/performance/wash-sale-report.js';
import { type App, bearer } from '../app-types.js';
import { deploymentParams } from '../schemas/common.js';
import { errorResponses, orderSchema } from '../schemas/outputs.js';

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);

const flattenBody = z
  .strictObject({
    reason: z
      .string({ error: 'must be a string' })
      .min(1, { error: 'must not be empty' })
      .max(500, { error: 'must be at most 500 characters' })
      .optional(),
  })
  .optional();

const flattenSchema = z.object({
  id: z.string(),
  deployment_id: z.string(),
  status: z.enum(['closing', 'done']),
  by: z.string(),
  reason: z.string(),
  requested_at: z.string(),
  orders: orderSchema.array(),
  problems: z.string().array(),
  positions_left: z.object({ symbol: z.string(), qty: decimal }).array(),
});

const breachSchema = z.object({
  id: z.string(),
  limit: z.enum(['max_daily_loss', 'max_drawdown_pct']),
  value: decimal,
  threshold: decimal,
  action: z.enum(['pause', 'flatten']),
  ts: z.string(),
});

const lossLimitsSchema = z.object({
  deployment_id: z.string(),
  max_daily_loss: decimal.nullable(),
  max_drawdown_pct: decimal.nullable(),
  on_breach: z.enum(['pause', 'flatten']).nullable(),
  day: z.string(),
  pnl: decimal,
  day_start_pnl: decimal,
  day_loss: decimal,
  peak_pnl: decimal,
  capital: decimal,
  drawdown_pct: decimal.nullable(),
});

const yearQuery = z.strictObject({
  year: z.string({ error: 'is required, e.g. year=2025' }).superRefine((text, ctx) => {
    const problem = yearProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
});

const washSaleRow = z.object({
  symbol: z.string(),
  sale_fill_id: z.string(),
  sale_date: z.string(),
  sold_by: z.string().array(),
  sold_lot_fill_id: z.string(),
  sold_held_from: z.string(),
  qty: decimal,
  proceeds: decimal,
  basis: decimal,
  loss: decimal,
  disallowed: decimal,
  replacement_fill_id: z.string(),
  replacement_date: z.string(),
  replaced_by: z.string().array(),
  replacement_basis: decimal,
  replacement_adjusted_basis: decimal,
  carried_days: z.number().int(),
  replacement_held_from: z.string(),
});

const washSalesSchema = z.object({
  year: z.number().int(),
  wash_sales: washSaleRow.array(),
  totals: z.object({
    disallowed: decimal,
    by_symbol: z.object({ symbol: z.string(), disallowed: decimal }).array(),
  }),
  note: z.string(),
});

export function controlRoutes(app: App, controls: ControlsApi): void {
  app.post(
    '/deployments/:id/flatten',
    {
      config: { access: 'own' },
      schema: {
        tags: ['deployments'],
        summary: 'Kill switch: stop the deployment, cancel its orders, close exactly its positions',
        description:
          'Market orders of this sleeve through the internal book (crossed with other sleeves where its rules allow, the rest at the broker); no other sleeve is touched. A flatten asked while one runs answers that one. Each step is journaled with who asked and `reason`.',
        security: bearer,
        params: deploymentParams,
        body: flattenBody,
        response: { 200: flattenSchema, ...errorResponses },
      },
    },
    (request) => {
      const principal = request.principal;
      const by = principal?.kind === 'deployment' ? `deployment:${principal.deployment}` : 'admin';
      return controls.flatten(request.params.id, { by, reason: request.body?.reason ?? 'flattened through the API' });
    },
  );

  app.get(
    '/deployments/:id/breaches',
    {
      config: { access: 'own' },
      schema: {
        tags: ['deployments'],
        summary: "The deployment's loss-limit breaches (max_daily_loss, max_drawdown_pct), oldest first",
        security: bearer,
        params: deploymentParams,
        response: { 200: breachSchema.array(), ...errorResponses },
      },
    },
    (request) => controls.breaches(request.params.id),
  );

  app.get(
    '/deployments/:id/loss-limits',
    {
      config: { access: 'own' },
      schema: {
        tags: ['deployments'],
        summary: "The deployment's loss limits and the figures they are checked against now",
        description:
          "From the journal (a restart changes none): total P&L now, at the start of the day (the app clock's UTC date), its peak, the day's loss and the drawdown from the peak in percent. Limits not set are null.",
        security: bearer,
        params: deploymentParams,
        response: { 200: lossLimitsSchema, ...errorResponses },
      },
    },
    (request) => controls.lossLimits(request.params.id),
  );

  app.get(
    '/account/wash-sales',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['account'],
        summary: "The account's wash sales of a year, across every sleeve (an account-level tax view; not tax advice)",
        description:
          'Loss sales (FIFO lots of the account) with a purchase of the same symbol within 30 days before or after in any sleeve: the disallowed loss, the replacement basis adjustment and holding-period carry-over, and the sleeves involved. See docs/wash-sales.md.',
        security: bearer,
        querystring: yearQuery,
        response: { 200: washSalesSchema, ...errorResponses },
      },
    },
    (request) => controls.washSales(Number(request.query.year)),
  );
}
