/**
 * Request bodies and query strings of the REST API, as strict zod objects: unknown fields are
 * rejected, decimals arrive as strings and leave as `Dec`. Cross-field rules (qty XOR notional,
 * limit_price iff type=limit, from ≤ to) are reported on the field a person has to change.
 */
import { z } from 'zod';
import { doc } from './registry.js';
import { decimalInput, deploymentIdInput, isoTimeInput, limitInput, symbolInput } from './common.js';
import { type Dec, mul, toPlain } from '../../core/decimal.js';
import {
  MAX_ALLOWED_SYMBOLS,
  MAX_AMOUNT,
  MAX_NAME_CHARS,
  MAX_PRICE,
  MAX_QTY,
  MAX_STRATEGY_CHARS,
  MONEY_PLACES,
  boundedText,
} from '../../app/journal/journal-bounds.js';

/** The journal's bounds (journal-bounds.ts), so that nothing accepted here is refused by the journal. */
const AMOUNT = { max: MAX_AMOUNT };
const CASH = { max: MAX_AMOUNT, places: { count: MONEY_PLACES, unit: 'whole cents' } };

export const limitsInput = z.strictObject({
  max_order_notional: decimalInput('positive', 'Largest notional one order may have (money).', AMOUNT).optional(),
  max_position_value: decimalInput(
    'positive',
    "Largest value of one symbol's position after an order (money).",
    AMOUNT,
  ).optional(),
  max_position_pct: decimalInput(
    'positive',
    "Largest value of one symbol's position as % of sleeve equity (25 = 25 %).",
    AMOUNT,
  ).optional(),
  allowed_symbols: z
    .array(symbolInput)
    .min(1, { error: 'must list at least one symbol (omit it to allow any)' })
    .max(MAX_ALLOWED_SYMBOLS, { error: `must list at most ${MAX_ALLOWED_SYMBOLS} symbols` })
    .optional(),
  allow_short: z.boolean().optional(),
  max_leverage: decimalInput(
    'positive',
    'Largest gross exposure (Σ |position value| plus open orders) as a multiple of sleeve equity (default 1).',
    AMOUNT,
  ).optional(),
  max_daily_loss: decimalInput(
    'positive',
    "The day's loss (money) that stops the sleeve (on_breach).",
    AMOUNT,
  ).optional(),
  max_drawdown_pct: decimalInput(
    'positive',
    "Drop from the sleeve's equity peak, % (10 = 10 %), that stops it.",
    AMOUNT,
  ).optional(),
  on_breach: z.enum(['pause', 'flatten'], { error: 'must be "pause" or "flatten"' }).optional(),
});

export const createDeploymentBody = z.strictObject({
  id: deploymentIdInput,
  name: boundedText(MAX_NAME_CHARS).optional(),
  strategy: boundedText(MAX_STRATEGY_CHARS).optional(),
  initial_capital: decimalInput('non-negative', 'Capital the sleeve starts with (money).', CASH),
  cost_method: z.enum(['average', 'fifo']).optional(),
  limits: limitsInput.optional(),
});

export const submitOrderBody = z
  .strictObject({
    symbol: symbolInput,
    side: z.enum(['buy', 'sell']),
    qty: decimalInput('positive', 'Quantity (shares or units). Give exactly one of qty and notional.', {
      max: MAX_QTY,
    }).optional(),
    notional: decimalInput(
      'positive',
      'Amount of money to trade. Give exactly one of qty and notional.',
      AMOUNT,
    ).optional(),
    type: z.enum(['market', 'limit']),
    limit_price: decimalInput('positive', 'Required for limit orders, not allowed for market orders.', {
      max: MAX_PRICE,
    }).optional(),
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
    // Runs even when a field failed (then it holds its text, not a Dec): compare only parsed values.
    const { qty, limit_price: limit } = body as { qty?: unknown; limit_price?: unknown };
    if (typeof qty === 'bigint' && typeof limit === 'bigint' && mul(qty as Dec, limit as Dec) > MAX_AMOUNT) {
      ctx.addIssue({
        code: 'custom',
        path: ['qty'],
        message: `qty × limit_price must be at most ${toPlain(MAX_AMOUNT)}`,
      });
    }
  });

export const capitalFlowBody = z.strictObject({
  amount: decimalInput(
    'non-zero',
    'Signed amount: positive moves capital from the house into the deployment, negative back.',
    CASH,
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
