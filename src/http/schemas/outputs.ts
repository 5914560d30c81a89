/**
 * Response schemas: the facade's views (src/app/api.ts, src/app/performance/views.ts) as zod objects, so
 * every response is checked on the way out and documented in the OpenAPI document. Each schema
 * `satisfies` its view type, so a change to a view that is not mirrored here fails to compile.
 * Decimals are exact strings; they are never rounded here.
 */
import { z } from 'zod';
import type {
  AccountView,
  CapitalFlowView,
  DeploymentView,
  HealthView,
  MetricsView,
  OrderView,
  TradePage,
} from '../../app/api.js';
import { PNL_COLUMNS } from '../../app/performance/figures-view.js';
import type { PositionView } from '../../app/performance/views.js';
import { figureFields } from './figures.js';
import { doc } from './registry.js';

const named = <T extends z.ZodType>(id: string, schema: T): T => doc(schema, { id });

const DECIMAL = /^-?\d+(\.\d+)?$/;
const decimalOut = (description = 'Exact decimal string.') =>
  doc(z.string().regex(DECIMAL), { description, examples: ['150.25'] });
const decimal = decimalOut();
const time = doc(z.string(), { description: 'ISO-8601 time (UTC).', examples: ['2025-01-02T15:00:00Z'] });
const side = z.enum(['buy', 'sell']);
const costMethod = z.enum(['average', 'fifo']);

export const errorSchema = named(
  'Error',
  z.object({
    code: doc(z.string(), { description: 'Stable error code (docs/errors.md).', examples: ['VALIDATION_FAILED'] }),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
  }),
);

export const limitsSchema = z.object({
  max_order_notional: decimal.nullable(),
  max_position_value: decimal.nullable(),
  max_position_pct: decimal.nullable(),
  allowed_symbols: z.array(z.string()).nullable(),
  allow_short: z.boolean(),
  max_leverage: decimalOut('Max gross exposure as a multiple of equity in force ("1" when none was set).').optional(),
  max_daily_loss: decimal.nullable().optional(),
  max_drawdown_pct: decimal.nullable().optional(),
  on_breach: z.enum(['pause', 'flatten']).nullable().optional(),
});

export const deploymentSchema = named(
  'Deployment',
  z.object({
    id: z.string(),
    name: z.string(),
    strategy: z.string(),
    status: z.enum(['active', 'paused', 'stopped']),
    cost_method: costMethod,
    initial_capital: decimal,
    limits: limitsSchema,
    created_at: time,
    updated_at: time,
  }) satisfies z.ZodType<DeploymentView>,
);

const tokenField = doc(z.string(), {
  description:
    "The deployment's API token (`sld_<id>_<mac>`): it reads and trades only this deployment. Keep it: it is shown here once (the admin can re-issue one, which revokes this one).",
  examples: ['sld_momentum_0f3c9a…'],
});

export const createdDeploymentSchema = named('CreatedDeployment', deploymentSchema.extend({ token: tokenField }));

export const deploymentTokenSchema = named(
  'DeploymentToken',
  z.object({
    deployment_id: z.string(),
    token: tokenField,
  }),
);

export const positionSchema = named(
  'Position',
  z.object({
    symbol: z.string(),
    qty: decimalOut('Signed quantity: negative when short.'),
    avg_cost: decimal,
    cost_basis: decimal,
    mark: decimal.nullable(),
    mark_ts: time.nullable(),
    mark_source: z.string().nullable(),
    mark_stale: doc(z.boolean(), {
      description:
        'True when the position has no mark or its mark is older than the staleness threshold (SUBLEDGER_MARK_STALE_SECONDS).',
    }),
    market_value: decimal,
    realized_pnl: decimal,
    unrealized_pnl: decimal,
    fees: decimal,
    dividends: decimal,
  }) satisfies z.ZodType<PositionView>,
);

export const metricsSchema = named(
  'Metrics',
  z.object({
    id: z.string(),
    name: z.string(),
    strategy: z.string(),
    status: z.string(),
    cost_method: costMethod,
    initial_capital: decimal,
    capital_flows: decimal,
    virtual_cash: decimal,
    virtual_positions_value: decimal,
    virtual_portfolio_value: decimal,
    ...figureFields(decimal, PNL_COLUMNS),
    buying_power: decimal,
    reserved_cash: decimal,
    open_orders: z.number().int().nonnegative(),
    as_of: time,
  }) satisfies z.ZodType<MetricsView>,
);

export const tradeSchema = z.object({
  fill_id: z.string(),
  order_id: z.string().nullable(),
  symbol: z.string(),
  side,
  qty: decimal,
  price: decimal,
  fee: decimal,
  realized_pnl: decimal,
  ts: time,
});

export const tradePageSchema = named(
  'TradePage',
  z.object({
    trades: z.array(tradeSchema),
    next_cursor: doc(z.string().nullable(), {
      description: 'Pass as `cursor` for the next page; null on the last page.',
    }),
  }) satisfies z.ZodType<TradePage>,
);

export const orderSchema = named(
  'Order',
  z.object({
    id: z.string(),
    deployment_id: z.string(),
    broker_order_id: z.string().nullable(),
    symbol: z.string(),
    side,
    qty: decimal,
    type: z.enum(['market', 'limit']),
    limit_price: decimal.nullable(),
    time_in_force: z.enum(['day', 'gtc', 'ioc']),
    status: z.string(),
    filled_qty: decimal,
    filled_avg_price: decimal.nullable(),
    reserved_cash: decimal,
    reserved_qty: decimal,
    crossed_qty: decimal,
    at_broker: z.boolean(),
    reason: z.string().nullable(),
    idempotency_key: z.string().nullable(),
    created_at: time,
    updated_at: time,
  }) satisfies z.ZodType<OrderView>,
);

export const capitalFlowSchema = named(
  'CapitalFlow',
  z.object({
    id: z.string(),
    deployment_id: z.string(),
    amount: decimal,
    ts: time,
  }) satisfies z.ZodType<CapitalFlowView>,
);

const holdings = z.object({ cash: decimal, positions: z.array(z.object({ symbol: z.string(), qty: decimal })) });

export const accountSchema = named(
  'Account',
  z.object({
    broker: holdings.extend({ equity: decimal }),
    sleeves: holdings,
    house: holdings,
    differences: z.array(
      z.object({
        item: z.string(),
        broker: decimal,
        books: decimal,
        difference: decimal,
        likely_cause: z.string().nullable(),
      }),
    ),
    reconciled: z.boolean(),
    as_of: time,
  }) satisfies z.ZodType<AccountView>,
);

export const reconciliationSchema = named(
  'Reconciliation',
  accountSchema.pick({ differences: true, reconciled: true, as_of: true }),
);

export const healthSchema = named(
  'Health',
  z.object({
    status: z.enum(['ok', 'degraded']),
    store: z.string(),
    broker: z.string(),
    journal_events: z.number().int().nonnegative().nullable(),
    time,
    marks: doc(
      z.object({
        status: z.enum(['ok', 'failing', 'not_run']),
        last_run_at: time.nullable(),
        last_success_at: time.nullable(),
        last_failure_at: time.nullable(),
        last_error: z.string().nullable(),
        consecutive_failures: z.number().int().nonnegative(),
        missing: z.array(z.string()),
        stale_after_seconds: z.number().positive(),
      }),
      {
        description:
          'The price feed: a failed fetch keeps every last mark and shows here (status "failing" makes the health degraded).',
      },
    ).optional(),
  }) satisfies z.ZodType<HealthView>,
);

/** The error responses every route may give, for the OpenAPI document. */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  422: errorSchema,
  500: errorSchema,
  503: errorSchema,
} as const;
