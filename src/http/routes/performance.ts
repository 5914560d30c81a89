/**
 * Performance routes (issue 6): statistics, the P&L history log (JSON or `?format=csv`), the
 * metrics snapshots and the equity series for charts.
 *
 *   GET /deployments/{id}/stats | /history | /metrics/history | /equity   admin or the deployment's token
 *   GET /strategies, /strategies/{name}/stats | /history                  admin only
 *   GET /account/stats | /account/history, GET /stats (overview)          admin only
 *
 * Ranges (`from`, `to`) are inclusive dates or times. Errors are the API's usual
 * `{code, message, details}` (NOT_FOUND for an unknown deployment or strategy).
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { PerformanceApi } from '../../app/performance/performance-api.js';
import { historyCsv, snapshotsCsv } from '../../app/performance/csv.js';
import { type App, bearer } from '../app-types.js';
import { deploymentParams } from '../schemas/common.js';
import { errorResponses } from '../schemas/outputs.js';
import { performanceSchemas } from '../schemas/performance.js';

const own = { config: { access: 'own' as const } };
const CSV_NOTE = ' `?format=csv` answers text/csv with the same columns.';

/**
 * A 200 that is `schema` as JSON, or with `?format=csv` the same rows as text/csv: both media
 * types in the OpenAPI document, so that a client (and a conformance check) expects either.
 */
function jsonOrCsv<T extends z.ZodType>(schema: T) {
  return {
    description: 'JSON; with `?format=csv`, text/csv with the same columns.',
    content: { 'application/json': { schema }, 'text/csv': { schema: z.string() } },
  };
}

/** Sends `csv` as a text/csv download (not through the JSON serializer). */
function sendCsv(reply: FastifyReply, name: string, csv: string) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .send(csv);
}

const rangeOf = (q: { from?: string | undefined; to?: string | undefined }) => ({
  ...(q.from !== undefined ? { from: q.from } : {}),
  ...(q.to !== undefined ? { to: q.to } : {}),
});

export function performanceRoutes(app: App, performance: PerformanceApi): void {
  const tags = ['performance'];
  const {
    equitySeriesSchema,
    historyQuery,
    historySchema,
    rangeQuery,
    seriesQuery,
    snapshotSchema,
    snapshotsQuery,
    statsOverviewSchema,
    statsSchema,
    strategyParams,
    strategySchema,
  } = performanceSchemas();

  app.get(
    '/deployments/:id/stats',
    {
      ...own,
      schema: {
        tags,
        summary:
          'Statistics of the deployment from its daily closes: TWR, max drawdown, Sharpe, Sortino, win rate, profit factor, exposure, turnover, fees',
        security: bearer,
        params: deploymentParams,
        querystring: rangeQuery,
        response: { 200: statsSchema, ...errorResponses },
      },
    },
    (request) => performance.deploymentStats(request.params.id, rangeOf(request.query)),
  );

  app.get(
    '/deployments/:id/history',
    {
      ...own,
      schema: {
        tags,
        summary: `The deployment's P&L history log (daily closes, monthly roll-up, or every run).${CSV_NOTE}`,
        security: bearer,
        params: deploymentParams,
        querystring: historyQuery,
        response: { 200: jsonOrCsv(historySchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const view = await performance.deploymentHistory(
        request.params.id,
        request.query.period ?? 'daily',
        rangeOf(request.query),
      );
      return request.query.format === 'csv'
        ? sendCsv(reply, `history-${view.subject}-${view.period}`, historyCsv(view))
        : view;
    },
  );

  app.get(
    '/deployments/:id/metrics/history',
    {
      ...own,
      schema: {
        tags,
        summary: `The deployment's metrics snapshots (deployment_metrics), oldest first.${CSV_NOTE}`,
        security: bearer,
        params: deploymentParams,
        querystring: snapshotsQuery,
        response: { 200: jsonOrCsv(snapshotSchema.array()), ...errorResponses },
      },
    },
    async (request, reply) => {
      const rows = await performance.metricsHistory(request.params.id, rangeOf(request.query));
      return request.query.format === 'csv'
        ? sendCsv(reply, `metrics-${request.params.id}`, snapshotsCsv(request.params.id, rows))
        : rows;
    },
  );

  app.get(
    '/deployments/:id/equity',
    {
      ...own,
      schema: {
        tags,
        summary: 'Equity and drawdown series of the deployment for charts, downsampled to at most `points` points each',
        security: bearer,
        params: deploymentParams,
        querystring: seriesQuery,
        response: { 200: equitySeriesSchema, ...errorResponses },
      },
    },
    (request) => performance.equitySeries(request.params.id, rangeOf(request.query), request.query.points ?? 500),
  );

  app.get(
    '/strategies',
    {
      schema: {
        tags,
        summary: 'Every strategy (deployments grouped by their `strategy`) with its headline statistics',
        security: bearer,
        response: { 200: strategySchema.array(), ...errorResponses },
      },
    },
    () => performance.strategies(),
  );

  app.get(
    '/strategies/:name/stats',
    {
      schema: {
        tags,
        summary: "Statistics of a strategy: its deployments' daily closes summed (flows are not performance)",
        security: bearer,
        params: strategyParams,
        querystring: rangeQuery,
        response: { 200: statsSchema, ...errorResponses },
      },
    },
    (request) => performance.strategyStats(request.params.name, rangeOf(request.query)),
  );

  app.get(
    '/strategies/:name/history',
    {
      schema: {
        tags,
        summary: `A strategy's cumulative P&L history (seed 003 §5).${CSV_NOTE}`,
        security: bearer,
        params: strategyParams,
        querystring: historyQuery,
        response: { 200: jsonOrCsv(historySchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const view = await performance.strategyHistory(
        request.params.name,
        request.query.period ?? 'daily',
        rangeOf(request.query),
      );
      return request.query.format === 'csv'
        ? sendCsv(reply, `history-strategy-${view.period}`, historyCsv(view))
        : view;
    },
  );

  app.get(
    '/account/stats',
    {
      schema: {
        tags,
        summary: 'Statistics of the whole account (every sleeve, the house included)',
        security: bearer,
        querystring: rangeQuery,
        response: { 200: statsSchema, ...errorResponses },
      },
    },
    (request) => performance.accountStats(rangeOf(request.query)),
  );

  app.get(
    '/account/history',
    {
      schema: {
        tags,
        summary: `The account's P&L history.${CSV_NOTE}`,
        security: bearer,
        querystring: historyQuery,
        response: { 200: jsonOrCsv(historySchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const view = await performance.accountHistory(request.query.period ?? 'daily', rangeOf(request.query));
      return request.query.format === 'csv' ? sendCsv(reply, `history-account-${view.period}`, historyCsv(view)) : view;
    },
  );

  app.get(
    '/stats',
    {
      schema: {
        tags,
        summary:
          'Headline statistics (total return, max drawdown, Sharpe, Sortino, win rate) of the account, every strategy and every deployment: what the dashboard shows',
        security: bearer,
        response: { 200: statsOverviewSchema, ...errorResponses },
      },
    },
    () => performance.statsOverview(),
  );
}
