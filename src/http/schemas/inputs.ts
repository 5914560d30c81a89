/**
 * Request bodies and query strings of the REST API, as strict zod objects: unknown fields are
 * rejected, decimals arrive as strings and leave as `Dec`. Cross-field rules (qty XOR notional,
 * limit_price iff type=limit, from ≤ to) are reported on the field a person has to change.
 */
import { z } from 'zod';
import { doc } from './registry.js';
import { decimalInput, deploymentIdInput, isoTimeInput, limitInput, symbolInput } from './common.js';

const text = (max: number) =>
  z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` });

export const limitsInput = z.strictObject({
  max_order_notional: decimalInput('positive', 'Largest notional one order may have (money).').optional(),
  max_position_value: decimalInput(
    'positive',
    "Largest value of one symbol's position after an order (money).",
  ).optional(),
  max_position_pct: decimalInput(
    'positive',
    "Largest value of one symbol's position as % of sleeve equity (25 = 25 %).",
  ).optional(),
  allowed_symbols: z
    .array(symbolInput)
    .min(1, { error: 'must list at least one symbol (omit it to allow any)' })
    .max(1000, { error: 'must list at most 1000 symbols' })
    .optional(),
  allow_short: z.boolean().optional(),
});

export const createDeploymentBody = z.strictObject({
  id: deploymentIdInput,
  name: text(200).optional(),
  strategy: text(200).optional(),
  initial_capital: decimalInput('non-negative', 'Capital the sleeve starts with (money).'),
  cost_method: z.enum(['average', 'fifo']).optional(),
  limits: limitsInput.optional(),
});

export const submitOrderBody = z
  .strictObject({
    symbol: symbolInput,
    side: z.enum(['buy', 'sell']),
    qty: decimalInput('positive', 'Quantity (shares or units). Give exactly one of qty and notional.').optional(),
    notional: decimalInput('positive', 'Amount of money to trade. Give exactly one of qty and notional.').optional(),
    type: z.enum(['market', 'limit']),
    limit_price: decimalInput('positive', 'Required for limit orders, not allowed for market orders.').optional(),
    time_in_force: z.enum(['day', 'gtc', 'ioc']).default('day'),
  })
  .superRefine((body, ctx) => {
    if (body.qty !== undefined && body.notional !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['notional'], message: 'give either qty or notional, not both' });
    } else if (body.qty === undefined && body.notional === undefined) {
      ctx.addIssue({ code: 'custom', path: ['qty'], message: 'is required (or give notional)' });
    }
    if (body.type === 'limit' && body.limit_price === undefined) {
      ctx.addIssue({ code: 'custom', path: ['limit_price'], message: 'is required for limit orders' });
    } else if (body.type === 'market' && body.limit_price !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['limit_price'], message: 'must be omitted for market orders' });
    }
  });

export const capitalFlowBody = z.strictObject({
  amount: decimalInput(
    'non-zero',
    'Signed amount: positive moves capital from the house into the deployment, negative back.',
  ),
});

export const tradesQuery = z
  .strictObject({
    symbol: symbolInput.optional(),
    from: doc(isoTimeInput.optional(), {
      description: 'Only trades at or after this time (ISO-8601).',
      examples: ['2025-01-02'],
    }),
    to: doc(isoTimeInput.optional(), {
      description: 'Only trades at or before this time (ISO-8601).',
      examples: ['2025-01-03T00:00:00Z'],
    }),
    limit: limitInput(1000, 100),
    cursor: doc(z.string().min(1).max(500, { error: 'must be at most 500 characters' }).optional(), {
      description: '`next_cursor` of the previous page.',
    }),
  })
  .superRefine((query, ctx) => {
    if (query.from !== undefined && query.to !== undefined && Date.parse(query.from) > Date.parse(query.to)) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    }
  });

export const ordersQuery = z.strictObject({
  status: doc(z.enum(['open', 'closed', 'all']).default('open'), { description: 'Which orders (default open).' }),
  limit: limitInput(1000, 100),
});
