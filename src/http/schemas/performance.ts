/**
 * Schemas of the performance routes (src/http/routes/performance.ts): the range / period /
 * format / points query strings, the strategy path parameter, and the statistics, history,
 * snapshot and equity-series views (src/app/performance/performance-api.ts), each `satisfies` its view type.
 * Decimals are exact strings; ratios are fractions ("0.0123" = 1.23 %).
 *
 * Entry point: `performanceSchemas()`, built on first use, so their OpenAPI components exist only
 * on a server that serves these routes.
 */
import { z } from 'zod';
import type {
  EquitySeriesView,
  HistoryView,
  SnapshotView,
  StatsOverviewView,
  StatsSummaryView,
  StatsView,
  StrategyView,
} from '../../app/performance/performance-api.js';
import { FIGURE_COLUMNS, SNAPSHOT_COLUMNS } from '../../app/performance/figures-view.js';
import { isoTimeInput } from './common.js';
import { figureFields } from './figures.js';
import { doc } from './registry.js';

function build() {
  const named = <T extends z.ZodType>(id: string, schema: T): T => doc(schema, { id });
  const DECIMAL = /^-?\d+(\.\d+)?$/;
  const decimal = doc(z.string().regex(DECIMAL), { description: 'Exact decimal string.', examples: ['150.25'] });
  const ratio = doc(z.string().regex(DECIMAL).nullable(), {
    description: 'Exact decimal fraction (0.0123 = 1.23 %); null when not defined.',
    examples: ['0.0065789'],
  });
  const time = doc(z.string(), { description: 'ISO-8601 time (UTC).', examples: ['2025-01-02T21:00:00.000Z'] });
  const scope = z.enum(['deployment', 'strategy', 'account']);
  const kind = z.enum(['close', 'rebalance']);

  const range = {
    from: doc(isoTimeInput.optional(), {
      description: 'From this date (whole day) or time, inclusive.',
      examples: ['2025-01-02'],
    }),
    to: doc(isoTimeInput.optional(), {
      description: 'Up to this date (whole day) or time, inclusive.',
      examples: ['2025-01-31'],
    }),
  };
  const format = doc(z.enum(['json', 'csv'], { error: 'must be "json" or "csv"' }).optional(), {
    description: '`csv` answers text/csv (RFC 4180, exact decimal strings) instead of JSON.',
  });

  const rangeQuery = z.strictObject(range);

  const historyQuery = z.strictObject({
    ...range,
    period: doc(z.enum(['daily', 'monthly', 'all'], { error: 'must be "daily", "monthly" or "all"' }).optional(), {
      description:
        '`daily` (default): one row per trading day close; `monthly`: the roll-up; `all`: closes and rebalance runs.',
    }),
    format,
  });

  const snapshotsQuery = z.strictObject({ ...range, format });

  const seriesQuery = z.strictObject({
    ...range,
    points: doc(
      z
        .string()
        .regex(/^\d{1,5}$/, { error: 'must be an integer from 4 to 10000' })
        .transform(Number)
        .refine((n) => n >= 4 && n <= 10_000, { error: 'must be an integer from 4 to 10000' })
        .optional(),
      { description: 'At most this many points per series (4..10000, default 500).', examples: ['500'] },
    ),
  });

  const strategyParams = z.strictObject({
    name: doc(z.string().min(1, { error: 'must not be empty' }).max(100, { error: 'must be at most 100 characters' }), {
      description: "A deployment's `strategy`.",
      examples: ['momentum'],
    }),
  });

  const tradesSchema = z.object({
    count: z.number().int().nonnegative(),
    wins: z.number().int().nonnegative(),
    losses: z.number().int().nonnegative(),
    breakeven: z.number().int().nonnegative(),
    win_rate: ratio,
    profit_factor: doc(decimal.nullable(), {
      description: 'Σ wins ÷ |Σ losses|; null when infinite (see profit_factor_infinite).',
    }),
    profit_factor_infinite: z.boolean(),
    average_win: decimal.nullable(),
    average_loss: decimal.nullable(),
    average_trade: decimal.nullable(),
    net_pnl: decimal,
  });

  const statsSchema = named(
    'Stats',
    z.object({
      scope,
      subject: z.string(),
      deployments: z.array(z.string()),
      from: z.string().nullable(),
      to: z.string().nullable(),
      as_of: time.nullable(),
      days: z.number().int().nonnegative(),
      equity: decimal.nullable(),
      capital: decimal.nullable(),
      total_pnl: decimal.nullable(),
      pnl: decimal,
      fees_paid: decimal,
      total_return: ratio,
      annual_return: ratio,
      max_drawdown: ratio,
      sharpe: doc(decimal.nullable(), { description: 'Annualized (√252), daily returns, rf 0, sample std.' }),
      sortino: doc(decimal.nullable(), { description: 'Annualized; downside deviation over all days.' }),
      period_win_rate: ratio,
      trades: tradesSchema,
      exposure: ratio,
      turnover: decimal.nullable(),
      problem: z.string().nullable(),
    }) satisfies z.ZodType<StatsView>,
  );

  const statsSummarySchema = named(
    'StatsSummary',
    z.object({
      scope,
      subject: z.string(),
      as_of: time.nullable(),
      days: z.number().int().nonnegative(),
      total_pnl: decimal.nullable(),
      total_return: ratio,
      max_drawdown: ratio,
      sharpe: decimal.nullable(),
      sortino: decimal.nullable(),
      win_rate: ratio,
    }) satisfies z.ZodType<StatsSummaryView>,
  );

  const statsOverviewSchema = named(
    'StatsOverview',
    z.object({
      account: statsSummarySchema,
      strategies: z.array(statsSummarySchema),
      deployments: z.array(statsSummarySchema),
    }) satisfies z.ZodType<StatsOverviewView>,
  );

  const strategySchema = named(
    'Strategy',
    z.object({
      name: z.string(),
      deployments: z.array(z.string()),
      stats: statsSummarySchema,
    }) satisfies z.ZodType<StrategyView>,
  );

  const historySchema = named(
    'History',
    z.object({
      scope,
      subject: z.string(),
      period: z.enum(['daily', 'monthly', 'all']),
      rows: z.array(
        z.object({
          period: doc(z.string(), { description: 'YYYY-MM-DD, or YYYY-MM for monthly rows.' }),
          ts: time,
          kind,
          members: z.number().int().nonnegative(),
          ...figureFields(decimal, FIGURE_COLUMNS),
          pnl_change: decimal,
          period_return: ratio,
          gross_exposure: decimal,
          open_positions: z.number().int().nonnegative(),
        }),
      ),
    }) satisfies z.ZodType<HistoryView>,
  );

  const snapshotSchema = named(
    'Snapshot',
    z.object({
      ts: time,
      ...figureFields(decimal, SNAPSHOT_COLUMNS),
    }) satisfies z.ZodType<SnapshotView>,
  );

  const equitySeriesSchema = named(
    'EquitySeries',
    z.object({
      deployment_id: z.string(),
      points_total: z.number().int().nonnegative(),
      max_points: z.number().int(),
      equity: z.array(z.object({ ts: time, equity: decimal })),
      drawdown: z.array(z.object({ ts: time, drawdown: decimal })),
    }) satisfies z.ZodType<EquitySeriesView>,
  );
  return {
    rangeQuery,
    historyQuery,
    snapshotsQuery,
    seriesQuery,
    strategyParams,
    statsSchema,
    statsSummarySchema,
    statsOverviewSchema,
    strategySchema,
    historySchema,
    snapshotSchema,
    equitySeriesSchema,
  };
}

let built: ReturnType<typeof build> | undefined;

/** The schemas of the performance routes (created once). */
export function performanceSchemas(): ReturnType<typeof build> {
  return (built ??= build());
}
